// Checks the tenant's JSON before anything is built from it and turns it into the snapshot's
// types. A malformed item is an error naming where it was and which field is wrong, never an item
// silently dropped: a snapshot missing a user would plan that user's memberships away.
import { TenantError } from '../errors.ts';
import type { AssignedGroup, RoleRef, TenantGroup, TenantRole, TenantUser } from './snapshot.ts';

/** Where an item came from: `tenant acme: GET /api/v1/users item 1234`. */
export type Where = string;

type Json = Record<string, unknown>;

function fail(where: Where, field: string, problem: string): never {
  throw new TenantError('TENANT_PROTOCOL', `${where}: ${field} ${problem}`);
}

function object(value: unknown, where: Where, field: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, field, 'is not an object');
  return value as Json;
}

function string(o: Json, key: string, where: Where, prefix = ''): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) fail(where, prefix + key, v === undefined ? 'is missing' : 'is not a non-empty string');
  return v;
}

function optionalString(o: Json, key: string, where: Where, prefix = ''): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(where, prefix + key, 'is not a string');
  return v;
}

function oneOf<T extends string>(o: Json, key: string, allowed: readonly T[], where: Where, prefix = '', fallback?: T): T {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(where, prefix + key, `is ${JSON.stringify(v) ?? 'missing'}, expected one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function array(o: Json, key: string, where: Where): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(where, key, 'is not an array');
  return v;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function roleRefs(o: Json, where: Where): RoleRef[] {
  return array(o, 'assignedRoles', where)
    .map((value, i) => {
      const r = object(value, where, `assignedRoles[${i}]`);
      return { id: string(r, 'id', where, `assignedRoles[${i}].`), name: string(r, 'name', where, `assignedRoles[${i}].`) };
    })
    .sort(byName);
}

export function parseGroup(value: unknown, where: Where): TenantGroup {
  const o = object(value, where, 'group');
  const description = optionalString(o, 'description', where);
  return {
    id: string(o, 'id', where),
    name: string(o, 'name', where),
    // Absent on some older IdP groups: a group without the field was made by an IdP login.
    providerType: oneOf(o, 'providerType', ['idp', 'custom'] as const, where, '', 'idp'),
    status: oneOf(o, 'status', ['active', 'disabled'] as const, where),
    ...(description !== undefined ? { description } : {}),
    assignedRoles: roleRefs(o, where),
  };
}

export function parseRole(value: unknown, where: Where): TenantRole {
  const o = object(value, where, 'role');
  return {
    id: string(o, 'id', where),
    name: string(o, 'name', where),
    type: oneOf(o, 'type', ['default', 'custom'] as const, where),
    level: oneOf(o, 'level', ['admin', 'user'] as const, where),
  };
}

const USER_STATUSES = ['active', 'invited', 'disabled', 'deleted', 'provisioned'] as const;

/**
 * The tenant's groups as assignments (id, name, provider type), for parseUser: an assigned group
 * that matches one of them in all three is that one object. A large tenant lists a million
 * assignments of some thousand groups; shared, they cost one object and one id string per group
 * (not per assignment), and the planner's lookups by id find strings already hashed.
 */
export function assignmentsOf(groups: readonly TenantGroup[]): Map<string, AssignedGroup> {
  return new Map(groups.map((g) => [g.id, { id: g.id, name: g.name, providerType: g.providerType }]));
}

/**
 * `known` (assignmentsOf the tenant's groups) resolves an assigned group's provider type when the
 * item leaves it out (it is optional in the API); a group neither labelled nor known is an error.
 * An assignment equal to a known one is that object (assignments are never changed in place).
 */
export function parseUser(value: unknown, where: Where, known?: ReadonlyMap<string, AssignedGroup>): TenantUser {
  const o = object(value, where, 'user');
  const name = optionalString(o, 'name', where);
  const email = optionalString(o, 'email', where);
  const assignedGroups: AssignedGroup[] = array(o, 'assignedGroups', where)
    .map((item, i): AssignedGroup => {
      const g = object(item, where, `assignedGroups[${i}]`);
      const id = string(g, 'id', where, `assignedGroups[${i}].`);
      const group = known?.get(id);
      let providerType: 'idp' | 'custom' | undefined =
        g.providerType === undefined ? group?.providerType : oneOf(g, 'providerType', ['idp', 'custom'] as const, where, `assignedGroups[${i}].`);
      if (providerType === undefined) {
        if (known) fail(where, `assignedGroups[${i}].providerType`, `is missing and group ${id} is not among the tenant's groups (changed during the read? run again)`);
        providerType = 'idp';
      }
      const groupName = string(g, 'name', where, `assignedGroups[${i}].`);
      if (group !== undefined && group.name === groupName && group.providerType === providerType) return group;
      return { id, name: groupName, providerType };
    })
    .sort(byId);
  return {
    id: string(o, 'id', where),
    subject: string(o, 'subject', where),
    ...(name !== undefined ? { name } : {}),
    ...(email !== undefined ? { email } : {}),
    status: oneOf(o, 'status', USER_STATUSES, where),
    assignedGroups,
  };
}
