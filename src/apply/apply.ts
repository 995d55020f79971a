// Executes a Plan against a tenant, in dependency order: group updates (renames first free their
// old names), group creations, user creations, one membership PATCH per user, then deletions of
// emptied groups. Pacing and retries live in the tenant client; this module decides order, what
// depends on what, and what to do when one operation fails (record it, carry on with the rest).
import { TenantError, describeError } from '../errors.ts';
import { scrub, silentLogger, type Logger } from '../log.ts';
import type { Plan, PlanMembershipPatch } from '../reconcile/plan.ts';
import type { ChangeCounts, OperationResult } from '../runner/report.ts';
import type { Tenant, TenantUser } from '../tenant/snapshot.ts';
import { runBounded } from './pool.ts';
import type { ProgressSink } from './progress.ts';

export interface ApplyOptions {
  logger?: Logger;
  /** Requests in flight at once; the tenant client still paces each tier. */
  concurrency?: number;
  /** Aborting stops starting new operations; operations in flight finish. Deletions are then skipped. */
  signal?: AbortSignal;
  progress?: ProgressSink;
}

export interface ApplyResult {
  results: OperationResult[];
  failures: OperationResult[];
  applied: ChangeCounts;
  aborted: boolean;
  /** Set when a failure said the rest of the plan would fail too, and no new operation was started after it. */
  halted?: { code: string; message: string; notStarted: number };
}

/**
 * Failures that say the tenant will refuse every other request too: the credentials were refused,
 * the certificate does not verify, the host cannot be reached (after the client's retries). One
 * of them stops the run; it is not sent thousands of times over.
 */
const RUN_WIDE = new Set(['TENANT_AUTH', 'TENANT_TLS', 'TENANT_NETWORK']);
/**
 * Server-side failures (after the client's retries) this many times in a row, with no success
 * in between, also stop the run: the tenant is struggling, and more load does not help it.
 */
export const CONSECUTIVE_FAILURE_LIMIT = 5;
const SERVER_SIDE = new Set(['TENANT_SERVER', 'TENANT_TIMEOUT', 'TENANT_RATE_LIMITED']);

export function emptyCounts(): ChangeCounts {
  return {
    createGroups: 0,
    updateGroups: 0,
    deleteGroups: 0,
    createUsers: 0,
    membershipPatches: 0,
    membershipAdds: 0,
    membershipRemovals: 0,
    writeRequests: 0,
  };
}

interface ResolvedPatch {
  userId: string;
  subject: string;
  add: { id?: string; name: string }[];
  remove: string[];
}

export async function applyPlan(plan: Plan, tenant: Tenant, options: ApplyOptions = {}): Promise<ApplyResult> {
  const logger = options.logger ?? silentLogger();
  const concurrency = options.concurrency ?? 4;
  const outer = options.signal;
  const results: OperationResult[] = [];
  const applied = emptyCounts();
  const progress = options.progress;
  const writesBefore = tenant.stats().writes;
  const total = plan.updateGroups.length + plan.createGroups.length + plan.createUsers.length + plan.memberships.length + plan.deleteGroups.length;

  // Stops starting operations on the caller's abort or on a failure that halts the run.
  const stop = new AbortController();
  const signal = stop.signal;
  const onAbort = (): void => stop.abort();
  if (outer?.aborted) stop.abort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  let halted: { code: string; message: string } | undefined;
  let inARow = 0;
  const halt = (code: string, message: string): void => {
    if (halted) return;
    halted = { code, message };
    logger.error({ code }, message);
    stop.abort();
  };

  const record = (result: OperationResult): void => {
    results.push(result);
    progress?.tick(result.ok);
    if (result.ok) inARow = 0;
    else logger.warn({ operation: result.kind, target: result.target }, `${result.kind} ${result.target} failed: ${result.error}`);
  };
  const failure = (kind: OperationResult['kind'], target: string, error: unknown): OperationResult => {
    const result: OperationResult = { kind, target, ok: false, error: scrub(describeError(error)) };
    const code = error instanceof TenantError ? error.code : undefined;
    if (code && RUN_WIDE.has(code)) {
      halt(code, `stopped: ${kind} ${target} failed with ${code}, which every other request would meet too`);
    } else if (code && SERVER_SIDE.has(code)) {
      if (++inARow >= CONSECUTIVE_FAILURE_LIMIT) halt(code, `stopped: ${inARow} operations in a row failed on the tenant's side (${code}, the last: ${kind} ${target})`);
    } else {
      inARow = 0;
    }
    return result;
  };

  progress?.start(total);

  // 1. Group updates: renames, roles, descriptions. Idempotent replaces.
  await runBounded(
    plan.updateGroups,
    concurrency,
    async (update) => {
      const target = update.rename ? `${update.rename.from} -> ${update.rename.to}` : update.name;
      try {
        await tenant.patchGroup(update.groupId, {
          ...(update.rename ? { name: update.rename.to } : {}),
          ...(update.description ? { description: update.description.to } : {}),
          ...(update.roles ? { roles: update.roles.to } : {}),
        });
        applied.updateGroups++;
        record({ kind: 'updateGroup', target, ok: true });
      } catch (error) {
        record(failure('updateGroup', target, error));
      }
    },
    signal,
  );

  // 2. Group creations; remember the new ids for the membership patches.
  const createdGroups = new Map<string, string>();
  const failedGroups = new Set<string>();
  await runBounded(
    plan.createGroups,
    concurrency,
    async (create) => {
      try {
        const group = await tenant.createGroup({ name: create.name, description: create.description, roles: create.roles });
        createdGroups.set(create.name, group.id);
        applied.createGroups++;
        record({ kind: 'createGroup', target: create.name, ok: true });
      } catch (error) {
        failedGroups.add(create.name);
        record(failure('createGroup', create.name, error));
      }
    },
    signal,
  );

  // 3. User creations.
  const createdUsers = new Map<string, string>();
  await runBounded(
    plan.createUsers,
    concurrency,
    async (create) => {
      try {
        const user = await tenant.createUser({
          subject: create.subject,
          ...(create.email ? { email: create.email } : {}),
          ...(create.name ? { name: create.name } : {}),
        });
        createdUsers.set(create.subject.toLowerCase(), user.id);
        applied.createUsers++;
        record({ kind: 'createUser', target: create.subject, ok: true });
      } catch (error) {
        record(failure('createUser', create.subject, error));
      }
    },
    signal,
  );

  // 4. One membership patch per user. Removals that feed a deletion are tracked: a group is only
  // deleted when every one of its removals went through.
  const deletedIds = new Set(plan.deleteGroups.map((d) => d.groupId));
  const blockedDeletes = new Set<string>();
  await runBounded(
    plan.memberships,
    concurrency,
    async (patch) => {
      const resolved = resolvePatch(patch, createdGroups, failedGroups, createdUsers);
      if (typeof resolved === 'string') {
        for (const r of patch.remove) if (deletedIds.has(r.id)) blockedDeletes.add(r.id);
        record({ kind: 'patchUser', target: patch.subject, ok: false, error: resolved });
        return;
      }
      try {
        const sent = await patchWithOneReplan(tenant, resolved, logger);
        applied.membershipPatches += sent.requests > 0 ? 1 : 0;
        applied.membershipAdds += sent.added;
        applied.membershipRemovals += sent.removed;
        record({ kind: 'patchUser', target: patch.subject, ok: true });
      } catch (error) {
        for (const id of resolved.remove) if (deletedIds.has(id)) blockedDeletes.add(id);
        record(failure('patchUser', patch.subject, error));
      }
    },
    signal,
  );

  // 5. Deletions, last, and never after an abort or a halt: a half-applied run must not delete anything.
  if (!signal.aborted) {
    await runBounded(
      plan.deleteGroups,
      concurrency,
      async (del) => {
        if (blockedDeletes.has(del.groupId)) {
          record({ kind: 'deleteGroup', target: del.name, ok: false, error: 'skipped: not every member could be removed first' });
          return;
        }
        try {
          await tenant.deleteGroup(del.groupId);
          applied.deleteGroups++;
          record({ kind: 'deleteGroup', target: del.name, ok: true });
        } catch (error) {
          record(failure('deleteGroup', del.name, error));
        }
      },
      signal,
    );
  }
  progress?.finish();
  outer?.removeEventListener('abort', onAbort);

  applied.writeRequests = tenant.stats().writes - writesBefore;
  return {
    results,
    failures: results.filter((r) => !r.ok),
    applied,
    aborted: outer?.aborted === true,
    ...(halted ? { halted: { ...halted, notStarted: total - results.length } } : {}),
  };
}

/** Turns a planned patch into ids, or says why it cannot be sent. */
function resolvePatch(
  patch: PlanMembershipPatch,
  createdGroups: Map<string, string>,
  failedGroups: Set<string>,
  createdUsers: Map<string, string>,
): ResolvedPatch | string {
  const userId = patch.userId ?? createdUsers.get(patch.subject.toLowerCase());
  if (!userId) return 'skipped: the user could not be created';
  const add: { id?: string; name: string }[] = [];
  for (const ref of patch.add) {
    if (ref.id) add.push({ id: ref.id, name: ref.name });
    else if (createdGroups.has(ref.name)) add.push({ id: createdGroups.get(ref.name) as string, name: ref.name });
    else if (!failedGroups.has(ref.name)) add.push({ name: ref.name });
  }
  const remove = patch.remove.map((r) => r.id);
  if (add.length === 0 && remove.length === 0) return 'skipped: every group it adds could not be created';
  return { userId, subject: patch.subject, add, remove };
}

/**
 * Sends one user's patch. A 400 means the user changed since the tenant was read (someone added or
 * removed a group meanwhile; the API rejects the whole array): re-read that user and send only the
 * ops still needed, once.
 */
async function patchWithOneReplan(
  tenant: Tenant,
  patch: ResolvedPatch,
  logger: Logger,
): Promise<{ requests: number; added: number; removed: number }> {
  try {
    await tenant.patchUserGroups(patch.userId, { add: patch.add, remove: patch.remove });
    return { requests: 1, added: patch.add.length, removed: patch.remove.length };
  } catch (error) {
    if (!(error instanceof TenantError) || error.code !== 'TENANT_BAD_REQUEST') throw error;
    logger.info({ subject: patch.subject }, `membership patch for ${patch.subject} rejected (${error.detail ?? error.message}); re-reading the user and planning it again`);
    const fresh: TenantUser = await tenant.getUser(patch.userId);
    const have = new Set(fresh.assignedGroups.map((g) => g.id));
    const haveNames = new Set(fresh.assignedGroups.filter((g) => g.providerType === 'custom').map((g) => g.name));
    const add = patch.add.filter((ref) => (ref.id ? !have.has(ref.id) : !haveNames.has(ref.name)));
    const remove = patch.remove.filter((id) => have.has(id));
    if (add.length === 0 && remove.length === 0) return { requests: 0, added: 0, removed: 0 };
    await tenant.patchUserGroups(patch.userId, { add, remove });
    return { requests: 1, added: add.length, removed: remove.length };
  }
}
