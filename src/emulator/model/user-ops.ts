// User operations with the documented rules: subject required, subject and email unique (409;
// emails across all statuses); no assignedGroups on create; PATCH membership with `add`
// `/assignedGroups/-` (a group id, `{id}` or `{name, providerType:"custom"}`), `remove-value`
// `/assignedGroups` (an id) and `replace` `/assignedGroups`. Custom groups only: touching an IdP
// membership, adding a group the user already has, or any other failing op rejects the whole
// array with 400 and changes nothing (all ops are applied to a draft first).
import { badRequest, conflict, userNotFound } from '../http/api-error.ts';
import { isoNow } from './ids.ts';
import { EVERYONE_ID, type GroupRecord, type UserRecord, type UserStatus } from './records.ts';
import { groupEventData, userEventData } from './render.ts';
import type { Tenant } from './tenant.ts';
import { asArray, asObject, asString, onlyKeys, optionalString, patchPath, resolveRoles, typeName, type Json } from './validate.ts';

const MAX_TEXT = 1024;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

export function findUser(tenant: Tenant, id: string): UserRecord {
  const user = tenant.users.get(id);
  if (!user) throw userNotFound(id);
  return user;
}

function text(value: unknown, at: string, what: string): string {
  const out = asString(value, at, what);
  if (out.trim().length === 0) throw badRequest(`${what} must not be empty or blank`, at);
  if (out.length > MAX_TEXT) throw badRequest(`${what} is longer than ${MAX_TEXT} characters`, at);
  if (CONTROL.test(out)) throw badRequest(`${what} must not contain control characters`, at);
  return out;
}

export function validEmail(value: unknown, at: string): string {
  const email = text(value, at, 'email');
  if (!EMAIL.test(email) || email.length > 320) throw badRequest(`email ${JSON.stringify(email)} is not an email address`, at);
  return email;
}

/** Refuses a subject or email another user already has (both compared case-insensitively). */
export function checkUnique(tenant: Tenant, subject: string | undefined, email: string | undefined, self?: string): void {
  const bySubject = subject === undefined ? undefined : tenant.userBySubject.get(subject.toLowerCase());
  if (bySubject !== undefined && bySubject !== self) throw conflict(`a user with subject ${JSON.stringify(subject)} already exists`, '/subject');
  const byEmail = email === undefined ? undefined : tenant.userByEmail.get(email.toLowerCase());
  if (byEmail !== undefined && byEmail !== self) throw conflict(`a user with email ${JSON.stringify(email)} already exists`, '/email');
}

export interface NewUser {
  subject: string;
  name?: string;
  email?: string;
  status?: UserStatus;
  roleIds?: string[];
  picture?: string;
}

/** Adds a validated, unique user (also used by simulated logins). */
export function insertUser(tenant: Tenant, input: NewUser, actorId: string): UserRecord {
  const now = isoNow();
  const user: UserRecord = {
    id: tenant.newId(),
    subject: input.subject,
    name: input.name ?? input.email ?? input.subject,
    status: input.status ?? 'active',
    roleIds: input.roleIds ?? [],
    groupIds: [],
    createdAt: now,
    lastUpdatedAt: now,
  };
  if (input.email !== undefined) user.email = input.email;
  if (input.picture !== undefined) user.picture = input.picture;
  tenant.addUser(user);
  tenant.events.emit('com.qlik.v1.user.created', actorId, tenant.tenantId, userEventData(tenant, user));
  return user;
}

export function createUser(tenant: Tenant, body: unknown, actorId: string): UserRecord {
  const input = asObject(body, '');
  if ('assignedGroups' in input) throw badRequest('assignedGroups cannot be set when creating a user: PATCH the user afterwards', '/assignedGroups');
  onlyKeys(input, ['subject', 'email', 'name', 'status', 'tenantId', 'assignedRoles', 'picture'], '');
  if (input.subject === undefined) throw badRequest('subject is required', '/subject');
  const subject = text(input.subject, '/subject', 'subject');
  const email = input.email === undefined ? undefined : validEmail(input.email, '/email');
  const name = input.name === undefined ? undefined : text(input.name, '/name', 'name');
  if (input.status !== undefined && input.status !== 'invited') throw badRequest('status may only be "invited" when creating a user', '/status');
  if (input.tenantId !== undefined && input.tenantId !== tenant.tenantId) throw badRequest(`tenantId ${JSON.stringify(input.tenantId)} is not this tenant`, '/tenantId');
  const roleIds = input.assignedRoles === undefined ? [] : resolveRoles(tenant, input.assignedRoles, '/assignedRoles');
  const picture = optionalString(input.picture, '/picture', 'picture');
  checkUnique(tenant, subject, email);
  const user: NewUser = { subject, roleIds };
  if (email !== undefined) user.email = email;
  if (name !== undefined) user.name = name;
  if (input.status === 'invited') user.status = 'invited';
  if (picture !== undefined) user.picture = picture;
  return insertUser(tenant, user, actorId);
}

/** A custom group named by a PATCH value: an id, `{id}`, or `{name, providerType:"custom"}`. */
function customGroupRef(tenant: Tenant, value: unknown, at: string, allowObjects: boolean): GroupRecord {
  let group: GroupRecord | undefined;
  if (typeof value === 'string') {
    if (value === EVERYONE_ID) throw badRequest('the Everyone group is a system group: its membership cannot be changed', at);
    group = tenant.groups.get(value);
    if (!group) throw badRequest(`group ${JSON.stringify(value)} does not exist`, at);
  } else if (allowObjects && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const ref = value as Json;
    onlyKeys(ref, ['id', 'name', 'providerType'], at);
    if (ref.id !== undefined) {
      if (ref.id === EVERYONE_ID) throw badRequest('the Everyone group is a system group: its membership cannot be changed', `${at}/id`);
      group = tenant.groups.get(asString(ref.id, `${at}/id`, 'id'));
      if (!group) throw badRequest(`group ${JSON.stringify(ref.id)} does not exist`, `${at}/id`);
    } else if (ref.name !== undefined) {
      const name = asString(ref.name, `${at}/name`, 'name');
      if (ref.providerType === 'idp') throw badRequest('IdP group memberships come from the identity provider and cannot be changed here', `${at}/providerType`);
      if (ref.providerType !== 'custom') throw badRequest('a group named in a PATCH needs providerType "custom"', `${at}/providerType`);
      const id = tenant.customByName.get(name);
      group = id === undefined ? undefined : tenant.groups.get(id);
      if (!group) throw badRequest(`no custom group is named ${JSON.stringify(name)} (names are case-sensitive)`, `${at}/name`);
    } else {
      throw badRequest('a group reference needs "id" or "name"', at);
    }
  } else {
    throw badRequest(`a group reference must be a group id${allowObjects ? ' or an object' : ' string'}, not ${typeName(value)}`, at);
  }
  if (group.providerType !== 'custom') {
    throw badRequest(`group ${JSON.stringify(group.name)} is an IdP group: its memberships come from the identity provider and cannot be changed here`, at);
  }
  return group;
}

interface UserDraft {
  groupIds: string[];
  name: string;
  roleIds: string[];
  status: UserStatus;
  preferredLocale: string | undefined;
  preferredZoneinfo: string | undefined;
}

function applyOp(tenant: Tenant, draft: UserDraft, raw: unknown, at: string): void {
  const op = asObject(raw, at, 'an operation');
  onlyKeys(op, ['op', 'path', 'value'], at);
  const name = op.op;
  if (typeof name !== 'string') throw badRequest('op must be a string', `${at}/op`);
  if (op.path === undefined) throw badRequest('path is required', `${at}/path`);
  const path = patchPath(op.path, `${at}/path`);
  if (!('value' in op)) throw badRequest('value is required', `${at}/value`);
  const value = op.value;
  const where = `${at}/value`;

  if (name === 'add' && path === 'assignedGroups/-') {
    const group = customGroupRef(tenant, value, where, true);
    if (draft.groupIds.includes(group.id)) {
      throw badRequest(`the user is already a member of custom group ${JSON.stringify(group.name)}; nothing in this PATCH was applied`, where);
    }
    draft.groupIds.push(group.id);
    return;
  }
  if (name === 'remove-value' && path === 'assignedGroups') {
    const group = customGroupRef(tenant, value, where, false);
    const index = draft.groupIds.indexOf(group.id);
    if (index < 0) throw badRequest(`the user is not a member of custom group ${JSON.stringify(group.name)}; nothing in this PATCH was applied`, where);
    draft.groupIds.splice(index, 1);
    return;
  }
  if (name === 'replace' && path === 'assignedGroups') {
    const refs = asArray(value, where, 'value');
    const idpGroups = draft.groupIds.filter((id) => tenant.groups.get(id)?.providerType === 'idp');
    if (idpGroups.length > 0) {
      throw badRequest(`the user has ${idpGroups.length} IdP group membership${idpGroups.length === 1 ? '' : 's'}, which a replace would remove; use add and remove-value`, at);
    }
    const next: string[] = [];
    refs.forEach((ref, index) => {
      const group = customGroupRef(tenant, ref, `${where}/${index}`, true);
      if (next.includes(group.id)) throw badRequest(`custom group ${JSON.stringify(group.name)} is listed twice`, `${where}/${index}`);
      next.push(group.id);
    });
    draft.groupIds = next;
    return;
  }
  if (name !== 'replace') throw badRequest(`unsupported op ${JSON.stringify(name)} on path ${JSON.stringify(op.path)}`, `${at}/op`);
  switch (path) {
    case 'name':
      draft.name = text(value, where, 'name');
      return;
    case 'assignedRoles':
      draft.roleIds = resolveRoles(tenant, value, where);
      return;
    case 'status':
      if (value !== 'active' && value !== 'disabled') throw badRequest('status can be replaced with "active" or "disabled"', where);
      draft.status = value;
      return;
    case 'preferredLocale':
      draft.preferredLocale = text(value, where, 'preferredLocale');
      return;
    case 'preferredZoneinfo':
      draft.preferredZoneinfo = text(value, where, 'preferredZoneinfo');
      return;
    default:
      throw badRequest(`unsupported path ${JSON.stringify(op.path)} for replace`, `${at}/path`);
  }
}

export function patchUser(tenant: Tenant, id: string, body: unknown, actorId: string): UserRecord {
  const user = findUser(tenant, id);
  const ops = asArray(body, '', 'a user PATCH body');
  if (ops.length === 0) throw badRequest('the PATCH body has no operations');
  const draft: UserDraft = {
    groupIds: [...user.groupIds],
    name: user.name,
    roleIds: [...user.roleIds],
    status: user.status,
    preferredLocale: user.preferredLocale,
    preferredZoneinfo: user.preferredZoneinfo,
  };
  ops.forEach((op, index) => applyOp(tenant, draft, op, `/${index}`));

  // Every op is valid: apply the net change.
  const before = new Set(user.groupIds);
  const after = new Set(draft.groupIds);
  const removed = user.groupIds.filter((groupId) => !after.has(groupId)).map((groupId) => tenant.groups.get(groupId)!);
  const added = draft.groupIds.filter((groupId) => !before.has(groupId)).map((groupId) => tenant.groups.get(groupId)!);
  const fieldsChanged =
    draft.name !== user.name ||
    draft.status !== user.status ||
    draft.roleIds.join(',') !== user.roleIds.join(',') ||
    draft.preferredLocale !== user.preferredLocale ||
    draft.preferredZoneinfo !== user.preferredZoneinfo;
  if (removed.length === 0 && added.length === 0 && !fieldsChanged) return user;

  for (const group of removed) tenant.removeMembership(user, group, actorId, 'patch');
  for (const group of added) tenant.addMembership(user, group, actorId, 'patch');
  tenant.changeUser(user, (u) => {
    u.name = draft.name;
    u.status = draft.status;
    u.roleIds = draft.roleIds;
    if (draft.preferredLocale !== undefined) u.preferredLocale = draft.preferredLocale;
    if (draft.preferredZoneinfo !== undefined) u.preferredZoneinfo = draft.preferredZoneinfo;
    u.groupIds = draft.groupIds.slice();
    u.lastUpdatedAt = isoNow();
  });
  for (const group of [...removed, ...added]) {
    tenant.events.emit('com.qlik.v1.group.users.modified', actorId, tenant.tenantId, {
      ...groupEventData(tenant, group),
      deleted: false,
      affectedUsers: [user.id],
      fullyProcessed: true,
    });
  }
  return user;
}

export function deleteUser(tenant: Tenant, id: string, actorId: string): void {
  const user = findUser(tenant, id);
  const data = userEventData(tenant, user);
  const left = tenant.removeUser(user, actorId);
  tenant.events.emit('com.qlik.v1.user.deleted', actorId, tenant.tenantId, data);
  for (const group of left) {
    tenant.events.emit('com.qlik.v1.group.users.modified', actorId, tenant.tenantId, { ...groupEventData(tenant, group), deleted: false, affectedUsers: [user.id], fullyProcessed: true });
  }
}

