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
  // The time left as ss prints it: `59sec`, `1min`, `1min5sec`, `900ms`.
  const timer = /timer:\(keepalive,([^,]+),/.exec(out);
  if (!timer) return undefined;
  let seconds = 0;
  for (const [, value, unit] of timer[1].matchAll(/(\d+(?:\.\d+)?)(hr|min|sec|ms)/g)) {
    seconds += Number(value) * { hr: 3600, min: 60, sec: 1, ms: 0.001 }[unit as 'hr' | 'min' | 'sec' | 'ms'];
  }
  return seconds;
}
