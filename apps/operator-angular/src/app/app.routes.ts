import { inject } from '@angular/core';
import { type CanActivateFn, Router, type Routes } from '@angular/router';
import { AuthService } from './core/auth.service';
import { RETURN_URL_PARAM, returnUrlParams, safeReturnUrl } from './core/return-url';
import { ChatPageComponent } from './chat/chat-page.component';
import { HomeComponent } from './shell/home.component';
import { ConsoleShellComponent } from './shell/console-shell.component';

/**
 * Lets only a signed-in operator in; others go to sign-in, which brings them back to the URL they asked
 * for (`?returnUrl=`, e.g. the console link of a notification e-mail).
 */
export const signedInGuard: CanActivateFn = (_route, state) =>
  inject(AuthService).signedIn() || inject(Router).createUrlTree(['/login'], { queryParams: returnUrlParams(state.url) });

/** Sends an operator who is already signed in to the console (to the page `?returnUrl=` names, if it is one of the console's). */
export const signedOutGuard: CanActivateFn = (route) =>
  !inject(AuthService).signedIn() || inject(Router).parseUrl(safeReturnUrl(route.queryParamMap.get(RETURN_URL_PARAM)));

/** The console's screens. Sign-in, the history list and the notification settings load when first opened (smaller start-up). */
export const routes: Routes = [
  {
    path: 'login',
    loadComponent: () => import('./login/login-page.component').then((m) => m.LoginPageComponent),
    canActivate: [signedOutGuard],
    title: 'Sign in · Parley console',
  },
  {
    path: '',
    component: ConsoleShellComponent,
    canActivate: [signedInGuard],
    children: [
      { path: '', component: HomeComponent },
      { path: 'chats/:sessionId', component: ChatPageComponent },
      { path: 'history', loadComponent: () => import('./history/history-page.component').then((m) => m.HistoryPageComponent) },
      { path: 'history/:sessionId', loadComponent: () => import('./history/history-page.component').then((m) => m.HistoryPageComponent) },
      {
        path: 'settings/notifications',
        loadComponent: () => import('./settings/notification-settings-page.component').then((m) => m.NotificationSettingsPageComponent),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
