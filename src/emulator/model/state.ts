// The tenant as one JSON document, for `--state FILE` and GET/PUT /__emulator/state: custom roles,
// groups, users with their memberships, settings and the Everyone group's roles. Default roles are
// not exported (every tenant has them). An import is checked completely (ids, references,
// uniqueness, limits) before the tenant is replaced, so a bad document changes nothing. Events and
// the membership log are observations of a run, not tenant state, and are not included.
import { badRequest } from '../http/api-error.ts';
import { isId } from './ids.ts';
import {
  EVERYONE_ID,
  MAX_GROUPS,
  USER_STATUSES,
  type GroupRecord,
  type RoleRecord,
  type UserRecord,
} from './records.ts';
import type { Tenant } from './tenant.ts';
import { asArray, asObject, asString, isValidGroupName, onlyKeys, type Json } from './validate.ts';

export const STATE_FORMAT = 'qlik-group-sync/emulator-state';
export const STATE_VERSION = 1;

export interface TenantState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  tenantId: string;
  exportedAt: string;
  settings: { autoCreateGroups: boolean; syncIdpGroups: boolean };
  everyone: { roleIds: string[] };
  /** Custom roles only; the default roles are built in. */
  roles: RoleRecord[];
  groups: GroupRecord[];
  users: UserRecord[];
}

export function exportState(tenant: Tenant): TenantState {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    tenantId: tenant.tenantId,
    exportedAt: new Date().toISOString(),
    settings: { ...tenant.settings },
    everyone: { roleIds: [...tenant.everyone.roleIds] },
    roles: [...tenant.roles.values()].filter((role) => role.type === 'custom').map((role) => structuredClone(role)),
    groups: [...tenant.groups.values()].map((group) => structuredClone(group)),
    users: [...tenant.users.values()].map((user) => structuredClone(user)),
  };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function iso(value: unknown, at: string): string {
  const text = asString(value, at, 'a timestamp');
  if (!ISO.test(text) || Number.isNaN(Date.parse(text))) throw badRequest('not an ISO-8601 UTC timestamp', at);
  return text;
}

function id(value: unknown, at: string): string {
  if (!isId(value)) throw badRequest('not a 24-hex-character id', at);
  return value;
}

function optional(record: Json, key: string, at: string): string | undefined {
  return record[key] === undefined ? undefined : asString(record[key], `${at}/${key}`, key);
}

function idList(value: unknown, at: string, known: (id: string) => boolean, what: string): string[] {
  const out: string[] = [];
  asArray(value, at, what).forEach((item, index) => {
    const ref = id(item, `${at}/${index}`);
    if (!known(ref)) throw badRequest(`unknown ${what.replace(/s$/, '')} ${ref}`, `${at}/${index}`);
    if (out.includes(ref)) throw badRequest(`${ref} listed twice`, `${at}/${index}`);
    out.push(ref);
  });
  return out;
}

/** Checks a state document and returns its records; throws a 400 naming the first problem. */
export function readState(value: unknown, builtInRoles: ReadonlyMap<string, RoleRecord>): TenantState {
  const doc = asObject(value, '', 'the state');
  onlyKeys(doc, ['format', 'version', 'tenantId', 'exportedAt', 'settings', 'everyone', 'roles', 'groups', 'users'], '');
  if (doc.format !== STATE_FORMAT) throw badRequest(`format must be "${STATE_FORMAT}"`, '/format');
  if (doc.version !== STATE_VERSION) throw badRequest(`version ${JSON.stringify(doc.version)} is not supported (expected ${STATE_VERSION})`, '/version');
  const tenantId = asString(doc.tenantId, '/tenantId', 'tenantId');
  if (!/^[\w.-]{1,64}$/.test(tenantId)) throw badRequest('tenantId must be 1 to 64 letters, digits, "_", "-" or "."', '/tenantId');
  const settingsIn = asObject(doc.settings ?? {}, '/settings', 'settings');
  onlyKeys(settingsIn, ['autoCreateGroups', 'syncIdpGroups'], '/settings');
  const flag = (key: string): boolean => {
    const v = settingsIn[key] ?? true;
    if (typeof v !== 'boolean') throw badRequest(`${key} must be true or false`, `/settings/${key}`);
    return v;
  };
  const settings = { autoCreateGroups: flag('autoCreateGroups'), syncIdpGroups: flag('syncIdpGroups') };

  const taken = new Set<string>([EVERYONE_ID, ...builtInRoles.keys()]);
  const roleNames = new Set([...builtInRoles.values()].map((role) => role.name));
  const roles: RoleRecord[] = asArray(doc.roles ?? [], '/roles', 'roles').map((raw, index) => {
    const at = `/roles/${index}`;
    const r = asObject(raw, at, 'a role');
    onlyKeys(r, ['id', 'name', 'type', 'level', 'description', 'permissions', 'createdAt', 'lastUpdatedAt'], at);
    if (r.level !== 'admin' && r.level !== 'user') throw badRequest('level must be "admin" or "user"', `${at}/level`);
    const role: RoleRecord = {
      id: id(r.id, `${at}/id`),
      name: asString(r.name, `${at}/name`, 'name'),
      type: 'custom',
      level: r.level,
      description: optional(r, 'description', at) ?? '',
      permissions: asArray(r.permissions ?? [], `${at}/permissions`, 'permissions').map((p, i) => asString(p, `${at}/permissions/${i}`, 'a permission')),
      createdAt: iso(r.createdAt, `${at}/createdAt`),
      lastUpdatedAt: iso(r.lastUpdatedAt, `${at}/lastUpdatedAt`),
    };
    if (r.type !== 'custom') throw badRequest('only custom roles are stored in a state (default roles are built in)', `${at}/type`);
    if (taken.has(role.id)) throw badRequest(`id ${role.id} is already used`, `${at}/id`);
    if (roleNames.has(role.name)) throw badRequest(`a role named ${JSON.stringify(role.name)} already exists`, `${at}/name`);
    taken.add(role.id);
    roleNames.add(role.name);
    return role;
  });
  const roleKnown = (ref: string): boolean => builtInRoles.has(ref) || roles.some((role) => role.id === ref);

  const everyoneIn = asObject(doc.everyone ?? {}, '/everyone', 'everyone');
  onlyKeys(everyoneIn, ['roleIds'], '/everyone');
  const everyone = { roleIds: idList(everyoneIn.roleIds ?? [], '/everyone/roleIds', roleKnown, 'roles') };

  const groupsIn = asArray(doc.groups ?? [], '/groups', 'groups');
  if (groupsIn.length > MAX_GROUPS) throw badRequest(`${groupsIn.length} groups; the limit is ${MAX_GROUPS}`, '/groups');
  const names = { idp: new Set<string>(), custom: new Set<string>() };
  const groups: GroupRecord[] = groupsIn.map((raw, index) => {
    const at = `/groups/${index}`;
    const g = asObject(raw, at, 'a group');
    onlyKeys(g, ['id', 'name', 'providerType', 'status', 'description', 'roleIds', 'idpId', 'createdAt', 'lastUpdatedAt', 'createdBy', 'updatedBy'], at);
    const groupId = id(g.id, `${at}/id`);
    if (taken.has(groupId)) throw badRequest(`id ${groupId} is already used`, `${at}/id`);
    taken.add(groupId);
    const name = asString(g.name, `${at}/name`, 'name');
    if (!isValidGroupName(name)) throw badRequest('not a valid group name (1..256 characters, not blank, no control characters)', `${at}/name`);
    if (g.providerType !== 'idp' && g.providerType !== 'custom') throw badRequest('providerType must be "idp" or "custom"', `${at}/providerType`);
    if (names[g.providerType].has(name)) throw badRequest(`two ${g.providerType} groups are named ${JSON.stringify(name)}`, `${at}/name`);
    names[g.providerType].add(name);
    if (g.status !== 'active' && g.status !== 'disabled') throw badRequest('status must be "active" or "disabled"', `${at}/status`);
    const group: GroupRecord = {
      id: groupId,
      name,
      providerType: g.providerType,
      status: g.status,
      roleIds: idList(g.roleIds ?? [], `${at}/roleIds`, roleKnown, 'roles'),
      createdAt: iso(g.createdAt, `${at}/createdAt`),
      lastUpdatedAt: iso(g.lastUpdatedAt, `${at}/lastUpdatedAt`),
    };
    for (const key of ['description', 'idpId', 'createdBy', 'updatedBy'] as const) {
      const text = optional(g, key, at);
      if (text !== undefined) group[key] = text;
    }
    return group;
  });
  const groupIds = new Set(groups.map((group) => group.id));

  const subjects = new Set<string>();
  const emails = new Set<string>();
  const users: UserRecord[] = asArray(doc.users ?? [], '/users', 'users').map((raw, index) => {
    const at = `/users/${index}`;
    const u = asObject(raw, at, 'a user');
    onlyKeys(u, ['id', 'subject', 'name', 'email', 'status', 'roleIds', 'groupIds', 'picture', 'preferredLocale', 'preferredZoneinfo', 'createdAt', 'lastUpdatedAt'], at);
    const userId = id(u.id, `${at}/id`);
    if (taken.has(userId)) throw badRequest(`id ${userId} is already used`, `${at}/id`);
    taken.add(userId);
    const subject = asString(u.subject, `${at}/subject`, 'subject');
    if (subject.trim() === '') throw badRequest('subject must not be blank', `${at}/subject`);
    if (subjects.has(subject.toLowerCase())) throw badRequest(`subject ${JSON.stringify(subject)} is used twice`, `${at}/subject`);
    subjects.add(subject.toLowerCase());
    if (!USER_STATUSES.includes(u.status as UserRecord['status'])) throw badRequest(`status must be one of ${USER_STATUSES.join(', ')}`, `${at}/status`);
    const user: UserRecord = {
      id: userId,
      subject,
      name: asString(u.name, `${at}/name`, 'name'),
      status: u.status as UserRecord['status'],
      roleIds: idList(u.roleIds ?? [], `${at}/roleIds`, roleKnown, 'roles'),
      groupIds: idList(u.groupIds ?? [], `${at}/groupIds`, (ref) => groupIds.has(ref), 'groups'),
      createdAt: iso(u.createdAt, `${at}/createdAt`),
      lastUpdatedAt: iso(u.lastUpdatedAt, `${at}/lastUpdatedAt`),
    };
    const email = optional(u, 'email', at);
    if (email !== undefined) {
      if (emails.has(email.toLowerCase())) throw badRequest(`email ${JSON.stringify(email)} is used twice`, `${at}/email`);
      emails.add(email.toLowerCase());
      user.email = email;
    }
    for (const key of ['picture', 'preferredLocale', 'preferredZoneinfo'] as const) {
      const text = optional(u, key, at);
      if (text !== undefined) user[key] = text;
    }
    return user;
  });

  return { format: STATE_FORMAT, version: STATE_VERSION, tenantId, exportedAt: typeof doc.exportedAt === 'string' ? doc.exportedAt : '', settings, everyone, roles, groups, users };
}

/** Replaces the tenant's contents with a checked state (events and the membership log are cleared). */
export function loadState(tenant: Tenant, state: TenantState): void {
  tenant.reset();
  tenant.tenantId = state.tenantId;
  tenant.settings = { ...state.settings };
  tenant.everyone.roleIds = [...state.everyone.roleIds];
  for (const role of state.roles) tenant.addRole(structuredClone(role));
  for (const group of state.groups) tenant.addGroup(structuredClone(group));
  for (const user of state.users) tenant.addUser(structuredClone(user));
}
