import { ChangeDetectionStrategy, Component, effect, inject } from '@angular/core';
import { Router, RouterOutlet } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { AuthService } from './core/auth.service';

/** The console's root: the router outlet, and the way back to sign-in when the session ends. */
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
    effect(() => {
      if (auth.signedIn()) return;
      void apollo.client.clearStore();
      if (!router.url.startsWith('/login')) void router.navigate(['/login']);
    });
  }
}
