// The benchmark's output: the directories measured, one table of figures for every size side by
// side (median of the runs with min–max), the issue's bars each marked met or missed, judged on
// the worst run, and how the figures were made. The same Markdown is printed and written to
// test/bench/RESULTS.md.
import { tierShape } from '../../src/tenant/pacing.ts';
import type { ChurnSummary } from './churn.ts';
import type { describe, SizeSpec } from './model.ts';
import type { RunFigures, SyncFigures } from './run.ts';
import { count, megabytes, minutes, ratio, seconds, spread, withSpread } from './summary.ts';

export interface SizeResult {
  spec: SizeSpec;
  directory: ReturnType<typeof describe>;
  churn: ChurnSummary;
  ldifBytes: number;
  loadMs: number;
  runs: RunFigures[];
}

export interface ReportMeta {
  command: string;
  date: string;
  churnPercent: number;
  machine: string[];
  method: string[];
}

/** Qlik's documented tier-2 budget for writes to users and groups. */
export const QLIK_WRITES_PER_MINUTE = 100;
const PLAN_MS_BAR = 5_000;
const PLAN_KB_BAR = 1.5 * 1024 * 1024;
const READ_RATIO_BAR = 1.5;

/** The highest `tenant.rateLimits.tier2PerMinute` the option table allows. */
const PACED_PER_MINUTE = 100_000;

/** How long the client's pacer alone takes to let `writes` through at PACED_PER_MINUTE (pacing.ts's token bucket). */
export function pacingFloorMs(writes: number): number {
  const shape = tierShape(PACED_PER_MINUTE, 5);
  return Math.max(0, writes - shape.burst) / shape.ratePerMs;
}

type Row = [string, ...string[]];

function table(header: Row, rows: Row[]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const readRatios = (r: RunFigures): number => r.reader.ms / r.ldapsearch.ms;
const writeRatio = (s: SyncFigures): number => (s.minimum === 0 ? (s.writes === 0 ? 1 : Number.POSITIVE_INFINITY) : s.writes / s.minimum);

function syncRows(label: string, sizes: SizeResult[], pick: (r: RunFigures) => SyncFigures): Row[] {
  const col = (f: (s: SyncFigures) => number, format: (n: number) => string): string[] => sizes.map((size) => withSpread(size.runs.map((r) => f(pick(r))), format));
  return [
    [`${label}: write requests made`, ...col((s) => s.writes, count)],
    [`${label}: minimum possible`, ...col((s) => s.minimum, count)],
    [`${label}: ratio made / minimum`, ...col(writeRatio, ratio)],
    [`${label}: per-membership approach (ratio to minimum)`, ...sizes.map((size) => {
      const s = pick(size.runs[0]!);
      return `${count(s.perMembership)} (${ratio(s.minimum === 0 ? Number.NaN : s.perMembership / s.minimum)})`;
    })],
    [`${label}: projected at ${QLIK_WRITES_PER_MINUTE} writes/min, bridge / per-membership`, ...sizes.map((size) => {
      const s = pick(size.runs[0]!);
      return `${minutes(spread(size.runs.map((r) => pick(r).writes)).median / QLIK_WRITES_PER_MINUTE)} / ${minutes(s.perMembership / QLIK_WRITES_PER_MINUTE)}`;
    })],
  ];
}

export interface Bar {
  what: string;
  size: string;
  met: boolean;
  measured: string;
}

export function judge(sizes: SizeResult[], churnLabel: string): Bar[] {
  const bars: Bar[] = [];
  for (const size of sizes) {
    const name = size.spec.name;
    const worstRatio = Math.max(...size.runs.map(readRatios));
    bars.push({ what: `directory read within ${READ_RATIO_BAR}x of ldapsearch`, size: name, met: worstRatio <= READ_RATIO_BAR, measured: `worst ${ratio(worstRatio)}` });
    if (name === 'L') {
      const planMs = Math.max(...size.runs.flatMap((r) => [r.planFirst.ms, r.planSteady.ms]));
      const planKb = Math.max(...size.runs.flatMap((r) => [r.planFirst.maxRssKb, r.planSteady.maxRssKb]));
      bars.push({ what: 'plan computation under 5 s', size: name, met: planMs < PLAN_MS_BAR, measured: `worst ${seconds(planMs)}` });
      bars.push({ what: 'plan peak memory under 1.5 GB', size: name, met: planKb < PLAN_KB_BAR, measured: `worst ${megabytes(planKb)}` });
    }
    for (const [label, pick] of [
      ['first sync', (r: RunFigures) => r.first],
      [churnLabel, (r: RunFigures) => r.churn],
    ] as const) {
      const ratios = size.runs.map((r) => writeRatio(pick(r)));
      bars.push({ what: `${label}: writes equal the minimum (ratio 1.00)`, size: name, met: ratios.every((x) => x === 1), measured: ratios.map(ratio).join(', ') });
    }
    const steady = size.runs.map((r) => r.steady.writes);
    bars.push({ what: 'steady state: zero writes', size: name, met: steady.every((w) => w === 0), measured: steady.join(', ') });
    const mismatches = size.runs.flatMap((r) => [r.first.mismatches, r.steady.mismatches, r.churn.mismatches]);
    bars.push({ what: 'tenant equals the directory after every sync', size: name, met: mismatches.every((m) => m === 0), measured: `${Math.max(...mismatches)} memberships off at worst` });
  }
  return bars;
}

export function renderReport(sizes: SizeResult[], meta: ReportMeta): string {
  const churn = `${meta.churnPercent}% churn`;
  const header: Row = ['', ...sizes.map((s) => `${s.spec.name}`)];
  const perSize = (f: (s: SizeResult) => string): string[] => sizes.map(f);
  const runs = (f: (r: RunFigures) => number, format: (n: number) => string): string[] => sizes.map((s) => withSpread(s.runs.map(f), format));

  const directoryTable = table(header, [
    ['users', ...perSize((s) => count(s.directory.users))],
    ['groups (nested in another group)', ...perSize((s) => `${count(s.directory.groups)} (${count(s.directory.nestedGroups)})`)],
    ['direct memberships (member values naming users)', ...perSize((s) => count(s.directory.directMemberships))],
    ['memberships after flattening nested groups', ...perSize((s) => count(s.directory.flatMemberships))],
    ['largest group (flattened)', ...perSize((s) => count(s.directory.largestGroup))],
    ['users without a tenant account before the first sync', ...perSize((s) => count(Math.floor(s.directory.users / 10)))],
    ['LDIF size; write + slapadd + slapd start', ...perSize((s) => `${count(s.ldifBytes / 1e6)} MB; ${seconds(s.loadMs)}`)],
    [
      `${churn}: users joined / left; memberships added / removed; groups renamed / deleted / created`,
      ...perSize((s) => `${s.churn.joined} / ${s.churn.left}; ${count(s.churn.membershipsAdded)} / ${count(s.churn.membershipsRemoved)}; ${s.churn.renamed} / ${s.churn.deleted} / ${s.churn.created}`),
    ],
  ]);

  const figures = table(header, [
    ['**Directory read**', ...perSize(() => '')],
    ['bridge reader (readDirectory)', ...runs((r) => r.reader.ms, seconds)],
    ['ldapsearch -E pr=500/noprompt, same searches', ...runs((r) => r.ldapsearch.ms, seconds)],
    ['ratio bridge / ldapsearch (bar: ≤ 1.5x)', ...runs(readRatios, ratio)],
    ['bridge reader, a second read in the same process (as the scheduled service\'s later reads)', ...runs((r) => Number(r.reader.warmMs), seconds)],
    ['ratio second read / ldapsearch', ...runs((r) => Number(r.reader.warmMs) / r.ldapsearch.ms, ratio)],
    ['Node receiving only (same searches, two connections, responses framed, not decoded): the floor for a Node reader', ...runs((r) => r.receive.ms, seconds)],
    ['ratio receiving only / ldapsearch', ...runs((r) => r.receive.ms / r.ldapsearch.ms, ratio)],
    ['ldapts (a general-purpose Node LDAP client) alone, same searches, entries discarded', ...runs((r) => r.ldapts.ms, seconds)],
    ['ratio ldapts alone / ldapsearch', ...runs((r) => r.ldapts.ms / r.ldapsearch.ms, ratio)],
    ['peak memory, bridge reader process', ...runs((r) => r.reader.maxRssKb, megabytes)],
    ['peak memory, ldapsearch', ...runs((r) => r.ldapsearch.maxRssKb, megabytes)],
    ['**Tenant read** (synced tenant)', ...perSize(() => '')],
    ['requests (emulator count; fewest possible: pages of 100)', ...perSize((s) => {
      const r = s.runs[0]!;
      const fewest = Math.ceil(Number(r.tenantRead.groups) / 100) + Math.ceil(Number(r.tenantRead.users) / 100) + Math.max(1, Math.ceil(Number(r.tenantRead.roles) / 100));
      return `${withSpread(s.runs.map((x) => x.tenantReadServerRequests), count)} (${count(fewest)})`;
    })],
    ['time', ...runs((r) => r.tenantRead.ms, seconds)],
    ['peak memory, tenant reader process', ...runs((r) => r.tenantRead.maxRssKb, megabytes)],
    ['**Plan computation** (buildPlan; bar for L: < 5 s, < 1.5 GB)', ...perSize(() => '')],
    ['first sync: time', ...runs((r) => r.planFirst.ms, seconds)],
    ['first sync: peak memory (process holding both snapshots)', ...runs((r) => r.planFirst.maxRssKb, megabytes)],
    ['first sync: memory with the snapshots loaded, before planning', ...runs((r) => r.planFirst.startRssKb, megabytes)],
    ['steady state: time', ...runs((r) => r.planSteady.ms, seconds)],
    ['steady state: peak memory', ...runs((r) => r.planSteady.maxRssKb, megabytes)],
    ['**Writes** (emulator count)', ...perSize(() => '')],
    ...syncRows('first sync', sizes, (r) => r.first),
    ['steady state: write requests made (bar: 0)', ...runs((r) => r.steady.writes, count)],
    ...syncRows(churn, sizes, (r) => r.churn),
    ['**End to end** (runOnce in its own process, emulator limits off)', ...perSize(() => '')],
    ['first sync: wall time', ...runs((r) => r.first.ms, seconds)],
    ['first sync: of which applying (writes)', ...runs((r) => r.first.timings.applyMs ?? Number.NaN, seconds)],
    [
      `first sync: pacing alone at the config maximum (${count(PACED_PER_MINUTE)} writes/min), for comparison`,
      ...runs((r) => pacingFloorMs(r.first.writes), seconds),
    ],
    ['first sync: peak memory of the bridge', ...runs((r) => r.first.maxRssKb, megabytes)],
    ['steady state: wall time', ...runs((r) => r.steady.ms, seconds)],
    ['steady state: of which reading the directory (the tenant is read alongside)', ...runs((r) => r.steady.timings.readDirectoryMs ?? Number.NaN, seconds)],
    ['steady state: of which planning', ...runs((r) => r.steady.timings.planMs ?? Number.NaN, seconds)],
    [`${churn}: wall time`, ...runs((r) => r.churn.ms, seconds)],
    [`${churn}: peak memory of the bridge`, ...runs((r) => r.churn.maxRssKb, megabytes)],
  ]);

  const bars = judge(sizes, churn);
  const barTable = table(
    ['Bar (issue 8)', 'Size', 'Met', 'Measured'],
    bars.map((b): Row => [b.what, b.size, b.met ? 'yes' : '**no**', b.measured]),
  );

  return [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench`; do not edit by hand. -->',
    '',
    `Produced by \`${meta.command}\` on ${meta.date}.`,
    '',
    ...meta.machine.map((m) => `- ${m}`),
    '',
    '## Directories',
    '',
    directoryTable,
    '',
    '## Figures',
    '',
    `Each figure is the median of ${sizes.map((s) => `${s.runs.length} runs (${s.spec.name})`).join(' and ')}, with the spread (min–max) when the runs differ. Ratios are taken within each run, then the median of those is shown.`,
    '',
    figures,
    '',
    '## Bars',
    '',
    'Judged on the worst run.',
    '',
    barTable,
    '',
    '## How the figures are made',
    '',
    ...meta.method.map((m) => `- ${m}`),
    '',
  ].join('\n');
}
