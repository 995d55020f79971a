// A simulated identity-provider login, as Qlik Cloud processes one: the user is created (or
// activated) from the claims, IdP groups named in the claims are created on the fly, and the user's
// IdP memberships become exactly the claimed groups. Custom-group memberships are not touched.
// As documented, a claimed group whose name is too long, or that would exceed the 10,000-group
// limit, is ignored and the login still succeeds.
import { ApiError, badRequest } from '../http/api-error.ts';
import { isoNow } from './ids.ts';
import { EMULATED_IDP_ID, MAX_GROUPS, type GroupRecord, type UserRecord } from './records.ts';
import { groupEventData } from './render.ts';
import type { Tenant } from './tenant.ts';
import { checkUnique, insertUser, validEmail } from './user-ops.ts';
import { asArray, asObject, asString, isValidGroupName, onlyKeys } from './validate.ts';

export interface LoginResult {
  user: UserRecord;
  /** Claimed group names that were ignored (too long, blank, or over the group limit). */
  ignoredGroups: string[];
}

export function login(tenant: Tenant, body: unknown, actorId: string): LoginResult {
  const claims = asObject(body, '');
  onlyKeys(claims, ['subject', 'name', 'email', 'groups'], '');
  if (claims.subject === undefined) throw badRequest('subject is required', '/subject');
  const subject = asString(claims.subject, '/subject', 'subject');
  if (subject.trim().length === 0) throw badRequest('subject must not be blank', '/subject');
  const name = claims.name === undefined ? undefined : asString(claims.name, '/name', 'name');
  const email = claims.email === undefined ? undefined : validEmail(claims.email, '/email');
  const groupNames: string[] = [];
  if (claims.groups !== undefined) {
    asArray(claims.groups, '/groups', 'groups').forEach((value, index) => {
      const groupName = asString(value, `/groups/${index}`, 'a group name');
      if (!groupNames.includes(groupName)) groupNames.push(groupName);
    });
  }

  const existingId = tenant.userBySubject.get(subject.toLowerCase());
  let user = existingId === undefined ? undefined : tenant.users.get(existingId);
  if (user?.status === 'disabled') throw new ApiError(403, `user ${JSON.stringify(subject)} is disabled and cannot log in`);
  checkUnique(tenant, undefined, email, user?.id);

  if (!user) {
    const input: Parameters<typeof insertUser>[1] = { subject, status: 'active' };
    if (name !== undefined && name.trim() !== '') input.name = name;
    if (email !== undefined) input.email = email;
    user = insertUser(tenant, input, actorId);
  } else {
    const target = user;
    const changes = target.status !== 'active' || (name !== undefined && name.trim() !== '' && name !== target.name) || (email !== undefined && email !== target.email);
    if (changes) {
      tenant.changeUser(target, (u) => {
        u.status = 'active';
        if (name !== undefined && name.trim() !== '') u.name = name;
        if (email !== undefined) u.email = email;
        u.lastUpdatedAt = isoNow();
      });
    }
  }

  // The claimed IdP groups, created when missing (unless invalid or over the limit: ignored).
  const ignoredGroups: string[] = [];
  const claimed: GroupRecord[] = [];
  for (const groupName of groupNames) {
    const id = tenant.idpByName.get(groupName);
    let group = id === undefined ? undefined : tenant.groups.get(id);
    if (!group) {
      if (!isValidGroupName(groupName) || tenant.groupCount() >= MAX_GROUPS) {
        ignoredGroups.push(groupName);
        continue;
      }
      const now = isoNow();
      group = { id: tenant.newId(), name: groupName, providerType: 'idp', status: 'active', roleIds: [], idpId: EMULATED_IDP_ID, createdAt: now, lastUpdatedAt: now, createdBy: user.id, updatedBy: user.id };
      tenant.addGroup(group);
      tenant.events.emit('com.qlik.v1.group.created', user.id, tenant.tenantId, groupEventData(tenant, group));
    }
    claimed.push(group);
  }

  const claimedIds = new Set(claimed.map((group) => group.id));
  const changed: GroupRecord[] = [];
  for (const groupId of [...user.groupIds]) {
    const group = tenant.groups.get(groupId);
    if (group?.providerType === 'idp' && !claimedIds.has(groupId)) {
      tenant.removeMembership(user, group, user.id, 'login');
      changed.push(group);
    }
  }
  for (const group of claimed) {
    if (!user.groupIds.includes(group.id)) {
      tenant.addMembership(user, group, user.id, 'login');
      changed.push(group);
    }
  }
  if (changed.length > 0) {
    const target = user;
    tenant.changeUser(target, (u) => {
      u.lastUpdatedAt = isoNow();
    });
    for (const group of changed) {
      tenant.events.emit('com.qlik.v1.group.users.modified', user.id, tenant.tenantId, { ...groupEventData(tenant, group), deleted: false, affectedUsers: [user.id], fullyProcessed: true });
    }
  }
  return { user, ignoredGroups };
}
