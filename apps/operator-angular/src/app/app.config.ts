import { type ApplicationConfig, provideBrowserGlobalErrorListeners, provideZonelessChangeDetection } from '@angular/core';
import { provideHttpClient, withFetch } from '@angular/common/http';
import { MAT_SNACK_BAR_DEFAULT_OPTIONS } from '@angular/material/snack-bar';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { provideApollo } from 'apollo-angular';
import { routes } from './app.routes';
import { apolloOptions } from './core/apollo.config';

/** Providers of the console: zoneless change detection, router, HttpClient (for Apollo's HTTP link), Apollo, notices. */
export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(routes, withComponentInputBinding()),
    provideHttpClient(withFetch()),
    provideApollo(apolloOptions),
    // Notices appear bottom-left, over the side panel, never over the composer.
    { provide: MAT_SNACK_BAR_DEFAULT_OPTIONS, useValue: { horizontalPosition: 'start', verticalPosition: 'bottom', duration: 6000 } },
  ],
};
