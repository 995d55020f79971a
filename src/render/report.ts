// The run report for people, as Markdown: what a run read, planned and did, what failed, which
// safety limit blocked it, the warnings, the requests it made and where the time went. Written
// beside the JSON report (and fit for a CI job summary or a ticket). Pure. The report holds no
// secrets by construction; everything that came from outside is escaped so it cannot break the
// tables or inject markup.
import type { ChangeCounts, RunReport } from '../runner/report.ts';
import { count } from '../reconcile/lib/format.ts';

export interface ReportRenderOptions {
  /** Warnings listed before "... and N more". Default 100. */
  maxWarnings?: number;
}

const OUTCOME: Record<RunReport['outcome'], string> = {
  'no-changes': 'no changes',
  'dry-run': 'dry run (nothing applied)',
  applied: 'applied',
  partial: 'partly applied',
  blocked: 'blocked by a safety limit',
  failed: 'failed',
};

const CHANGES: [keyof ChangeCounts, string][] = [
  ['createGroups', 'Groups created'],
  ['updateGroups', 'Groups updated'],
  ['deleteGroups', 'Groups deleted'],
  ['createUsers', 'Users created'],
  ['membershipPatches', 'Membership patches'],
  ['membershipAdds', 'Memberships added'],
  ['membershipRemovals', 'Memberships removed'],
  ['writeRequests', 'Write requests'],
];

/** Text safe inside a Markdown table cell or list item. */
function cell(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1');
}

/** Text for a code span outside tables: no backticks, one line. */
function code(text: string): string {
  return `\`${text.replace(/[`\r\n\t]+/g, ' ')}\``;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${Math.round(seconds * 10) / 10} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export function renderReportMarkdown(report: RunReport, options: ReportRenderOptions = {}): string {
  const maxWarnings = Math.max(1, options.maxWarnings ?? 100);
  const out: string[] = [];
  out.push(`# qlik-group-sync ${cell(report.command)}: ${OUTCOME[report.outcome]}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| Run | ${cell(report.runId)} |`);
  out.push(`| Started | ${cell(report.startedAt)} |`);
  out.push(`| Finished | ${cell(report.finishedAt)} (${duration(report.durationMs)}) |`);
  out.push(`| Outcome | ${OUTCOME[report.outcome]}${report.dryRun && report.outcome !== 'dry-run' ? ' (dry run)' : ''} |`);
  out.push(`| Directory | ${cell(report.directory.source)}: ${count(report.directory.groups)} groups, ${count(report.directory.users)} users |`);
  out.push(`| Tenant | ${cell(report.tenant.url)}: ${count(report.tenant.groups)} groups, ${count(report.tenant.users)} users |`);
  out.push(`| Managed | ${count(report.managed.groups)} groups, ${count(report.managed.memberships)} memberships |`);

  if (report.error) out.push('', '## Error', '', `${code(report.error.code)}: ${cell(report.error.message)}`);

  if (report.violations.length > 0) {
    out.push('', '## Blocked by safety limits', '');
    for (const v of report.violations) out.push(`- **${cell(v.limit)}** (${v.actual} > ${v.allowed}): ${cell(v.message)}`);
  }

  const planned = CHANGES.some(([key]) => report.planned[key] > 0);
  const applied = CHANGES.some(([key]) => report.applied[key] > 0);
  out.push('', '## Changes', '');
  if (!planned && !applied) out.push('No changes. The tenant matches the directory.');
  else {
    out.push('| | Planned | Applied |', '|---|---:|---:|');
    for (const [key, label] of CHANGES) {
      if (report.planned[key] === 0 && report.applied[key] === 0) continue;
      out.push(`| ${label} | ${count(report.planned[key])} | ${count(report.applied[key])} |`);
    }
  }

  if (report.failures.length > 0) {
    out.push('', `## Failures (${count(report.failures.length)})`, '', '| Operation | Target | Error |', '|---|---|---|');
    for (const f of report.failures) out.push(`| ${cell(f.kind)} | ${cell(f.target)} | ${cell(f.error ?? '')} |`);
  }

  if (report.warnings.length > 0) {
    out.push('', `## Warnings (${count(report.warnings.length)})`, '');
    for (const w of report.warnings.slice(0, maxWarnings)) out.push(`- ${code(w.code)} ${cell(w.message)}`);
    if (report.warnings.length > maxWarnings) out.push(`- ... and ${count(report.warnings.length - maxWarnings)} more (see the JSON report)`);
  }

  const r = report.requests;
  out.push('', '## Requests', '');
  out.push(`${count(r.total)} requests, ${count(r.writes)} writes, ${count(r.retries)} retries, ${count(r.rateLimited)} rate limited.`);
  const tiers = Object.keys(r.byTier).sort();
  const outcomes = [...new Set(tiers.flatMap((t) => Object.keys(r.byTier[t]!)))].sort();
  if (tiers.length > 0 && outcomes.length > 0) {
    out.push('', `| Tier | ${outcomes.map(cell).join(' | ')} |`, `|---|${outcomes.map(() => '---:').join('|')}|`);
    for (const t of tiers) out.push(`| ${cell(t)} | ${outcomes.map((o) => count(r.byTier[t]![o] ?? 0)).join(' | ')} |`);
  }

  const t = report.timings;
  out.push('', '## Timings', '');
  out.push(
    `Read directory ${duration(t.readDirectoryMs)}, read tenant ${duration(t.readTenantMs)}, plan ${duration(t.planMs)}, apply ${duration(t.applyMs)}.`,
  );
  return `${out.join('\n')}\n`;
}
