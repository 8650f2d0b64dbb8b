/**
 * `widget.js`: the only script a host page loads up front (launcher only; the chat panel loads on open).
 * `<script src="https://HOST/widget.js" data-parley-url="https://HOST" async></script>` creates
 * `<parley-widget>` at the end of the document and `window.Parley` (see {@link ParleyApi}), then fires the
 * `parley:ready` window event. It adds nothing else to the page: no other global, no style, no request.
 */
import { readConfig } from '../common/config';
import { CHUNK_EVENT, READY_EVENT } from '../common/host';
import type { ParleyApi, ParleyEventName, ParleyEvents } from '../common/public-api';
import type { VisitorIdentity } from '../common/visitor-store';
import { loadChatScript, ParleyWidgetElement, WIDGET_TAG } from './widget-element';

declare const __PARLEY_CHAT_FILE__: string;
declare const __PARLEY_VERSION__: string;

declare global {
  interface Window {
    /** The Parley widget's JavaScript API, once `widget.js` has run. */
    Parley?: ParleyApi;
  }
}

function start(): void {
  if (window.Parley || typeof customElements === 'undefined' || !document.documentElement.attachShadow) return;
  const config = readConfig(document.currentScript as HTMLScriptElement | null);
  if (!customElements.get(WIDGET_TAG)) customElements.define(WIDGET_TAG, ParleyWidgetElement);
  if (customElements.get(WIDGET_TAG) !== ParleyWidgetElement) return; // another copy owns the tag
  const element = new ParleyWidgetElement(config, loadChatScript(`${config.baseUrl}/widget/${__PARLEY_CHAT_FILE__}`, CHUNK_EVENT));
  document.documentElement.appendChild(element);
  const api: ParleyApi = Object.freeze({
    version: __PARLEY_VERSION__,
    open: () => element.open(),
    close: () => element.close(),
    identify: (identity: VisitorIdentity | null) => element.identify(identity),
    on: <E extends ParleyEventName>(event: E, listener: (payload: ParleyEvents[E]) => void) => element.on(event, listener),
  });
  window.Parley = api;
  window.dispatchEvent(new Event(READY_EVENT));
}

start();
