import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The client's IP for rate limits and socket caps, honouring `TRUST_PROXY` exactly as Express's
 * `trust proxy` does (`false`: the socket peer; `true`: the left-most `X-Forwarded-For`; a number n:
 * trust n proxy hops), so HTTP (`req.ip`) and WebSocket upgrades agree.
 */
export function clientIp(request: IncomingMessage, trustProxy: boolean | number): string {
  const trust = typeof trustProxy === 'number' ? (_addr: string, hop: number) => hop < trustProxy : () => trustProxy;
  return proxyaddr(request, trust);
}
