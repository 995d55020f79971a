// The checks made after every chaos scenario, as pure functions of tenant states (emulator
// exports), oracle results and the emulator's membership log. Each returns the problems it found
// as sentences (empty: the invariant holds), so the runner can print them and the test can assert
// on them.
import type { MembershipLogEntry } from '../../src/emulator/model/events.ts';
import type { TenantState } from '../../src/emulator/model/state.ts';
import { PREFIX } from '../e2e/harness.ts';

type GroupRecord = TenantState['groups'][number];
type UserRecord = TenantState['users'][number];
export type Memberships = Map<string, Set<string>>;

/** A group the bridge owns: custom, prefixed, and carrying its marker (as src/reconcile/ownership.ts says). */
export function isOwnedGroup(group: GroupRecord): boolean {
  return group.providerType === 'custom' && group.name.startsWith(PREFIX) && /\[qgs:id=[^\]\s]+\]/.test(group.description ?? '');
}

function ownedIds(state: TenantState): Map<string, string> {
  return new Map(state.groups.filter(isOwnedGroup).map((g) => [g.id, g.name]));
}

/** Owned group name -> member subjects (a hand-made `CG-` group without the marker is not included). */
export function ownedMemberships(state: TenantState): Memberships {
  const owned = ownedIds(state);
  const out: Memberships = new Map([...owned.values()].map((name) => [name, new Set<string>()]));
  for (const user of state.users) for (const id of user.groupIds) if (owned.has(id)) out.get(owned.get(id)!)!.add(user.subject);
  return out;
}

export function sameMemberships(a: Memberships, b: Memberships): boolean {
  return a.size === b.size && [...a].every(([name, members]) => {
    const other = b.get(name);
    return other !== undefined && other.size === members.size && [...members].every((s) => other.has(s));
  });
}

/** A short account of how `actual` differs from `expected`, for failure messages. */
export function membershipDiff(actual: Memberships, expected: Memberships, limit = 12): string[] {
  const lines: string[] = [];
  for (const name of new Set([...actual.keys(), ...expected.keys()])) {
    const a = actual.get(name);
    const e = expected.get(name);
    if (!a) lines.push(`${name}: missing in the tenant`);
    else if (!e) lines.push(`${name}: in the tenant, not in the directory`);
    else {
      const missing = [...e].filter((s) => !a.has(s));
      const extra = [...a].filter((s) => !e.has(s));
      if (missing.length > 0 || extra.length > 0) lines.push(`${name}: missing [${missing.sort().join(' ')}] extra [${extra.sort().join(' ')}]`);
    }
  }
  return lines.sort().slice(0, limit);
}

export interface RemovalContext {
  /** The oracle before the scenario's edits, and after them (the directory during the runs). */
  before: Memberships;
  after: Memberships;
  /** Tenant states at the start and the end of the scenario (for group names by id, subjects by user id). */
  start: TenantState;
  end: TenantState;
}

/**
 * Membership removals that lost something the directory holds. The scenario's edits are all made
 * before its runs, so during the runs the directory is `after`: a removal of a pair (user, group)
 * that `after` holds is wrong, whether the pair was there before the edits too (the case the issue
 * names: the tenant had it all along) or was added during the scenario and then taken away again.
 * A group is followed by its tenant id, so a renamed group counts as the same group.
 */
export function wrongfulRemovals(log: readonly MembershipLogEntry[], ctx: RemovalContext): string[] {
  const nameAt = (state: TenantState): Map<string, string> => new Map(state.groups.map((g) => [g.id, g.name]));
  const startNames = nameAt(ctx.start);
  const endNames = nameAt(ctx.end);
  const subjects = new Map([...ctx.start.users, ...ctx.end.users].map((u) => [u.id, u.subject]));
  const problems: string[] = [];
  for (const entry of log) {
    if (entry.op !== 'remove') continue;
    const subject = subjects.get(entry.userId) ?? entry.userId;
    const is = endNames.get(entry.groupId);
    if (is === undefined || !ctx.after.get(is)?.has(subject)) continue;
    const was = startNames.get(entry.groupId);
    const held = was !== undefined && ctx.before.get(was)?.has(subject) === true;
    problems.push(
      `membership ${subject} in ${is} was removed (log seq ${entry.seq}, cause ${entry.cause}) though the directory ${held ? 'held it before and after the edits' : 'holds it after the edits'}`,
    );
  }
  return problems;
}

/** Log entries on groups the bridge did not own at the start or the end: it wrote somewhere it must not. */
export function foreignLogEntries(log: readonly MembershipLogEntry[], start: TenantState, end: TenantState): string[] {
  const owned = new Set([...ownedIds(start).keys(), ...ownedIds(end).keys()]);
  return log
    .filter((e) => e.cause !== 'import' && !owned.has(e.groupId))
    .map((e) => `membership ${e.op} on non-owned group ${e.groupName} (${e.providerType}, log seq ${e.seq}, cause ${e.cause})`);
}

function withoutTimestamps(user: UserRecord, keep: (groupId: string) => boolean): string {
  const { lastUpdatedAt: _ignored, groupIds, ...rest } = user;
  return JSON.stringify({ ...rest, groupIds: groupIds.filter(keep) });
}

/**
 * Everything outside the owned groups is as it was: IdP and non-owned groups (whole records),
 * every existing user (apart from owned memberships and the update time), roles, Everyone and the
 * settings. Users the bridge created may only be in owned groups.
 */
export function foreignChanges(start: TenantState, end: TenantState): string[] {
  const problems: string[] = [];
  const endGroups = new Map(end.groups.map((g) => [g.id, g]));
  const startGroups = new Map(start.groups.map((g) => [g.id, g]));
  const foreignAtStart = new Set(start.groups.filter((g) => !isOwnedGroup(g)).map((g) => g.id));
  for (const id of foreignAtStart) {
    const before = startGroups.get(id)!;
    const after = endGroups.get(id);
    if (!after) problems.push(`non-owned group ${before.name} (${before.providerType}) was deleted`);
    else if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`non-owned group ${before.name} (${before.providerType}) was changed`);
  }
  for (const group of end.groups) {
    if (!startGroups.has(group.id) && !isOwnedGroup(group)) problems.push(`a group that is not owned appeared: ${group.name} (${group.providerType})`);
  }
  const endUsers = new Map(end.users.map((u) => [u.id, u]));
  const owned = new Set([...ownedIds(start).keys(), ...ownedIds(end).keys()]);
  const foreign = (id: string): boolean => !owned.has(id);
  for (const user of start.users) {
    const after = endUsers.get(user.id);
    if (!after) problems.push(`user ${user.subject} was deleted`);
    else if (withoutTimestamps(after, foreign) !== withoutTimestamps(user, foreign)) problems.push(`user ${user.subject} changed outside its owned memberships`);
  }
  const startUsers = new Set(start.users.map((u) => u.id));
  for (const user of end.users) {
    if (startUsers.has(user.id)) continue;
    const outside = user.groupIds.filter(foreign);
    if (outside.length > 0) problems.push(`new user ${user.subject} is in non-owned groups ${outside.join(', ')}`);
  }
  for (const key of ['roles', 'everyone', 'settings', 'tenantId'] as const) {
    if (JSON.stringify(end[key]) !== JSON.stringify(start[key])) problems.push(`tenant ${key} changed`);
  }
  return problems;
}

/**
 * Owned groups keep their identity: a group whose directory group still exists has the same tenant
 * id at the end (under its new name when it was renamed); one whose directory group was deleted is gone.
 */
export function identityChanges(start: TenantState, end: TenantState, renames: ReadonlyMap<string, string>, deleted: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const endById = new Map(end.groups.map((g) => [g.id, g]));
  for (const group of start.groups.filter(isOwnedGroup)) {
    const after = endById.get(group.id);
    if (deleted.has(group.name)) {
      if (after) problems.push(`${group.name}: its directory group was deleted but it is still there (as ${after.name})`);
      continue;
    }
    const name = renames.get(group.name) ?? group.name;
    if (!after) problems.push(`${group.name}: its tenant id ${group.id} is gone (expected as ${name})`);
    else if (after.name !== name) problems.push(`${group.name}: now named ${after.name}, expected ${name}`);
  }
  return problems;
}
