import { describe, expect, it } from 'vitest';
import { createRunMetrics, DURATION_BUCKETS, formatExposition } from '../../src/runner/metrics.ts';
import { assessReadiness } from '../../src/runner/readiness.ts';
import type { RunReport } from '../../src/runner/report.ts';
import { counts, report } from './fixtures/config.ts';
import { parseExposition, valueOf } from './fixtures/prometheus.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const P = 'qlik_group_sync_';

/** Named reports: what a day of runs could look like. */
const RUNS: RunReport[] = [
  report(
    {
      runId: 'first-sync',
      outcome: 'applied',
      durationMs: 42_000,
      managed: { groups: 3, memberships: 9 },
      planned: counts({ createGroups: 3, membershipPatches: 9, membershipAdds: 9, writeRequests: 12 }),
      applied: counts({ createGroups: 3, membershipPatches: 9, membershipAdds: 9, writeRequests: 12 }),
      requests: { byTier: { tier1: { ok: 20, '429': 2 }, tier2: { ok: 12 } }, total: 34, writes: 12, retries: 2, rateLimited: 2 },
      warnings: [{ code: 'MEMBER_UNRESOLVED', message: 'x' }],
    },
    T0,
  ),
  report(
    {
      runId: 'blocked',
      outcome: 'blocked',
      durationMs: 900,
      managed: { groups: 2, memberships: 4 },
      planned: counts({ deleteGroups: 1, membershipPatches: 5, membershipRemovals: 5, writeRequests: 6 }),
      violations: [{ limit: 'maxMembershipRemovalsPercent', message: 'too many', actual: 55, allowed: 10 }],
      requests: { byTier: { tier1: { ok: 8 } }, total: 8, writes: 0, retries: 0, rateLimited: 0 },
    },
    T0 + 3600_000,
  ),
  report(
    {
      runId: 'partial',
      outcome: 'partial',
      durationMs: 7_500,
      managed: { groups: 3, memberships: 10 },
      planned: counts({ membershipPatches: 2, membershipAdds: 1, membershipRemovals: 1, writeRequests: 2 }),
      applied: counts({ membershipPatches: 1, membershipAdds: 1, writeRequests: 1 }),
      failures: [{ kind: 'patchUser', target: 'bob', ok: false, error: '400' }],
      requests: { byTier: { tier1: { ok: 8, '5xx': 1 }, 'we"ird\\tier\nx': { timeout: 1 } }, total: 10, writes: 2, retries: 1, rateLimited: 0 },
    },
    T0 + 7200_000,
  ),
  report({ runId: 'failed', outcome: 'failed', durationMs: 300, managed: { groups: 0, memberships: 0 }, error: { code: 'DIRECTORY_BIND', message: 'bind failed' } }, T0 + 10_800_000),
];

describe('metrics exposition', () => {
  it('parses strictly and its counters match the reports fed in', () => {
    const metrics = createRunMetrics({ clock: () => T0 });
    for (const r of RUNS) metrics.observeRun(r);
    metrics.runSkipped('overlap');
    metrics.runSkipped('locked');
    metrics.runSkipped('locked');
    const families = parseExposition(metrics.render());

    for (const outcome of ['applied', 'blocked', 'partial', 'failed', 'no-changes', 'dry-run'] as const) {
      expect(valueOf(families, `${P}runs_total`, { outcome }), outcome).toBe(RUNS.filter((r) => r.outcome === outcome).length);
    }
    expect(valueOf(families, `${P}runs_skipped_total`, { reason: 'locked' })).toBe(2);
    expect(valueOf(families, `${P}runs_skipped_total`, { reason: 'overlap' })).toBe(1);

    for (const change of ['createGroups', 'updateGroups', 'deleteGroups', 'createUsers', 'membershipPatches', 'membershipAdds', 'membershipRemovals'] as const) {
      expect(valueOf(families, `${P}planned_changes_total`, { change }), change).toBe(RUNS.reduce((n, r) => n + r.planned[change], 0));
      expect(valueOf(families, `${P}applied_changes_total`, { change }), change).toBe(RUNS.reduce((n, r) => n + r.applied[change], 0));
    }
    expect(valueOf(families, `${P}requests_total`, { tier: 'tier1', result: 'ok' })).toBe(36);
    expect(valueOf(families, `${P}requests_total`, { tier: 'tier1', result: '429' })).toBe(2);
    expect(valueOf(families, `${P}requests_total`, { tier: 'tier2', result: 'ok' })).toBe(12);
    // A label value with a quote, a backslash and a newline survives escaping.
    expect(valueOf(families, `${P}requests_total`, { tier: 'we"ird\\tier\nx', result: 'timeout' })).toBe(1);
    expect(valueOf(families, `${P}rate_limited_total`)).toBe(2);
    expect(valueOf(families, `${P}retries_total`)).toBe(3);
    expect(valueOf(families, `${P}write_requests_total`)).toBe(14);
    expect(valueOf(families, `${P}warnings_total`)).toBe(1);
    expect(valueOf(families, `${P}operation_failures_total`, { kind: 'patchUser' })).toBe(1);
    expect(valueOf(families, `${P}safety_violations_total`, { limit: 'maxMembershipRemovalsPercent' })).toBe(1);

    // Duration histogram.
    const seconds = RUNS.map((r) => r.durationMs / 1000);
    expect(valueOf(families, `${P}run_duration_seconds`, {}, `${P}run_duration_seconds_count`)).toBe(4);
    expect(valueOf(families, `${P}run_duration_seconds`, {}, `${P}run_duration_seconds_sum`)).toBeCloseTo(seconds.reduce((a, b) => a + b, 0), 9);
    for (const le of DURATION_BUCKETS) {
      expect(valueOf(families, `${P}run_duration_seconds`, { le: String(le) }, `${P}run_duration_seconds_bucket`)).toBe(seconds.filter((s) => s <= le).length);
    }
    expect(valueOf(families, `${P}last_run_duration_seconds`)).toBe(0.3);

    // Gauges: the last success is the applied run; managed counts come from the last run that planned.
    expect(valueOf(families, `${P}last_success_timestamp_seconds`)).toBe(Date.parse(RUNS[0]!.finishedAt) / 1000);
    expect(valueOf(families, `${P}last_run_timestamp_seconds`)).toBe(Date.parse(RUNS[3]!.finishedAt) / 1000);
    expect(valueOf(families, `${P}last_run_outcome`, { outcome: 'failed' })).toBe(1);
    expect(valueOf(families, `${P}last_run_outcome`, { outcome: 'applied' })).toBe(0);
    expect(valueOf(families, `${P}consecutive_unsuccessful_runs`)).toBe(3);
    expect(valueOf(families, `${P}managed_groups`)).toBe(3);
    expect(valueOf(families, `${P}managed_memberships`)).toBe(10);
    expect(valueOf(families, `${P}run_in_progress`)).toBe(0);
    expect(families.get(`${P}info`)?.samples[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exposes every counter at zero before the first run, and is byte-stable', () => {
    const metrics = createRunMetrics({ clock: () => T0 });
    const text = metrics.render();
    const families = parseExposition(text);
    expect(valueOf(families, `${P}runs_total`, { outcome: 'failed' })).toBe(0);
    expect(valueOf(families, `${P}last_success_timestamp_seconds`)).toBe(0);
    expect(families.get(`${P}managed_groups`)?.samples).toEqual([]);
    expect(metrics.render()).toBe(text);
  });

  it('escapes HELP text and refuses invalid names', () => {
    const text = formatExposition([{ name: 'a_total', type: 'counter', help: 'back\\slash\nnewline', samples: [{ value: 1 }] }]);
    expect(text).toBe('# HELP a_total back\\\\slash\\nnewline\n# TYPE a_total counter\na_total 1\n');
    expect(parseExposition(text).get('a_total')?.help).toBe('back\\slash\nnewline');
    expect(() => formatExposition([{ name: 'bad-name', type: 'gauge', help: 'x', samples: [] }])).toThrow(TypeError);
    expect(() => formatExposition([{ name: 'g', type: 'gauge', help: 'x', samples: [{ labels: { 'bad-label': 'v' }, value: 1 }] }])).toThrow(TypeError);
  });
});

describe('the strict exposition parser (so the test above can fail)', () => {
  const bad: [string, string][] = [
    ['sample before TYPE', 'x 1\n'],
    ['no HELP', '# TYPE x gauge\nx 1\n'],
    ['counter without _total', '# HELP x h\n# TYPE x counter\nx 1\n'],
    ['unquoted label', '# HELP x h\n# TYPE x gauge\nx{a=b} 1\n'],
    ['bad escape', '# HELP x h\n# TYPE x gauge\nx{a="\\t"} 1\n'],
    ['bad value', '# HELP x h\n# TYPE x gauge\nx one\n'],
    ['duplicate series', '# HELP x h\n# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'],
    ['no trailing newline', '# HELP x h\n# TYPE x gauge\nx 1'],
    ['interleaved families', '# HELP x h\n# TYPE x gauge\nx 1\n# HELP y h\n# TYPE y gauge\ny 1\nx{a="2"} 1\n'],
    ['non-cumulative histogram', '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
  ];
  for (const [name, text] of bad) it(`rejects ${name}`, () => expect(() => parseExposition(text)).toThrow());
});

describe('readiness', () => {
  const HOUR = 3600_000;
  const options = (now: number) => ({ now, intervalMs: HOUR, intervals: 3 });

  it('is ready while waiting for the first run, until N intervals pass without a success', () => {
    const metrics = createRunMetrics({ clock: () => T0 });
    expect(assessReadiness(metrics.state(), options(T0 + HOUR))).toMatchObject({ ready: true, reason: 'waiting for the first run' });
    const late = assessReadiness(metrics.state(), options(T0 + 3 * HOUR + 1));
    expect(late.ready).toBe(false);
    expect(late.reason).toContain('no run has succeeded since the worker started');
  });

  it('turns unready after N unsuccessful runs in a row, and ready again after a success', () => {
    const metrics = createRunMetrics({ clock: () => T0 });
    metrics.observeRun(report({ outcome: 'applied' }, T0));
    metrics.observeRun(report({ outcome: 'failed' }, T0 + 1));
    metrics.observeRun(report({ outcome: 'blocked' }, T0 + 2));
    expect(assessReadiness(metrics.state(), options(T0 + 10)).ready).toBe(true);
    metrics.observeRun(report({ outcome: 'partial' }, T0 + 3));
    const r = assessReadiness(metrics.state(), options(T0 + 10));
    expect(r).toMatchObject({ ready: false, consecutiveFailures: 3, lastOutcome: 'partial' });
    expect(r.reason).toContain('last 3 runs did not succeed');
    metrics.observeRun(report({ outcome: 'no-changes' }, T0 + 4));
    expect(assessReadiness(metrics.state(), options(T0 + 10)).ready).toBe(true);
  });

  it('turns unready when the last success is older than N intervals', () => {
    const metrics = createRunMetrics({ clock: () => T0 });
    const success = report({ outcome: 'dry-run' }, T0);
    metrics.observeRun(success);
    const finished = Date.parse(success.finishedAt);
    expect(assessReadiness(metrics.state(), options(finished + 3 * HOUR)).ready).toBe(true);
    const r = assessReadiness(metrics.state(), options(finished + 3 * HOUR + 1));
    expect(r.ready).toBe(false);
    expect(r.reason).toContain('the last successful run finished 3h ago; allowed: 3 interval(s) of 60m');
    expect(r.lastSuccessAt).toBe(success.finishedAt);
  });
});
