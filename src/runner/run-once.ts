// One run of the bridge, the shape every command shares (external-dns's RunOnce): read the
// directory and the tenant (complete or not at all), compute the desired state, plan, check
// safety, render, and only then, unless this is a dry run, apply. A failed read returns before
// planning; a blocked plan returns before applying. Dry-run is decided here and nowhere else.
import { applyPlan, emptyCounts } from '../apply/apply.ts';
import { createProgress, type ProgressSink } from '../apply/progress.ts';
import type { Config } from '../config/types.ts';
import { readDirectory as readLdapDirectory } from '../directory/index.ts';
import type { DirectorySnapshot } from '../directory/snapshot.ts';
import { SyncError, describeError, exitCodeFor } from '../errors.ts';
import { currentRunId, scrub, silentLogger, type Logger } from '../log.ts';
import { hasChanges, type Plan } from '../reconcile/plan.ts';
import { buildPlan, checkSafety, type DesiredTransform } from '../reconcile/index.ts';
import { renderPlan } from '../render/human.ts';
import { createTenantClient } from '../tenant/client.ts';
import { noRequests, type RequestStats, type Tenant, type TenantSnapshot } from '../tenant/snapshot.ts';
import type { ChangeCounts, RunOutcome, RunReport, SafetyViolation } from './report.ts';

export interface RunOnceOptions {
  command: string;
  dryRun: boolean;
  /** Lift the deletion and removal limits for this run. */
  allowDeletes?: boolean;
  /** A reviewed plan (`apply --plan`): applied only if both sides still match it. */
  savedPlan?: Plan;
  logger?: Logger;
  signal?: AbortSignal;
  /** Called with the plan and its human rendering before anything is applied. */
  onPlan?: (plan: Plan, rendered: string, violations: SafetyViolation[]) => void | Promise<void>;
  /** Progress output for long applies (a TTY stream for a bar; otherwise periodic log lines). */
  progressTty?: { write(text: string): unknown } | undefined;
  /** Changes the desired state before planning (used by `migrate` to adopt IdP groups' roles). */
  transformDesired?: DesiredTransform;
  clock?: () => number;
}

export interface RunDeps {
  readDirectory?: (config: Config['directory'], options: { logger: Logger; signal?: AbortSignal }) => Promise<DirectorySnapshot>;
  /** A tenant to use (not closed by the run); by default an HTTP client is opened and closed. */
  tenant?: Tenant;
}

export interface RunResult {
  report: RunReport;
  plan?: Plan;
  directory?: DirectorySnapshot;
  tenant?: TenantSnapshot;
  exitCode: number;
}

const EXIT_FOR: Record<RunOutcome, number> = {
  'no-changes': 0,
  'dry-run': 0,
  applied: 0,
  partial: 1,
  blocked: 3,
  failed: 1,
};

function countsOf(plan: Plan | undefined): ChangeCounts {
  if (!plan) return emptyCounts();
  return {
    createGroups: plan.createGroups.length,
    updateGroups: plan.updateGroups.length,
    deleteGroups: plan.deleteGroups.length,
    createUsers: plan.createUsers.length,
    membershipPatches: plan.memberships.length,
    membershipAdds: plan.stats.membershipAdds,
    membershipRemovals: plan.stats.membershipRemovals,
    writeRequests: plan.stats.writeRequests,
  };
}

/** The changes of a plan, as canonical text, for comparing a saved plan with a fresh one. */
function changesOf(plan: Plan): string {
  return JSON.stringify([plan.mode, plan.createGroups, plan.updateGroups, plan.deleteGroups, plan.createUsers, plan.memberships]);
}

/**
 * A stop (SIGTERM) lets the requests in flight finish, but not retry for minutes: the tenant
 * client is closed once most of the stop budget (sync.stopTimeoutMs) is spent, which fails what is
 * still retrying, so the run can write its report and the process exit within the budget.
 */
function hardStopAfter(signal: AbortSignal | undefined, graceMs: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    timer = setTimeout(() => controller.abort(new SyncError('ABORTED', 'stopped: the stop budget (sync.stopTimeoutMs) ran out while retrying')), graceMs);
    timer.unref();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    },
  };
}

export async function runOnce(config: Config, options: RunOnceOptions, deps: RunDeps = {}): Promise<RunResult> {
  const logger = options.logger ?? silentLogger();
  const now = options.clock ?? Date.now;
  const startedAt = now();
  const hardStop = hardStopAfter(options.signal, Math.max(500, Math.floor(config.sync.stopTimeoutMs * 0.8)));
  // A client that cannot be made (an unreadable tenant.caFile) fails the run below, as a failed read
  // does: with a report, and the webhook told.
  let tenant: Tenant | undefined;
  let unopened: unknown;
  try {
    tenant = deps.tenant ?? createTenantClient(config.tenant, { logger, signal: hardStop.signal });
  } catch (error) {
    unopened = error;
  }
  const requestStats = (): RequestStats => tenant?.stats() ?? noRequests();
  const readDirectory = deps.readDirectory ?? readLdapDirectory;
  const timings = { readDirectoryMs: 0, readTenantMs: 0, planMs: 0, applyMs: 0 };
  const report: RunReport = {
    runId: currentRunId(),
    command: options.command,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: '',
    durationMs: 0,
    outcome: 'failed',
    dryRun: options.dryRun,
    directory: { source: config.directory.source === 'ldif' ? (config.directory.ldifFile ?? '') : config.directory.urls.join(' '), groups: 0, users: 0 },
    tenant: { url: config.tenant.url, groups: 0, users: 0 },
    managed: { groups: 0, memberships: 0 },
    planned: emptyCounts(),
    applied: emptyCounts(),
    failures: [],
    warnings: [],
    violations: [],
    requests: requestStats(),
    timings,
  };
  const result: RunResult = { report, exitCode: 1 };

  const finish = (outcome: RunOutcome): RunResult => {
    report.outcome = outcome;
    report.requests = requestStats();
    const end = now();
    report.finishedAt = new Date(end).toISOString();
    report.durationMs = end - startedAt;
    result.exitCode = EXIT_FOR[outcome];
    return result;
  };

  try {
    if (tenant === undefined) throw unopened;
    const client = tenant;
    // 1-2. Read both sides, concurrently; either failing fails the run before any planning.
    const reads = new AbortController();
    const onAbort = (): void => reads.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let directory: DirectorySnapshot;
    let observed: TenantSnapshot;
    try {
      [directory, observed] = await Promise.all([
        (async () => {
          const t = now();
          try {
            return await readDirectory(config.directory, { logger, signal: reads.signal });
          } finally {
            timings.readDirectoryMs = now() - t;
          }
        })(),
        (async () => {
          const t = now();
          try {
            return await client.readTenant();
          } finally {
            timings.readTenantMs = now() - t;
          }
        })(),
      ]).catch((error: unknown) => {
        reads.abort(error);
        throw error;
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    result.directory = directory;
    result.tenant = observed;
    report.directory.groups = directory.groups.length;
    report.directory.users = directory.users.length;
    report.tenant.groups = observed.groups.length;
    report.tenant.users = observed.users.length;
    logger.info(
      { directoryGroups: directory.groups.length, directoryUsers: directory.users.length, tenantGroups: observed.groups.length, tenantUsers: observed.users.length },
      'read directory and tenant',
    );

    // 3-4. Desired state and plan (pure).
    const planStarted = now();
    let plan = buildPlan(directory, observed, config, options.transformDesired ? { transformDesired: options.transformDesired } : {});
    if (options.savedPlan) {
      const saved = options.savedPlan;
      if (saved.basis.directory !== plan.basis.directory || saved.basis.tenant !== plan.basis.tenant) {
        const which = [saved.basis.directory !== plan.basis.directory ? 'the directory' : '', saved.basis.tenant !== plan.basis.tenant ? 'the tenant' : '']
          .filter(Boolean)
          .join(' and ');
        throw new SyncError('PLAN_STALE', `the saved plan no longer matches: ${which} changed since it was made; make a new plan and review it`);
      }
      // Same inputs, so the same configuration must give the same changes. A plan made under
      // another configuration, or edited by hand, is refused: only what this configuration and the
      // ownership rules produce is ever applied, and the reviewed plan is exactly that.
      if (changesOf(saved) !== changesOf(plan)) {
        throw new SyncError('PLAN_STALE', 'the saved plan differs from the plan this configuration makes from the same directory and tenant: the configuration changed or the plan file was edited; make a new plan and review it');
      }
    }
    timings.planMs = now() - planStarted;
    result.plan = plan;
    report.planned = countsOf(plan);
    report.warnings = plan.warnings;
    report.managed = { groups: plan.stats.desiredGroups, memberships: plan.stats.desiredMemberships };

    // 5. Safety. A reviewed saved plan counts as the operator's allowance for deletions.
    const violations = checkSafety(plan, config.sync.limits, { allowDeletes: options.allowDeletes === true || options.savedPlan !== undefined });
    report.violations = violations;

    // 6. Render.
    const rendered = renderPlan(plan, { writesPerMinute: config.tenant.rateLimits.tier2PerMinute });
    await options.onPlan?.(plan, rendered, violations);

    if (violations.length > 0) {
      for (const v of violations) logger.error({ limit: v.limit, actual: v.actual, allowed: v.allowed }, v.message);
      return finish('blocked');
    }
    if (!hasChanges(plan)) return finish('no-changes');
    if (options.dryRun) return finish('dry-run');

    // 7. Apply.
    const applyStarted = now();
    const progress: ProgressSink = createProgress({ logger, tty: options.progressTty });
    const applied = await applyPlan(plan, client, {
      logger,
      concurrency: config.tenant.maxConcurrency,
      ...(options.signal ? { signal: options.signal } : {}),
      progress,
    });
    timings.applyMs = now() - applyStarted;
    report.applied = applied.applied;
    report.failures = applied.failures;
    if (applied.aborted) {
      report.error = { code: 'ABORTED', message: 'stopped before the plan was fully applied; the next run continues from the new state' };
      return finish('partial');
    }
    if (applied.halted) {
      report.error = { code: applied.halted.code, message: haltedMessage(applied.halted, applied.applied.deleteGroups) };
      return finish('partial');
    }
    return finish(applied.failures.length > 0 ? 'partial' : 'applied');
  } catch (error) {
    const code = error instanceof SyncError ? error.code : 'INTERNAL';
    report.error = { code, message: scrub(describeError(error)) };
    logger.error({ code }, `run failed: ${report.error.message}`);
    const failed = finish('failed');
    failed.exitCode = exitCodeFor(error);
    return failed;
  } finally {
    hardStop.dispose();
    if (!deps.tenant) await tenant?.close().catch(() => undefined);
  }
}

/**
 * What a halted apply did not do. Deletions run last, so a halt there may follow some that took
 * effect; the message says how many, not that none did.
 */
export function haltedMessage(halted: { message: string; notStarted: number }, deleted: number): string {
  const deletions = deleted === 0 ? 'no group was deleted' : `${deleted} group${deleted === 1 ? ' was' : 's were'} deleted before the stop`;
  return `${halted.message}; ${halted.notStarted} of the plan's operations were not sent and ${deletions}. The next run plans again from the tenant's state.`;
}
