import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/apply/apply.ts';
import { renderReportMarkdown } from '../../src/render/report.ts';
import type { ChangeCounts, RunReport } from '../../src/runner/report.ts';

const zero: ChangeCounts = emptyCounts();

function report(parts: Partial<RunReport> = {}): RunReport {
  return {
    runId: 'run-1',
    command: 'apply',
    startedAt: '2025-01-24T17:34:46.210Z',
    finishedAt: '2025-01-24T17:36:01.000Z',
    durationMs: 74_790,
    outcome: 'applied',
    dryRun: false,
    directory: { source: 'ldaps://dc.example.com', groups: 120, users: 4_500 },
    tenant: { url: 'https://example.eu.qlikcloud.com', groups: 300, users: 4_000 },
    managed: { groups: 118, memberships: 12_345 },
    planned: { ...zero, createGroups: 2, membershipPatches: 10, membershipAdds: 12, writeRequests: 12 },
    applied: { ...zero, createGroups: 2, membershipPatches: 9, membershipAdds: 11, writeRequests: 11 },
    failures: [{ kind: 'patchUser', target: 'bob|x@example.com', ok: false, error: '400: bad\nrequest <b>' }],
    warnings: [{ code: 'ORPHANED_GROUP', message: 'CG-Old: left as it is', subject: 'CG-Old' }],
    violations: [],
    requests: { byTier: { tier1: { ok: 50 }, tier2: { ok: 11, '429': 1 } }, total: 62, writes: 12, retries: 1, rateLimited: 1 },
    timings: { readDirectoryMs: 1_200, readTenantMs: 3_400, planMs: 35, applyMs: 70_000 },
    ...parts,
  };
}

describe('renderReportMarkdown', () => {
  it('summarises the run, the changes planned and applied, failures, warnings, requests and timings', () => {
    const lines = renderReportMarkdown(report()).split('\n');
    expect(lines[0]).toBe('# qlik-group-sync apply: applied');
    expect(lines).toContain('| Finished | 2025-01-24T17:36:01.000Z (74.8 s) |');
    expect(lines).toContain('| Directory | ldaps://dc.example.com: 120 groups, 4,500 users |');
    expect(lines).toContain('| Managed | 118 groups, 12,345 memberships |');
    expect(lines).toContain('| Groups created | 2 | 2 |');
    expect(lines).toContain('| Membership patches | 10 | 9 |');
    expect(lines.some((l) => l.startsWith('| Groups deleted'))).toBe(false);
    expect(lines).toContain('## Failures (1)');
    expect(lines).toContain('| patchUser | bob\\|x@example.com | 400: bad request &lt;b&gt; |');
    expect(lines).toContain('- `ORPHANED_GROUP` CG-Old: left as it is');
    expect(lines).toContain('62 requests, 12 writes, 1 retries, 1 rate limited.');
    expect(lines).toContain('| Tier | 429 | ok |');
    expect(lines).toContain('| tier2 | 1 | 11 |');
    expect(lines).toContain('Read directory 1.2 s, read tenant 3.4 s, plan 35 ms, apply 70 s.');
  });

  it('shows the blocking limits and the error', () => {
    const text = renderReportMarkdown(
      report({
        outcome: 'blocked',
        violations: [{ limit: 'maxGroupDeletes', message: 'The plan deletes 7 groups; run again with --allow-deletes', actual: 7, allowed: 5 }],
        error: { code: 'SAFETY_BLOCKED', message: 'blocked' },
      }),
    );
    expect(text).toContain('# qlik-group-sync apply: blocked by a safety limit');
    expect(text).toContain('## Blocked by safety limits');
    expect(text).toContain('- **maxGroupDeletes** (7 > 5): The plan deletes 7 groups; run again with --allow-deletes');
    expect(text).toContain('`SAFETY_BLOCKED`: blocked');
  });

  it('says "No changes." when nothing was planned', () => {
    const text = renderReportMarkdown(report({ outcome: 'no-changes', planned: zero, applied: zero, failures: [], warnings: [] }));
    expect(text).toContain('## Changes\n\nNo changes. The tenant matches the directory.');
    expect(text).not.toContain('## Warnings');
    expect(text).not.toContain('## Failures');
  });

  it('caps the warnings', () => {
    const warnings = Array.from({ length: 12 }, (_, i) => ({ code: 'W', message: `m${i}` }));
    const text = renderReportMarkdown(report({ warnings }), { maxWarnings: 10 });
    expect(text).toContain('## Warnings (12)');
    expect(text).toContain('- ... and 2 more (see the JSON report)');
    expect(text).not.toContain('m10');
  });
});
