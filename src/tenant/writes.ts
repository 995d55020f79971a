// The writes the applier makes, each in the one request shape QLIK-API.md documents, each taking
// effect exactly once under retries. A failure after which the write may or may not have been
// applied (timeout, reset, 5xx: "uncertain") is never simply repeated when repeating is unsafe:
//  - createGroup / createUser: before trying again, look the group up by name (custom) or the user
//    by subject; if it is there, the first attempt worked. A 409 after an uncertain attempt means
//    the same, and the object is fetched and returned.
//  - patchUserGroups: before trying again, re-read the user and send only the adds still missing and
//    the removes still present (nothing left: done). A 400 is never retried: the user changed under
//    us (an add already present rejects the whole array), and the applier re-reads and re-plans.
//  - deleteGroup: a 404 after an uncertain attempt means the first attempt worked.
//  - patchGroup: `replace` operations are idempotent and are retried as they are.
import { TenantError } from '../errors.ts';
import type { ApiGroupPatchOp, ApiGroupPost, ApiUserMembershipOp, ApiUserPost } from './api-types.ts';
import type { TenantCore } from './core.ts';
import { parseGroup, parseUser } from './parse.ts';
import { findCustomGroup, findUserBySubject, getUser } from './queries.ts';
import { isUncertain } from './retry.ts';
import type { CreateGroupInput, CreateUserInput, GroupChanges, GroupRef, MembershipChange, TenantGroup, TenantUser } from './snapshot.ts';

export function groupPostBody(input: CreateGroupInput): ApiGroupPost {
  return {
    name: input.name,
    providerType: 'custom',
    status: 'active',
    ...(input.description ? { description: input.description } : {}),
    ...(input.roles.length > 0 ? { assignedRoles: input.roles.map((name) => ({ name })) } : {}),
  };
}

export function groupPatchOps(changes: GroupChanges): ApiGroupPatchOp[] {
  const ops: ApiGroupPatchOp[] = [];
  if (changes.name !== undefined) ops.push({ op: 'replace', path: '/name', value: changes.name });
  if (changes.description !== undefined) ops.push({ op: 'replace', path: '/description', value: changes.description });
  if (changes.roles !== undefined) ops.push({ op: 'replace', path: '/assignedRoles', value: changes.roles.map((name) => ({ name })) });
  return ops;
}

export function userPostBody(input: CreateUserInput): ApiUserPost {
  return {
    subject: input.subject,
    ...(input.email ? { email: input.email } : {}),
    ...(input.name ? { name: input.name } : {}),
  };
}

/** All of one user's membership changes as one operation array: adds, then removes. */
export function membershipOps(change: MembershipChange): ApiUserMembershipOp[] {
  return [
    ...change.add.map((ref): ApiUserMembershipOp => ({
      op: 'add',
      path: '/assignedGroups/-',
      value: ref.id !== undefined ? ref.id : { name: ref.name, providerType: 'custom' },
    })),
    ...change.remove.map((id): ApiUserMembershipOp => ({ op: 'remove-value', path: '/assignedGroups', value: id })),
  ];
}

/** What is left of a change given the user's current groups (after an uncertain attempt). */
export function remainingChange(change: MembershipChange, user: TenantUser): MembershipChange {
  const ids = new Set(user.assignedGroups.map((g) => g.id));
  const names = new Set(user.assignedGroups.filter((g) => g.providerType === 'custom').map((g) => g.name));
  const present = (ref: GroupRef): boolean => (ref.id !== undefined ? ids.has(ref.id) : names.has(ref.name));
  return { add: change.add.filter((ref) => !present(ref)), remove: change.remove.filter((id) => ids.has(id)) };
}

const USERS = '/api/v1/users';
const GROUPS = '/api/v1/groups';

export async function createGroup(core: TenantCore, input: CreateGroupInput): Promise<TenantGroup> {
  const where = `tenant ${core.tenant}: POST ${GROUPS}`;
  let uncertain = false;
  // A group found by name is the first attempt's only if it has the description sent (which holds
  // the ownership marker): a group of that name made by someone else, or an owned group not yet
  // renamed away (its rename failed), is never taken for it, nor given this group's members.
  const madeByUs = async (): Promise<TenantGroup | undefined> => {
    const existing = await findCustomGroup(core, input.name);
    if (existing === undefined) return undefined;
    if (existing.description !== input.description) {
      throw new TenantError('TENANT_CONFLICT', `${where}: a custom group named "${input.name}" exists (${existing.id}) but is not the one this create sent: its description differs`, {
        status: 409,
      });
    }
    core.logger.info({ group: input.name, id: existing.id }, 'group found after an uncertain create: the first attempt took effect');
    return existing;
  };
  return core.retry(async () => {
    if (uncertain) {
      const existing = await madeByUs();
      if (existing) return existing;
    }
    try {
      const response = await core.attempt('POST', core.resolve(GROUPS), { body: groupPostBody(input), expect: 'json' });
      return parseGroup(response.json, where);
    } catch (error) {
      if (uncertain && error instanceof TenantError && error.code === 'TENANT_CONFLICT') {
        const existing = await madeByUs();
        if (existing) return existing;
      }
      if (isUncertain(error)) uncertain = true;
      throw error;
    }
  });
}

export async function createUser(core: TenantCore, input: CreateUserInput): Promise<TenantUser> {
  const where = `tenant ${core.tenant}: POST ${USERS}`;
  let uncertain = false;
  return core.retry(async () => {
    if (uncertain) {
      const existing = await findUserBySubject(core, input.subject);
      if (existing) {
        core.logger.info({ subject: input.subject, id: existing.id }, 'user found after an uncertain create: the first attempt took effect');
        return existing;
      }
    }
    try {
      const response = await core.attempt('POST', core.resolve(USERS), { body: userPostBody(input), expect: 'json' });
      return parseUser(response.json, where);
    } catch (error) {
      if (uncertain && error instanceof TenantError && error.code === 'TENANT_CONFLICT') {
        const existing = await findUserBySubject(core, input.subject);
        if (existing) return existing;
      }
      if (isUncertain(error)) uncertain = true;
      throw error;
    }
  });
}

export async function patchGroup(core: TenantCore, id: string, changes: GroupChanges): Promise<void> {
  const ops = groupPatchOps(changes);
  if (ops.length === 0) return;
  await core.call('PATCH', core.resolve(`${GROUPS}/${encodeURIComponent(id)}`), { body: ops, expect: 'none' });
}

export async function deleteGroup(core: TenantCore, id: string): Promise<void> {
  const url = core.resolve(`${GROUPS}/${encodeURIComponent(id)}`);
  let uncertain = false;
  await core.retry(async () => {
    try {
      await core.attempt('DELETE', url, { expect: 'none' });
    } catch (error) {
      if (uncertain && error instanceof TenantError && error.code === 'TENANT_NOT_FOUND') {
        core.logger.info({ id }, 'group gone after an uncertain delete: the first attempt took effect');
        return;
      }
      if (isUncertain(error)) uncertain = true;
      throw error;
    }
  });
}

const isEmpty = (change: MembershipChange): boolean => change.add.length === 0 && change.remove.length === 0;

export async function patchUserGroups(core: TenantCore, id: string, change: MembershipChange): Promise<void> {
  if (isEmpty(change)) return;
  const url = core.resolve(`${USERS}/${encodeURIComponent(id)}`);
  let pending = change;
  let uncertain = false;
  await core.retry(async () => {
    if (uncertain) {
      pending = remainingChange(pending, await getUser(core, id));
      uncertain = false;
      if (isEmpty(pending)) {
        core.logger.info({ id }, 'membership already as asked after an uncertain patch: the first attempt took effect');
        return;
      }
    }
    let status: number;
    try {
      ({ status } = await core.attempt('PATCH', url, { body: membershipOps(pending), expect: 'none' }));
    } catch (error) {
      if (isUncertain(error)) uncertain = true;
      throw error;
    }
    // Outside the try: the answer came, so a failed re-read here is not an uncertain patch to repeat.
    if (status === 207) await checkPartial(core, id, pending);
  });
}

/**
 * A 207 (partial success): the user is read again, and what did not take effect fails the patch
 * (never retried here: the next run plans it again), so a removal that did not happen is not
 * reported as done and the group it feeds is not deleted.
 */
async function checkPartial(core: TenantCore, id: string, sent: MembershipChange): Promise<void> {
  const left = remainingChange(sent, await getUser(core, id));
  if (isEmpty(left)) {
    core.logger.info({ id }, 'membership patch answered 207, and the user has every change asked for');
    return;
  }
  const what = [...left.add.map((ref) => `add ${ref.id ?? ref.name}`), ...left.remove.map((group) => `remove ${group}`)].join(', ');
  throw new TenantError('APPLY_FAILED', `tenant ${core.tenant}: PATCH ${USERS}/${id} partly applied (207); not done: ${what}`, { status: 207 });
}
