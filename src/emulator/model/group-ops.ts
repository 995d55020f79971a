// Group operations with the documented rules: providerType defaults to idp; names are unique per
// provider type and case-sensitive (a custom group may share its name with an IdP group); at most
// 10,000 groups; roles by id or case-sensitive name; PATCH replaces assignedRoles / name /
// description (the last two on custom groups only); a custom group with members cannot be deleted.
// Every check runs before the first change, so a refused request changes nothing.
import { ApiError, badRequest, conflict, groupNotFound } from '../http/api-error.ts';
import { isoNow } from './ids.ts';
import { EMULATED_IDP_ID, EVERYONE_ID, MAX_GROUPS, type GroupRecord, type ProviderType } from './records.ts';
import { groupEventData } from './render.ts';
import type { Tenant } from './tenant.ts';
import { asArray, asObject, asString, groupName, onlyKeys, optionalString, patchPath, resolveRoles } from './validate.ts';

export const MAX_DESCRIPTION = 4096;
/** affectedUsers per group.users.modified event when a group with many members is deleted. */
export const AFFECTED_USERS_PER_EVENT = 1000;

export function findGroup(tenant: Tenant, id: string): GroupRecord {
  const group = tenant.groups.get(id);
  if (!group) throw groupNotFound(id);
  return group;
}

function systemGroupRefused(what: string): ApiError {
  return badRequest(`${what}: system groups are managed by Qlik and cannot be changed or deleted`);
}

export function createGroup(tenant: Tenant, body: unknown, actorId: string): GroupRecord {
  const input = asObject(body, '');
  onlyKeys(input, ['name', 'status', 'providerType', 'description', 'assignedRoles'], '');
  if (input.name === undefined) throw badRequest('name is required', '/name');
  const name = groupName(input.name, '/name');
  if (input.status !== undefined && input.status !== 'active') throw badRequest('status must be "active" when creating a group', '/status');
  if (input.providerType !== undefined && input.providerType !== 'idp' && input.providerType !== 'custom') {
    throw badRequest('providerType must be "idp" or "custom"', '/providerType');
  }
  const providerType: ProviderType = (input.providerType as ProviderType | undefined) ?? 'idp';
  const description = optionalString(input.description, '/description', 'description', MAX_DESCRIPTION);
  const roleIds = input.assignedRoles === undefined ? [] : resolveRoles(tenant, input.assignedRoles, '/assignedRoles');
  if (tenant.groupCount() >= MAX_GROUPS) {
    throw badRequest(`the tenant already has ${MAX_GROUPS} groups, the most it may have; delete groups before creating more`);
  }
  const byName = providerType === 'custom' ? tenant.customByName : tenant.idpByName;
  if (byName.has(name)) throw conflict(`a ${providerType} group named ${JSON.stringify(name)} already exists`, '/name');

  const now = isoNow();
  const group: GroupRecord = { id: tenant.newId(), name, providerType, status: 'active', roleIds, createdAt: now, lastUpdatedAt: now, createdBy: actorId, updatedBy: actorId };
  if (description !== undefined) group.description = description;
  if (providerType === 'idp') group.idpId = EMULATED_IDP_ID;
  tenant.addGroup(group);
  tenant.events.emit('com.qlik.v1.group.created', actorId, tenant.tenantId, groupEventData(tenant, group));
  return group;
}

interface GroupDraft {
  name: string;
  description: string | undefined;
  roleIds: string[];
}

export function patchGroup(tenant: Tenant, id: string, body: unknown, actorId: string): GroupRecord {
  if (id === EVERYONE_ID) throw systemGroupRefused('PATCH');
  const group = findGroup(tenant, id);
  const ops = asArray(body, '', 'a group PATCH body');
  if (ops.length === 0) throw badRequest('the PATCH body has no operations');
  const draft: GroupDraft = { name: group.name, description: group.description, roleIds: [...group.roleIds] };
  ops.forEach((raw, index) => {
    const at = `/${index}`;
    const op = asObject(raw, at, 'an operation');
    onlyKeys(op, ['op', 'path', 'value'], at);
    if (op.op !== 'replace') throw badRequest(`unsupported op ${JSON.stringify(op.op)}: groups take only "replace"`, `${at}/op`);
    if (op.path === undefined) throw badRequest('path is required', `${at}/path`);
    const path = patchPath(op.path, `${at}/path`);
    if (!('value' in op)) throw badRequest('value is required', `${at}/value`);
    switch (path) {
      case 'assignedRoles':
        draft.roleIds = resolveRoles(tenant, op.value, `${at}/value`);
        break;
      case 'name':
      case 'description':
        if (group.providerType !== 'custom') throw badRequest(`${path} can be changed only on custom groups; this is an IdP group`, `${at}/path`);
        if (path === 'name') draft.name = groupName(op.value, `${at}/value`);
        else draft.description = asString(op.value, `${at}/value`, 'description');
        if (path === 'description' && (draft.description ?? '').length > MAX_DESCRIPTION) throw badRequest(`description is longer than ${MAX_DESCRIPTION} characters`, `${at}/value`);
        break;
      default:
        throw badRequest(`unsupported path ${JSON.stringify(op.path)} (use /assignedRoles, /name or /description)`, `${at}/path`);
    }
  });
  if (draft.name !== group.name) {
    const holder = tenant.customByName.get(draft.name);
    if (holder !== undefined && holder !== group.id) throw conflict(`a custom group named ${JSON.stringify(draft.name)} already exists`);
  }

  const updates: { path: string; oldValue: string; newValue: string }[] = [];
  if (draft.name !== group.name) updates.push({ path: '/name', oldValue: group.name, newValue: draft.name });
  if (draft.description !== group.description) updates.push({ path: '/description', oldValue: group.description ?? '', newValue: draft.description ?? '' });
  const roleNames = (ids: string[]): string => JSON.stringify(ids.map((roleId) => tenant.roles.get(roleId)?.name ?? roleId));
  if (draft.roleIds.join(',') !== group.roleIds.join(',')) updates.push({ path: '/assignedRoles', oldValue: roleNames(group.roleIds), newValue: roleNames(draft.roleIds) });
  if (updates.length === 0) return group;

  tenant.changeGroup(group, (g) => {
    g.name = draft.name;
    if (draft.description === undefined) delete g.description;
    else g.description = draft.description;
    g.roleIds = draft.roleIds;
    g.lastUpdatedAt = isoNow();
    g.updatedBy = actorId;
  });
  tenant.events.emit('com.qlik.v1.group.updated', actorId, tenant.tenantId, { ...groupEventData(tenant, group), updates });
  return group;
}

export function deleteGroup(tenant: Tenant, id: string, actorId: string): void {
  if (id === EVERYONE_ID) throw systemGroupRefused('DELETE');
  const group = findGroup(tenant, id);
  const memberCount = tenant.members.get(group.id)?.size ?? 0;
  if (group.providerType === 'custom' && memberCount > 0) {
    throw badRequest(`custom group ${JSON.stringify(group.name)} still has ${memberCount} member${memberCount === 1 ? '' : 's'}; remove them before deleting it`);
  }
  const data = groupEventData(tenant, group);
  const formerMembers = tenant.removeGroup(group, actorId, 'group-deleted');
  tenant.events.emit('com.qlik.v1.group.deleted', actorId, tenant.tenantId, data);
  for (let start = 0; start < formerMembers.length; start += AFFECTED_USERS_PER_EVENT) {
    const affectedUsers = formerMembers.slice(start, start + AFFECTED_USERS_PER_EVENT);
    const fullyProcessed = start + AFFECTED_USERS_PER_EVENT >= formerMembers.length;
    tenant.events.emit('com.qlik.v1.group.users.modified', actorId, tenant.tenantId, { ...data, deleted: true, affectedUsers, fullyProcessed });
  }
}
