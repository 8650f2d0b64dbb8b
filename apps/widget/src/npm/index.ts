/**
 * `@parley/widget`: loads the Parley widget into a single-page app. The widget's code itself comes from
 * your Parley server (`<url>/widget.js`), so it always matches the API; this package only adds the script
 * once and hands you a typed `Parley` API.
 *
 * @example
 * const parley = await loadParley({ url: 'https://chat.example.com' });
 * parley.identify({ name: user.name, email: user.email });
 * parley.on('message', (m) => console.log(m.content));
 */
import type { ParleyOptions } from '../common/config';
import { READY_EVENT } from '../common/host';
import type { ParleyApi } from '../common/public-api';

export type { ParleyApi, ParleyEventName, ParleyEvents, ParleyMessage } from '../common/public-api';
export type { ParleyOptions, PrechatMode } from '../common/config';
export type { VisitorIdentity } from '../common/visitor-store';

/** Options of {@link loadParley}: the Parley server's URL is required. */
export type LoadParleyOptions = ParleyOptions & { url: string };

let loading: Promise<ParleyApi> | undefined;

/**
 * Adds `<url>/widget.js` to the page (once) and resolves with `window.Parley` when it is ready.
 * Later calls return the same promise (their options are ignored).
 * @throws (rejects) when not in a browser, or when the script cannot be loaded.
 */
export function loadParley(options: LoadParleyOptions): Promise<ParleyApi> {
  if (typeof window === 'undefined' || typeof document === 'undefined') {
    return Promise.reject(new Error('loadParley() needs a browser (call it after hydration, not during server rendering)'));
  }
  const ready = (window as { Parley?: ParleyApi }).Parley;
  if (ready) return Promise.resolve(ready);
  if (loading) return loading;
  const url = options.url.replace(/\/+$/, '');
  const attempt = new Promise<ParleyApi>((resolve, reject) => {
    const script = document.createElement('script');
    const cleanup = () => window.removeEventListener(READY_EVENT, onReady);
    const onReady = () => {
      cleanup();
      const api = (window as { Parley?: ParleyApi }).Parley;
      if (api) resolve(api);
      else reject(new Error('Parley: widget.js ran but window.Parley is missing'));
    };
    script.async = true;
    script.src = `${url}/widget.js`;
    script.dataset['parleyUrl'] = url;
    if (options.locale) script.dataset['locale'] = options.locale;
    if (options.prechat) script.dataset['prechat'] = options.prechat;
    script.onerror = () => {
      cleanup();
      script.remove();
      if (loading === attempt) loading = undefined;
      reject(new Error(`Parley: could not load ${script.src}`));
    };
    window.addEventListener(READY_EVENT, onReady);
    document.head.appendChild(script);
  });
  loading = attempt;
  return attempt;
}
