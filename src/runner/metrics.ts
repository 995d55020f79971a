// Prometheus metrics of the `run` worker, built from the RunReports it sees, and the text
// exposition format written by hand (a dozen families do not justify prom-client). Counters end in
// `_total`, every family has `# HELP` and `# TYPE`, label values are escaped, the output is sorted
// and stable. Also keeps the run state `/readyz` judges.
import { PRODUCT, VERSION } from '../version.ts';
import { SUCCESS_OUTCOMES, type RunState } from './readiness.ts';
import type { ChangeCounts, RunOutcome, RunReport } from './report.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSample {
  /** Appended to the family name (`_bucket`, `_sum`, `_count` for histograms). */
  suffix?: string;
  labels?: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Text exposition format 0.0.4. Throws on an invalid metric or label name (a programming error). */
export function formatExposition(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new TypeError(`invalid metric name ${family.name}`);
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      for (const [key] of labels) if (!LABEL_NAME.test(key) || key.startsWith('__')) throw new TypeError(`invalid label name ${key}`);
      const text = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
      out += `${family.name}${sample.suffix ?? ''}${text} ${formatValue(sample.value)}\n`;
    }
  }
  return out;
}

const PREFIX = 'qlik_group_sync_';
const OUTCOMES: readonly RunOutcome[] = ['applied', 'blocked', 'dry-run', 'failed', 'no-changes', 'partial'];
const CHANGE_KINDS: ReadonlyArray<Exclude<keyof ChangeCounts, 'writeRequests'>> = [
  'createGroups',
  'createUsers',
  'deleteGroups',
  'membershipAdds',
  'membershipPatches',
  'membershipRemovals',
  'updateGroups',
];
const SKIP_REASONS = ['locked', 'overlap'] as const;
/** Seconds; runs range from seconds (no changes) to hours (a first sync paced at 100 writes/minute). */
export const DURATION_BUCKETS: readonly number[] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

export type SkipReason = (typeof SKIP_REASONS)[number];

export interface RunMetrics {
  runStarted(): void;
  /** Counts a finished run; `report.requests` is taken as that run's own request accounting. */
  observeRun(report: RunReport): void;
  runSkipped(reason: SkipReason): void;
  webhookNotified(ok: boolean): void;
  state(): RunState;
  families(): MetricFamily[];
  render(): string;
}

function add(map: Map<string, number>, key: string, value: number): void {
  if (Number.isFinite(value)) map.set(key, (map.get(key) ?? 0) + value);
}

function sortedEntries(map: Map<string, number>): [string, number][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function createRunMetrics(options: { clock?: () => number } = {}): RunMetrics {
  const now = options.clock ?? Date.now;
  const state: RunState = { since: now(), running: false, consecutiveFailures: 0 };
  const runs = new Map<string, number>(OUTCOMES.map((o) => [o, 0]));
  const skipped = new Map<string, number>(SKIP_REASONS.map((r) => [r, 0]));
  const planned = new Map<string, number>(CHANGE_KINDS.map((k) => [k, 0]));
  const applied = new Map<string, number>(CHANGE_KINDS.map((k) => [k, 0]));
  const failures = new Map<string, number>();
  const requests = new Map<string, number>();
  const violations = new Map<string, number>();
  const webhook = new Map<string, number>([
    ['failed', 0],
    ['sent', 0],
  ]);
  const buckets = DURATION_BUCKETS.map(() => 0);
  let durationSum = 0;
  let durationCount = 0;
  let lastDuration = 0;
  let rateLimited = 0;
  let retries = 0;
  let writes = 0;
  let warnings = 0;
  let managed: { groups: number; memberships: number } | undefined;

  const timeOf = (iso: string): number => {
    const t = Date.parse(iso);
    return Number.isFinite(t) ? t : now();
  };

  const metrics: RunMetrics = {
    runStarted(): void {
      state.running = true;
    },
    observeRun(report: RunReport): void {
      state.running = false;
      add(runs, report.outcome, 1);
      const finished = timeOf(report.finishedAt);
      state.lastRunAt = finished;
      state.lastOutcome = report.outcome;
      if (SUCCESS_OUTCOMES.has(report.outcome)) {
        state.lastSuccessAt = finished;
        state.consecutiveFailures = 0;
      } else {
        state.consecutiveFailures += 1;
      }
      const seconds = Math.max(0, report.durationMs) / 1000;
      lastDuration = seconds;
      durationSum += seconds;
      durationCount += 1;
      DURATION_BUCKETS.forEach((le, i) => {
        if (seconds <= le) buckets[i] = (buckets[i] ?? 0) + 1;
      });
      for (const kind of CHANGE_KINDS) {
        add(planned, kind, report.planned[kind]);
        add(applied, kind, report.applied[kind]);
      }
      for (const failure of report.failures) add(failures, failure.kind, 1);
      for (const v of report.violations) add(violations, v.limit, 1);
      for (const [tier, outcomes] of Object.entries(report.requests.byTier)) {
        for (const [outcome, count] of Object.entries(outcomes)) add(requests, `${tier}\u0000${outcome}`, count);
      }
      rateLimited += report.requests.rateLimited;
      retries += report.requests.retries;
      writes += report.requests.writes;
      warnings += report.warnings.length;
      // A failed run may have stopped before the plan: its zero counts say nothing about the tenant.
      if (report.outcome !== 'failed') managed = { ...report.managed };
    },
    runSkipped(reason: SkipReason): void {
      add(skipped, reason, 1);
    },
    webhookNotified(ok: boolean): void {
      add(webhook, ok ? 'sent' : 'failed', 1);
    },
    state: () => ({ ...state }),
    families(): MetricFamily[] {
      const f = (name: string, type: MetricType, help: string, samples: MetricSample[]): MetricFamily => ({ name: PREFIX + name, type, help, samples });
      const labelled = (map: Map<string, number>, label: string): MetricSample[] => sortedEntries(map).map(([key, value]) => ({ labels: { [label]: key }, value }));
      const seconds = (ms: number | undefined): number => (ms === undefined ? 0 : ms / 1000);
      const histogram: MetricSample[] = [
        ...DURATION_BUCKETS.map((le, i) => ({ suffix: '_bucket', labels: { le: formatValue(le) }, value: buckets[i]! })),
        { suffix: '_bucket', labels: { le: '+Inf' }, value: durationCount },
        { suffix: '_sum', value: durationSum },
        { suffix: '_count', value: durationCount },
      ];
      return [
        f('info', 'gauge', `Build information of ${PRODUCT}.`, [{ labels: { version: VERSION }, value: 1 }]),
        f('runs_total', 'counter', 'Finished runs by outcome.', labelled(runs, 'outcome')),
        f('runs_skipped_total', 'counter', 'Scheduled runs not started: the previous run was still going (overlap) or another instance held the run lock (locked).', labelled(skipped, 'reason')),
        f('run_in_progress', 'gauge', '1 while a run is going.', [{ value: state.running ? 1 : 0 }]),
        f('run_duration_seconds', 'histogram', 'Duration of finished runs.', histogram),
        f('last_run_duration_seconds', 'gauge', 'Duration of the last finished run.', [{ value: lastDuration }]),
        f('last_run_timestamp_seconds', 'gauge', 'When the last run finished (Unix time; 0 before the first run).', [{ value: seconds(state.lastRunAt) }]),
        f('last_success_timestamp_seconds', 'gauge', 'When the last successful run (applied, no changes, dry run) finished (Unix time; 0 before the first).', [{ value: seconds(state.lastSuccessAt) }]),
        f('last_run_outcome', 'gauge', 'The outcome of the last finished run (1 on its outcome).', OUTCOMES.map((o) => ({ labels: { outcome: o }, value: state.lastOutcome === o ? 1 : 0 }))),
        f('consecutive_unsuccessful_runs', 'gauge', 'Runs in a row that did not succeed.', [{ value: state.consecutiveFailures }]),
        f('managed_groups', 'gauge', 'Custom groups the last planned run manages.', managed ? [{ value: managed.groups }] : []),
        f('managed_memberships', 'gauge', 'Memberships of managed groups after the last planned run.', managed ? [{ value: managed.memberships }] : []),
        f('planned_changes_total', 'counter', 'Changes planned, by kind.', labelled(planned, 'change')),
        f('applied_changes_total', 'counter', 'Changes applied, by kind.', labelled(applied, 'change')),
        f('operation_failures_total', 'counter', 'Operations that failed while applying, by kind.', labelled(failures, 'kind')),
        f('safety_violations_total', 'counter', 'Safety limits that blocked a run, by limit.', labelled(violations, 'limit')),
        f('warnings_total', 'counter', 'Warnings reported by runs.', [{ value: warnings }]),
        f(
          'requests_total',
          'counter',
          'Requests to the tenant by rate-limit tier and result.',
          sortedEntries(requests).map(([key, value]) => {
            const [tier, result] = key.split('\u0000') as [string, string];
            return { labels: { tier, result }, value };
          }),
        ),
        f('write_requests_total', 'counter', 'Write requests (POST, PATCH, DELETE) sent to the tenant.', [{ value: writes }]),
        f('rate_limited_total', 'counter', 'Responses 429 Too Many Requests from the tenant.', [{ value: rateLimited }]),
        f('retries_total', 'counter', 'Requests retried after a retryable failure.', [{ value: retries }]),
        f('webhook_notifications_total', 'counter', 'Webhook notifications of unsuccessful runs, by result.', labelled(webhook, 'result')),
      ];
    },
    render: () => formatExposition(metrics.families()),
  };
  return metrics;
}
