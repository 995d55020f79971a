// What `plan`, `apply`, `migrate` and the demo share around `runOnce`: loading the config and a
// logger, printing the plan and the safety verdict to stdout, the closing outcome line, the run
// lock and the saved report for one-shot runs, and a stop on SIGTERM/SIGINT.
import { join } from 'node:path';
import type { Config } from '../config/types.ts';
import { withRunId, newRunId, type Logger } from '../log.ts';
import { renderReportMarkdown } from '../render/report.ts';
import { acquireRunLock } from '../runner/lock.ts';
import type { RunReport, SafetyViolation } from '../runner/report.ts';
import { runOnce, type RunDeps, type RunOnceOptions, type RunResult } from '../runner/run-once.ts';
import { notifyWebhook, shouldNotify } from '../runner/webhook.ts';
import { ensureWritableDir, REPORT_JSON, REPORT_MARKDOWN, saveReportFiles } from '../runner/worker.ts';
import { formatDuration } from '../apply/progress.ts';
import { plural } from '../reconcile/lib/warnings.ts';
import type { CommandContext } from './types.ts';

export function renderViolations(violations: readonly SafetyViolation[]): string {
  if (violations.length === 0) return '';
  return [
    '',
    `Blocked by ${violations.length === 1 ? 'a safety limit' : `${violations.length} safety limits`}; nothing will be applied:`,
    ...violations.map((v) => `  - ${v.limit}: ${v.message}`),
    '',
  ].join('\n');
}

/** The closing lines of a run, for people: what happened, and what to do about it. */
export function renderOutcome(report: RunReport): string {
  const a = report.applied;
  const took = formatDuration(report.durationMs);
  const lines: string[] = [];
  switch (report.outcome) {
    case 'no-changes':
      lines.push(`Nothing to apply (${took}).`);
      break;
    case 'dry-run':
      lines.push(`Dry run: ${plural(report.planned.writeRequests, 'write request')} planned, none made (${took}).`);
      break;
    case 'blocked':
      lines.push('Blocked by the safety limits above: nothing was written.');
      break;
    case 'applied':
    case 'partial':
      lines.push(
        `${report.outcome === 'applied' ? 'Applied' : 'Partly applied'}: ${plural(a.writeRequests, 'write request')} ` +
          `(${a.createGroups} groups created, ${a.updateGroups} updated, ${a.deleteGroups} deleted, ${a.createUsers} users created, ` +
          `${a.membershipPatches} users' memberships changed: +${a.membershipAdds} -${a.membershipRemovals}) in ${took}.`,
      );
      if (report.failures.length > 0) {
        lines.push(`${plural(report.failures.length, 'operation')} failed; the next run retries them:`);
        for (const f of report.failures.slice(0, 20)) lines.push(`  - ${f.kind} ${f.target}: ${f.error ?? 'failed'}`);
        if (report.failures.length > 20) lines.push(`  ... and ${report.failures.length - 20} more (see the run report)`);
      }
      if (report.error) lines.push(report.error.message);
      break;
    case 'failed':
      lines.push(
        `${report.requests.writes === 0 ? 'Failed; nothing was written' : `Failed after ${plural(report.requests.writes, 'write request')}; the next run continues from there`}: ` +
          `${report.error?.message ?? 'unknown error'} (${report.error?.code ?? 'INTERNAL'}).`,
      );
      break;
  }
  const r = report.requests;
  lines.push(`Requests: ${r.total} in all, ${r.writes} writes, ${r.retries} retries, ${r.rateLimited} rate-limited (429).`);
  return `${lines.join('\n')}\n`;
}

/** Aborts on the first SIGTERM/SIGINT (finish the request in flight, then stop); the handle removes the handlers. */
export function stopOnSignals(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = (name: string) => (): void => {
    logger.warn({ signal: name }, 'stopping after the request in flight; the next run continues from the new state');
    controller.abort(new Error(`stopped by ${name}`));
  };
  const onTerm = stop('SIGTERM');
  const onInt = stop('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}

/** Loads the configuration and a logger for it, and logs the settings that weaken security. */
export async function prepare(ctx: CommandContext): Promise<{ config: Config; logger: Logger }> {
  const loaded = await ctx.loadConfig();
  const logger = ctx.logger(loaded.config);
  for (const warning of loaded.warnings) logger.warn(warning);
  return { config: loaded.config, logger };
}

export interface SyncCommandOptions extends Omit<RunOnceOptions, 'logger' | 'signal' | 'onPlan' | 'progressTty'> {
  /** Take the per-tenant run lock and save the report in sync.stateDir (runs that may write). */
  lockAndReport: boolean;
  /** Print the plan to stdout (default true). */
  printPlan?: boolean;
}

/**
 * One run from a command: plan to stdout, outcome to stdout, logs to stderr. Writing runs take the
 * same per-tenant lock as the `run` worker (so a CronJob and a worker never overlap), save
 * `last-report.json`/`.md` in sync.stateDir, and notify the webhook of a failed or blocked run.
 */
export async function syncCommand(ctx: CommandContext, prepared: { config: Config; logger: Logger }, options: SyncCommandOptions, deps: RunDeps = {}): Promise<RunResult> {
  const { config, logger } = prepared;
  return withRunId(newRunId(), async () => {
    const stop = stopOnSignals(logger);
    let lock: Awaited<ReturnType<typeof acquireRunLock>> | undefined;
    try {
      if (options.lockAndReport) {
        await ensureWritableDir(config.sync.stateDir);
        lock = await acquireRunLock({ stateDir: config.sync.stateDir, tenant: config.tenant.url, timeoutMs: config.sync.lockTimeoutMs, logger });
      }
      const signal = lock ? AbortSignal.any([stop.signal, lock.signal]) : stop.signal;
      const result = await runOnce(
        config,
        {
          ...options,
          logger,
          signal,
          progressTty: ctx.io.stderr.isTTY ? ctx.io.stderr : undefined,
          onPlan: (_plan, rendered, violations) => {
            if (options.printPlan !== false) ctx.io.stdout.write(rendered.endsWith('\n') ? rendered : `${rendered}\n`);
            ctx.io.stdout.write(renderViolations(violations));
          },
        },
        deps,
      );
      ctx.io.stdout.write(renderOutcome(result.report));
      if (options.lockAndReport) {
        await saveReportFiles(config.sync.stateDir, result.report, renderReportMarkdown, logger);
        logger.info({ report: join(config.sync.stateDir, REPORT_JSON), markdown: join(config.sync.stateDir, REPORT_MARKDOWN) }, 'run report saved');
        if (config.sync.webhookUrl && shouldNotify(result.report)) await notifyWebhook(config.sync.webhookUrl, result.report, { logger, timeoutMs: 10_000 });
      }
      return result;
    } finally {
      await lock?.release();
      stop.dispose();
    }
  });
}
