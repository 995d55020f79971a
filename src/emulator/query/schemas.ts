// The filterable attributes of users, groups and roles, with their operators and index lookups.
// Users: QLIK-API.md's `eq` list and `co` on name/email/subject (plus `sw` there: see choices.ts).
// Groups: id, name, status, providerType, createdAt, lastUpdatedAt, assignedRoles.name/.id.
import type { GroupRecord, RoleRecord, UserRecord } from '../model/records.ts';
import type { Tenant } from '../model/tenant.ts';
import { statusGroupedRule, type FilterSchema } from './filter-eval.ts';
import { lowerBound, upperBound, type Entry } from './sorted-view.ts';

const NONE: readonly string[] = [];

function roleNames(tenant: Tenant, roleIds: readonly string[]): string[] {
  return roleIds.map((id) => tenant.roles.get(id)?.name ?? '');
}

/** Ids whose key in the tenant's `name` view equals `lower` (binary search, no scan). */
function byViewKey(views: { view(field: string): { entries(): readonly Entry[] } }, lower: string): string[] {
  const entries = views.view('name').entries();
  const from = lowerBound(entries, { key: lower, id: '' });
  const to = upperBound(entries, { key: lower, id: '\uffff' });
  return entries.slice(from, to).map((entry) => entry.id);
}

export function userFilterSchema(tenant: Tenant): FilterSchema<UserRecord> {
  const one = (id: string | undefined): string[] => (id === undefined ? [] : [id]);
  return {
    resource: 'users',
    check: statusGroupedRule,
    attrs: [
      { name: 'id', kind: 'string', ops: ['eq'], get: (u) => u.id, lookup: (v) => (tenant.users.has(v) ? [v] : []) },
      { name: 'subject', kind: 'string', ops: ['eq', 'co', 'sw'], get: (u) => u.subject, lookup: (v) => one(tenant.userBySubject.get(v)) },
      { name: 'name', kind: 'string', ops: ['eq', 'co', 'sw'], get: (u) => u.name, lookup: (v) => byViewKey(tenant.userViews, v) },
      { name: 'email', kind: 'string', ops: ['eq', 'co', 'sw'], get: (u) => u.email, lookup: (v) => one(tenant.userByEmail.get(v)) },
      { name: 'status', kind: 'string', ops: ['eq'], get: (u) => u.status },
      { name: 'clientId', kind: 'string', ops: ['eq'], get: () => undefined, lookup: () => [] },
      { name: 'assignedScopes', kind: 'string', ops: ['eq'], get: () => NONE, lookup: () => [] },
      { name: 'assignedRoles.id', kind: 'string', ops: ['eq'], get: (u) => u.roleIds },
      { name: 'assignedRoles.name', kind: 'string', ops: ['eq'], get: (u) => roleNames(tenant, u.roleIds) },
      { name: 'assignedGroups.id', kind: 'string', ops: ['eq'], get: (u) => u.groupIds, lookup: (v) => tenant.members.get(v) ?? [] },
      {
        name: 'assignedGroupsAssignedRoles.name',
        kind: 'string',
        ops: ['eq'],
        get: (u) => u.groupIds.flatMap((groupId) => roleNames(tenant, tenant.groups.get(groupId)?.roleIds ?? [])),
      },
    ],
  };
}

export function groupFilterSchema(tenant: Tenant): FilterSchema<GroupRecord> {
  return {
    resource: 'groups',
    attrs: [
      { name: 'id', kind: 'string', ops: ['eq'], get: (g) => g.id, lookup: (v) => (tenant.groups.has(v) ? [v] : []) },
      { name: 'name', kind: 'string', ops: ['eq', 'co', 'sw'], get: (g) => g.name, lookup: (v) => byViewKey(tenant.groupViews, v) },
      { name: 'status', kind: 'string', ops: ['eq'], get: (g) => g.status },
      { name: 'providerType', kind: 'string', ops: ['eq'], get: (g) => g.providerType },
      { name: 'createdAt', kind: 'date', ops: ['eq', 'gt', 'ge', 'lt', 'le'], get: (g) => g.createdAt },
      { name: 'lastUpdatedAt', kind: 'date', ops: ['eq', 'gt', 'ge', 'lt', 'le'], get: (g) => g.lastUpdatedAt },
      { name: 'assignedRoles.name', kind: 'string', ops: ['eq'], get: (g) => roleNames(tenant, g.roleIds) },
      { name: 'assignedRoles.id', kind: 'string', ops: ['eq'], get: (g) => g.roleIds },
    ],
  };
}

export function roleFilterSchema(): FilterSchema<RoleRecord> {
  return {
    resource: 'roles',
    attrs: [
      { name: 'id', kind: 'string', ops: ['eq'], get: (r) => r.id },
      { name: 'name', kind: 'string', ops: ['eq', 'co', 'sw'], get: (r) => r.name },
      { name: 'type', kind: 'string', ops: ['eq'], get: (r) => r.type },
      { name: 'level', kind: 'string', ops: ['eq'], get: (r) => r.level },
    ],
  };
}
