import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { AppComponent } from './app.component';
import { signedInGuard, signedOutGuard } from './app.routes';
import { AuthService } from './core/auth.service';
import { flush } from './testing/fakes';

@Component({ template: '' })
class PageComponent {}

describe('AppComponent', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([
          { path: 'login', component: PageComponent, canActivate: [signedOutGuard] },
          { path: '', component: PageComponent, canActivate: [signedInGuard] },
          { path: 'chats/:sessionId', component: PageComponent, canActivate: [signedInGuard] },
        ]),
        { provide: Apollo, useValue: { client: { clearStore: () => Promise.resolve([]) } } },
      ],
    });
  });

  async function settle() {
    await flush();
    await new Promise((resolve) => setTimeout(resolve));
    await flush();
  }

  it('when the session ends on a page, goes to sign-in with the way back to it', async () => {
    const auth = TestBed.inject(AuthService);
    auth.start({ accessToken: 't', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'op-1', name: 'Olga', email: null, presence: 'ONLINE' } });
    const router = TestBed.inject(Router);
    const fixture = TestBed.createComponent(AppComponent);
    await router.navigateByUrl('/chats/3f0c7a52');
    await fixture.whenStable();
    expect(router.url).toBe('/chats/3f0c7a52');
    auth.signOut('expired');
    await fixture.whenStable();
    await settle();
    expect(router.url).toBe('/login?returnUrl=%2Fchats%2F3f0c7a52');
  });
});
