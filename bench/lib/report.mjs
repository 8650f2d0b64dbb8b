// The figures that matter, their Parley/baseline ratios and the targets of issue 7.

/** Every figure of the table: how to read it from one system's results of one run, and its target. */
export const METRICS = [
  { id: 'a.p50', label: '(a) p50 latency, ms', get: (r) => r.a?.latency.p50, ratioMax: 1 },
  { id: 'a.p90', label: '(a) p90 latency, ms', get: (r) => r.a?.latency.p90 },
  { id: 'a.p99', label: '(a) p99 latency, ms', get: (r) => r.a?.latency.p99, ratioMax: 1 },
  { id: 'a.max', label: '(a) max latency, ms', get: (r) => r.a?.latency.max },
  { id: 'a.rate', label: '(a) persisted messages/s', get: (r) => r.a?.persistedPerSecond },
  { id: 'a.errors', label: '(a) errors', get: (r) => r.a?.errors, parleyMax: 0 },
  { id: 'a.duplicates', label: '(a) duplicates + gaps', get: (r) => (r.a ? r.a.duplicates + r.a.gaps : undefined), parleyMax: 0 },
  { id: 'a.cpu', label: '(a) server CPU, % of one core', get: (r) => r.a?.cpu.server },
  { id: 'a.support', label: '(a) PostgreSQL + Redis CPU, %', get: (r) => r.a?.cpu.postgresRedis },
  { id: 'a.rss', label: '(a) server RSS at the end, MB', get: (r) => r.a?.serverRssMb },
  { id: 'b.max', label: '(b) max rate with p99 < 50 ms, msg/s', get: (r) => r.b?.maxRate, ratioMin: 1, parleyMin: 2000 },
  { id: 'b.p99', label: '(b) p99 at that rate, ms', get: (r) => r.b?.p99AtMax },
  { id: 'b.persisted', label: '(b) persisted messages/s at that rate', get: (r) => r.b?.persistedPerSecondAtMax, parleyMin: 2000 },
  { id: 'c.kb', label: '(c) RSS per idle subscribed connection, KB', get: (r) => r.c?.rssPerConnectionKb, ratioMax: 1 },
  { id: 'c.open', label: '(c) time to open them all, s', get: (r) => (r.c ? r.c.openMs / 1000 : undefined) },
  { id: 'd.p50', label: '(d) two instances: p50 latency, ms', get: (r) => r.d?.latency.p50 },
  { id: 'd.p99', label: '(d) two instances: p99 latency, ms', get: (r) => r.d?.latency.p99, ratioMax: 1 },
  { id: 'd.errors', label: '(d) errors', get: (r) => r.d?.errors, parleyMax: 0 },
  { id: 'd.cross', label: '(d) sessions split across instances', get: (r) => r.d?.setup.crossInstanceSessions },
  { id: 'e.join', label: '(e) join (start session) p99, ms', get: (r) => r.e?.join.p99 },
  { id: 'e.accept', label: '(e) accept p99, ms', get: (r) => r.e?.accept.p99 },
  { id: 'e.push50', label: '(e) position push p50, ms', get: (r) => r.e?.positionPush.p50 },
  { id: 'e.push99', label: '(e) position push p99, ms', get: (r) => r.e?.positionPush.p99 },
  { id: 'e.events', label: '(e) position events delivered', get: (r) => r.e?.positionEvents },
  { id: 'e.errors', label: '(e) errors', get: (r) => r.e?.errors, parleyMax: 0 },
];

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const round = (x, digits = 2) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/** Medians over runs of every figure, and the median of the per-run Parley/baseline ratios. */
export function medianReport(runs) {
  const rows = [];
  for (const metric of METRICS) {
    const parley = median(runs.map((r) => metric.get(r.parley)));
    const baseline = median(runs.map((r) => metric.get(r.baseline)));
    if (parley === null && baseline === null) continue;
    const ratio = round(median(runs.map((r) => {
      const p = metric.get(r.parley);
      const b = metric.get(r.baseline);
      return typeof p === 'number' && typeof b === 'number' && b !== 0 ? p / b : undefined;
    })));
    const checks = [];
    if (metric.ratioMax !== undefined && ratio !== null) checks.push(ratio <= metric.ratioMax);
    if (metric.ratioMin !== undefined && ratio !== null) checks.push(ratio >= metric.ratioMin);
    if (metric.parleyMax !== undefined && parley !== null) checks.push(parley <= metric.parleyMax);
    if (metric.parleyMin !== undefined && parley !== null) checks.push(parley >= metric.parleyMin);
    const target = [
      metric.ratioMax !== undefined ? `ratio ≤ ${metric.ratioMax}` : '',
      metric.ratioMin !== undefined ? `ratio ≥ ${metric.ratioMin}` : '',
      metric.parleyMax !== undefined ? `Parley ≤ ${metric.parleyMax}` : '',
      metric.parleyMin !== undefined ? `Parley ≥ ${metric.parleyMin}` : '',
    ].filter(Boolean).join(', ');
    rows.push({ id: metric.id, label: metric.label, parley: round(parley), baseline: round(baseline), ratio, target, met: checks.length ? checks.every(Boolean) : null });
  }
  return { runs: runs.length, rows };
}

/** The table on stdout (Markdown, so it can go into the README as it is). */
export function printTable(report) {
  const m = report.machine;
  const lines = [
    '',
    `Parley vs the Socket.IO baseline — ${report.profile} profile, ${report.summary.runs} run(s), medians; ${report.date}`,
    `machine: ${m.cpu}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}; load at start ${report.runs.map((r) => r.loadAtStart.toFixed(2)).join(' / ')}`,
    '',
    '| figure | Parley | baseline | Parley/baseline | target | met |',
    '| --- | ---: | ---: | ---: | --- | :---: |',
  ];
  const show = (x) => (x === null || x === undefined ? '–' : String(x));
  for (const row of report.summary.rows) {
    lines.push(`| ${row.label} | ${show(row.parley)} | ${show(row.baseline)} | ${row.ratio === null ? '–' : `${row.ratio}×`} | ${row.target} | ${row.met === null ? '' : row.met ? 'yes' : '**no**'} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
