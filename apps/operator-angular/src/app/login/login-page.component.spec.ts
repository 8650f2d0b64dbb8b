import { TestBed } from '@angular/core/testing';
import { ActivatedRoute, convertToParamMap, provideRouter, Router } from '@angular/router';
import { AuthService } from '../core/auth.service';
import { GraphqlService } from '../core/graphql.service';
import { NOTIFICATION_PLATFORM } from '../core/notifier.service';
import { RequestError } from '../core/request-error';
import { FakeGraphql, flush } from '../testing/fakes';
import { LoginPageComponent, signInFailureMessage } from './login-page.component';

describe('LoginPageComponent', () => {
  let graphql: FakeGraphql;

  beforeEach(() => {
    localStorage.clear();
    graphql = new FakeGraphql();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        { provide: GraphqlService, useValue: graphql },
        {
          provide: NOTIFICATION_PLATFORM,
          useValue: { isHidden: () => false, permission: () => 'granted', requestPermission: () => Promise.resolve('granted'), showNotification: () => undefined, chime: () => undefined },
        },
      ],
    });
  });

  async function fillAndSubmit(email: string, password: string) {
    const fixture = TestBed.createComponent(LoginPageComponent);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const type = (selector: string, value: string) => {
      const input = root.querySelector<HTMLInputElement>(selector)!;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    };
    type('[data-testid=login-email]', email);
    type('[data-testid=login-password]', password);
    root.querySelector<HTMLButtonElement>('[data-testid=login-submit]')!.click();
    await flush();
    await fixture.whenStable();
    return root;
  }

  it('shows a clear message for a wrong password and stays signed out', async () => {
    graphql.on('LoginOperator', () => {
      throw new RequestError('Invalid e-mail or password', 'UNAUTHENTICATED', false);
    });
    const root = await fillAndSubmit('olga@example.com', 'wrong');
    expect(root.querySelector('[data-testid=login-error]')?.textContent?.trim()).toBe('Wrong e-mail or password.');
    expect(TestBed.inject(AuthService).signedIn()).toBe(false);
  });

  const signedIn = () => ({
    loginOperator: { accessToken: 'jwt', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), operator: { id: 'op-1', name: 'Olga', email: 'olga@example.com', presence: 'ONLINE' } },
  });

  /** Where the console went after sign-in (the URL given to `navigateByUrl`). */
  function navigatedTo() {
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    return () => navigate.mock.calls.map(([url]) => TestBed.inject(Router).serializeUrl(typeof url === 'string' ? TestBed.inject(Router).parseUrl(url) : url));
  }

  it('signs in and opens the console', async () => {
    const urls = navigatedTo();
    graphql.on('LoginOperator', signedIn);
    await fillAndSubmit(' olga@example.com ', 'secret');
    expect(graphql.callsOf('LoginOperator')).toEqual([{ email: 'olga@example.com', password: 'secret' }]);
    expect(TestBed.inject(AuthService).token()).toBe('jwt');
    expect(urls()).toEqual(['/']);
  });

  it.each([
    ['/chats/3f0c7a52-9f0e-4c57-9d1e-2b7f7e0f9a11', '/chats/3f0c7a52-9f0e-4c57-9d1e-2b7f7e0f9a11'],
    ['/history?x=1', '/history?x=1'],
    ['https://evil.example/chats/1', '/'],
    ['//evil.example/chats/1', '/'],
    ['/\\evil.example', '/'],
  ])('after sign-in opens the page asked for (returnUrl %s → %s), never another site', async (returnUrl, expected) => {
    TestBed.overrideProvider(ActivatedRoute, { useValue: { snapshot: { queryParamMap: convertToParamMap({ returnUrl }) } } });
    const urls = navigatedTo();
    graphql.on('LoginOperator', signedIn);
    await fillAndSubmit('olga@example.com', 'secret');
    expect(urls()).toEqual([expected]);
  });

  it('does not call the API with an invalid e-mail', async () => {
    const root = await fillAndSubmit('not-an-email', 'x');
    expect(graphql.calls).toHaveLength(0);
    expect(root.textContent).toContain('Enter an e-mail address');
  });

  it('tells a network failure apart from a wrong password', () => {
    expect(signInFailureMessage(new RequestError('Failed to fetch', undefined, true))).toMatch(/Cannot reach/);
    expect(signInFailureMessage(new RequestError('disabled', 'FORBIDDEN', false))).toMatch(/disabled/);
  });

  it('says when the session expired', async () => {
    const auth = TestBed.inject(AuthService);
    auth.start({ accessToken: 't', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'op-1', name: 'Olga', email: null, presence: 'ONLINE' } });
    auth.signOut('expired');
    const fixture = TestBed.createComponent(LoginPageComponent);
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=expired-notice]')).not.toBeNull();
  });
});
