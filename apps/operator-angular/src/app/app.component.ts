import { ChangeDetectionStrategy, Component, effect, inject, untracked } from '@angular/core';
import { Router, RouterOutlet } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { AuthService } from './core/auth.service';
import { returnUrlParams } from './core/return-url';

/**
 * The console's root: the router outlet, and the way back to sign-in when the session ends (sign-out,
 * expiry, sign-out in another tab), to come back to the same page after signing in again. A console opened
 * signed out is sent to sign-in by the routes' guard, which keeps the URL asked for; this must not race it.
 */
@Component({
  selector: 'parley-root',
  imports: [RouterOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<router-outlet />`,
})
export class AppComponent {
  constructor() {
    const auth = inject(AuthService);
    const router = inject(Router);
    const apollo = inject(Apollo);
    let wasSignedIn = untracked(() => auth.signedIn());
    effect(() => {
      const signedIn = auth.signedIn();
      const ended = wasSignedIn && !signedIn;
      wasSignedIn = signedIn;
      if (!ended) return;
      void apollo.client.clearStore();
      const url = router.url;
      if (!url.startsWith('/login')) void router.navigate(['/login'], { queryParams: returnUrlParams(url) });
    });
  }
}
