import { Locale, pickLocale } from './locale';

/** How the pre-chat step (name and e-mail) behaves: both fields optional, both required, or skipped. */
export type PrechatMode = 'optional' | 'required' | 'off';

/** The widget's settings, from the script tag's `data-*` attributes or {@link ParleyOptions}. */
export interface WidgetConfig {
  /** Origin (and optional path prefix) of the Parley API, without a trailing slash, e.g. `https://chat.example.com`. */
  baseUrl: string;
  /** Language of the widget's own texts. */
  locale: Locale;
  /** The pre-chat step. */
  prechat: PrechatMode;
}

/** Options accepted by the npm loader and mirrored by the script tag's `data-*` attributes. */
export interface ParleyOptions {
  /** Base URL of the Parley API (`data-parley-url`); defaults to the origin the script was loaded from. */
  url?: string;
  /** `en` or `ru` (`data-locale`); defaults to the page's `<html lang>`, then the browser language. */
  locale?: string;
  /** `optional` (default), `required` or `off` (`data-prechat`). */
  prechat?: PrechatMode;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Reads the configuration of the `<script>` that loaded the widget: `data-parley-url` (else the script's
 * own origin, else the page's), `data-locale` (else `<html lang>`, else `navigator.language`) and
 * `data-prechat`.
 */
export function readConfig(script: HTMLScriptElement | null, doc: Document = document): WidgetConfig {
  const data = script?.dataset ?? {};
  let baseUrl = data['parleyUrl'];
  if (!baseUrl) {
    try {
      baseUrl = new URL(script?.src ?? '', doc.baseURI).origin;
    } catch {
      baseUrl = doc.location?.origin ?? '';
    }
  }
  const prechat = data['prechat'];
  return {
    baseUrl: trimSlash(baseUrl),
    locale: pickLocale(data['locale'], doc.documentElement.lang, typeof navigator === 'undefined' ? undefined : navigator.language),
    prechat: prechat === 'required' || prechat === 'off' ? prechat : 'optional',
  };
}

/** The WebSocket URL of the GraphQL endpoint under `baseUrl` (`https:` → `wss:`). */
export function graphqlWsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/graphql`;
}
