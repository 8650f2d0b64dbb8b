import { TestBed } from '@angular/core/testing';
import { type ActivatedRouteSnapshot, provideRouter, Router, type RouterStateSnapshot, type UrlTree } from '@angular/router';
import { signedInGuard } from '../app.routes';
import { AuthService } from './auth.service';
import { returnUrlParams, safeReturnUrl } from './return-url';

describe('safeReturnUrl', () => {
  it.each(['/chats/3f0c7a52', '/history/abc?x=1#m', '/settings/notifications'])('keeps a path of the console: %s', (url) => {
    expect(safeReturnUrl(url)).toBe(url);
  });

  it.each([
    null,
    undefined,
    '',
    'chats/1',
    'https://evil.example/',
    'javascript:alert(1)',
    '//evil.example/x',
    '/\\evil.example',
    '/chats/1\nSet-Cookie: x',
    '/login',
    '/login?returnUrl=%2Fchats%2F1',
  ])('refuses anything else (%p): the console start', (url) => {
    expect(safeReturnUrl(url)).toBe('/');
  });

  it('gives no parameter for the start page', () => {
    expect(returnUrlParams('/')).toEqual({});
    expect(returnUrlParams('/chats/1')).toEqual({ returnUrl: '/chats/1' });
  });
});

describe('signedInGuard', () => {
  it('sends a signed-out operator to sign-in with the URL asked for, so sign-in brings them back', () => {
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
    TestBed.inject(AuthService).signOut();
    const result = TestBed.runInInjectionContext(() => signedInGuard({} as ActivatedRouteSnapshot, { url: '/chats/3f0c7a52' } as RouterStateSnapshot));
    expect(TestBed.inject(Router).serializeUrl(result as UrlTree)).toBe('/login?returnUrl=%2Fchats%2F3f0c7a52');
  });
});
