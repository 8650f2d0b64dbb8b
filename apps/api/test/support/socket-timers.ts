import { execFileSync } from 'node:child_process';

/**
 * The keepalive timer the kernel runs on this machine's established TCP connection from `localPort` to
 * `remotePort`, in seconds until its next probe, or `undefined` when keepalive is off on it. Read with
 * `ss -tno` (iproute2), which prints `timer:(keepalive,59sec,0)` for such a socket.
 * @throws Error when no such connection is established.
 */
export function keepaliveSeconds(localPort: number, remotePort: number): number | undefined {
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${localPort} and dport = :${remotePort} )`], {
    encoding: 'utf8',
  }).trim();
  if (!out) throw new Error(`No established TCP connection from port ${localPort} to port ${remotePort}`);
  // The time left as ss prints it (iproute2's print_ms_timer): minutes, then whole seconds and milliseconds,
  // `1min`, `59sec`, `1min5sec`, `4.980ms` (4 s 980 ms), `980ms`; nothing at all for zero.
  const timer = /timer:\(keepalive,(?:(\d+)min)?(?:(\d+)sec|(\d+)\.(\d+)ms|(\d+)ms)?,/.exec(out);
  if (!timer) return undefined;
  const [, min = '0', sec = '0', secBeforeMs = '0', ms = '0', onlyMs = '0'] = timer;
  return Number(min) * 60 + Number(sec) + Number(secBeforeMs) + (Number(ms) + Number(onlyMs)) / 1000;
}
