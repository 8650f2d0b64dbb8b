#!/usr/bin/env node
// Where a message's time goes inside a server, from the kernel's timestamps of its packets on loopback:
// `node bench/tcp-phases.mjs FILE [--min-frame BYTES]`, FILE being the text tcpdump writes with
// `tcpdump -i lo -nn -tt -q 'tcp and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)'`
// (packets with a payload) while (a) runs at a low rate, one message at a time (bench/README.md,
// "Profiling"). Nothing runs inside the server, so the phases carry no profiler's cost; the figures are
// medians (ms) over the messages captured:
//   in → PG             a client's frame reaching the server, to the server's query leaving for PostgreSQL
//                       (split by whether a Redis command left first, e.g. a rate-limit request)
//   PG                  the query leaving, to PostgreSQL's answer arriving
//   PG → other side     that answer, to the frame leaving for the other participant (what the generator times)
//   PG → PUBLISH → other side, split at the PUBLISH to Redis
// The server's port is the one with the most peers; a message begins with a frame to it larger than
// --min-frame (default 100 bytes: pings and pongs are smaller).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const minFrame = Number(process.argv[process.argv.indexOf('--min-frame') + 1]) || 100;
const PG = 5432;
const REDIS = 6379;

const packets = readFileSync(file, 'utf8')
  .split('\n')
  .map((line) => line.match(/^(\d+\.\d+) IP [\d.]+\.(\d+) > [\d.]+\.(\d+): tcp (\d+)/))
  .filter(Boolean)
  .map(([, t, src, dst, len]) => ({ ms: Number(t) * 1000, src: Number(src), dst: Number(dst), len: Number(len) }));
// The server's port: the one with the most peers (every visitor's and operator's socket).
const peers = new Map();
for (const { src, dst } of packets) if (dst !== PG && dst !== REDIS) (peers.get(dst) ?? peers.set(dst, new Set()).get(dst)).add(src);
const server = [...peers].sort((a, b) => b[1].size - a[1].size)[0]?.[0];
if (server === undefined) throw new Error(`${file}: no packets`);

/** One message: the frame that began it, and every packet until the next one. */
const messages = [];
for (const p of packets) {
  if (p.dst === server && p.len > minFrame) messages.push({ start: p.ms, sender: p.src, after: [] });
  else messages.at(-1)?.after.push(p);
}

const phases = { 'in → PG, no Redis first': [], 'in → PG, Redis first': [], PG: [], 'PG → other side': [], 'PG → PUBLISH': [], 'PUBLISH → other side': [], 'in → other side': [] };
for (const { start, sender, after } of messages) {
  const query = after.find((p) => p.dst === PG);
  const answer = query && after.find((p) => p.src === PG && p.ms >= query.ms);
  const other = answer && after.find((p) => p.src === server && p.dst !== sender && p.ms >= answer.ms);
  if (!other) continue;
  const redisFirst = after.some((p) => p.dst === REDIS && p.ms < query.ms);
  phases[redisFirst ? 'in → PG, Redis first' : 'in → PG, no Redis first'].push(query.ms - start);
  phases.PG.push(answer.ms - query.ms);
  phases['PG → other side'].push(other.ms - answer.ms);
  phases['in → other side'].push(other.ms - start);
  const publish = after.find((p) => p.dst === REDIS && p.ms >= answer.ms && p.ms <= other.ms);
  if (publish) {
    phases['PG → PUBLISH'].push(publish.ms - answer.ms);
    phases['PUBLISH → other side'].push(other.ms - publish.ms);
  }
}

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)];
console.log(`server port ${server}: ${messages.length} messages\n`);
console.log('| phase | messages | p50, ms | p90, ms |\n| --- | ---: | ---: | ---: |');
for (const [name, values] of Object.entries(phases)) {
  if (values.length) console.log(`| ${name} | ${values.length} | ${quantile(values, 0.5).toFixed(2)} | ${quantile(values, 0.9).toFixed(2)} |`);
}
