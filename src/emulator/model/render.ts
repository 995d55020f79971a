// Records -> the JSON shapes the API answers with (QLIK-API.md, @qlik/api's groups/users/roles
// types). References are resolved at render time, so names and roles are always current.
import { badParameter } from '../http/api-error.ts';
import type { GroupRecord, RoleRecord, SystemGroupRecord, UserRecord } from './records.ts';
import type { Tenant } from './tenant.ts';

export interface RoleRef {
  id: string;
  name: string;
  type: 'default' | 'custom';
  level: 'admin' | 'user';
}

export function roleRefs(tenant: Tenant, roleIds: readonly string[]): RoleRef[] {
  const out: RoleRef[] = [];
  for (const id of roleIds) {
    const role = tenant.roles.get(id);
    if (role) out.push({ id: role.id, name: role.name, type: role.type, level: role.level });
  }
  return out;
}

export function renderGroup(tenant: Tenant, group: GroupRecord, base: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: group.id,
    tenantId: tenant.tenantId,
    createdAt: group.createdAt,
    lastUpdatedAt: group.lastUpdatedAt,
    name: group.name,
    status: group.status,
    providerType: group.providerType,
  };
  if (group.createdBy !== undefined) out.createdBy = group.createdBy;
  if (group.updatedBy !== undefined) out.updatedBy = group.updatedBy;
  if (group.description !== undefined) out.description = group.description;
  if (group.idpId !== undefined) out.idpId = group.idpId;
  out.assignedRoles = roleRefs(tenant, group.roleIds);
  out.links = { self: { href: `${base}/api/v1/groups/${group.id}` } };
  return out;
}

export function renderSystemGroup(tenant: Tenant, group: SystemGroupRecord, base: string): Record<string, unknown> {
  return {
    id: group.id,
    tenantId: tenant.tenantId,
    createdAt: group.createdAt,
    lastUpdatedAt: group.lastUpdatedAt,
    name: group.name,
    status: group.status,
    assignedRoles: roleRefs(tenant, group.roleIds),
    links: { self: { href: `${base}/api/v1/groups/${group.id}` } },
  };
}

/** The group as event `data` (seeds/group-events.txt): the group without links. */
export function groupEventData(tenant: Tenant, group: GroupRecord): Record<string, unknown> {
  const { links: _links, ...data } = renderGroup(tenant, group, '');
  return data;
}

export const USER_FIELDS = [
  'id', 'tenantId', 'subject', 'name', 'email', 'status', 'assignedRoles', 'assignedGroups', 'groups',
  'picture', 'preferredLocale', 'preferredZoneinfo', 'createdAt', 'lastUpdatedAt', 'links',
] as const;
const USER_FIELD_SET = new Set<string>(USER_FIELDS);

/** Parses `fields=a,b,c` (names as in USER_FIELDS); undefined means every field. */
export function parseUserFields(text: string | undefined): Set<string> | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  if (names.length === 0) throw badParameter('fields', 'fields: list at least one field name');
  for (const name of names) {
    if (!USER_FIELD_SET.has(name)) throw badParameter('fields', `fields: unknown field "${name}" (known: ${USER_FIELDS.join(', ')})`);
  }
  return new Set(names);
}

export function renderUser(tenant: Tenant, user: UserRecord, base: string, fields?: Set<string>): Record<string, unknown> {
  const want = (name: string): boolean => fields === undefined || fields.has(name);
  const out: Record<string, unknown> = {};
  if (want('id')) out.id = user.id;
  if (want('tenantId')) out.tenantId = tenant.tenantId;
  if (want('subject')) out.subject = user.subject;
  if (want('name')) out.name = user.name;
  if (want('email') && user.email !== undefined) out.email = user.email;
  if (want('status')) out.status = user.status;
  if (want('picture') && user.picture !== undefined) out.picture = user.picture;
  if (want('preferredLocale') && user.preferredLocale !== undefined) out.preferredLocale = user.preferredLocale;
  if (want('preferredZoneinfo') && user.preferredZoneinfo !== undefined) out.preferredZoneinfo = user.preferredZoneinfo;
  if (want('assignedRoles')) out.assignedRoles = roleRefs(tenant, user.roleIds);
  if (want('assignedGroups') || want('groups')) {
    const assigned: Record<string, unknown>[] = [];
    const idpNames: string[] = [];
    for (const groupId of user.groupIds) {
      const group = tenant.groups.get(groupId);
      if (!group) continue;
      assigned.push({ id: group.id, name: group.name, providerType: group.providerType, assignedRoles: roleRefs(tenant, group.roleIds) });
      if (group.providerType === 'idp') idpNames.push(group.name);
    }
    if (want('assignedGroups')) out.assignedGroups = assigned;
    if (want('groups')) out.groups = idpNames;
  }
  if (want('createdAt')) out.createdAt = user.createdAt;
  if (want('lastUpdatedAt')) out.lastUpdatedAt = user.lastUpdatedAt;
  if (want('links')) out.links = { self: { href: `${base}/api/v1/users/${user.id}` } };
  return out;
}

/** The user as event `data`. */
export function userEventData(tenant: Tenant, user: UserRecord): Record<string, unknown> {
  return renderUser(tenant, user, '', new Set(['id', 'tenantId', 'subject', 'name', 'email', 'status', 'createdAt', 'lastUpdatedAt']));
}

export function renderRole(tenant: Tenant, role: RoleRecord, base: string): Record<string, unknown> {
  return {
    id: role.id,
    tenantId: role.type === 'default' ? '' : tenant.tenantId,
    name: role.name,
    description: role.description,
    type: role.type,
    level: role.level,
    permissions: [...role.permissions],
    assignedScopes: [],
    canDelete: role.type === 'custom',
    canEdit: role.type === 'custom',
    createdAt: role.createdAt,
    lastUpdatedAt: role.lastUpdatedAt,
    links: { self: { href: `${base}/api/v1/roles/${role.id}` } },
  };
}
