// Request-body checks shared by the operations: shapes, names, role references. Each failure is a
// 400 whose `source.pointer` names the offending part of the body, so a client bug is found from
// the answer alone. Nothing here changes the tenant.
import { badRequest } from '../http/api-error.ts';
import { MAX_GROUP_NAME, MAX_ROLES_PER_ENTITY } from './records.ts';
import type { Tenant } from './tenant.ts';

export type Json = Record<string, unknown>;

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function asObject(value: unknown, at: string, what = 'the body'): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`${what} must be a JSON object, not ${typeName(value)}`, at);
  }
  return value as Json;
}

export function asArray(value: unknown, at: string, what = 'the body'): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${what} must be a JSON array, not ${typeName(value)}`, at);
  return value;
}

/** Refuses properties the contract does not list (a misspelt field must not pass silently). */
export function onlyKeys(object: Json, allowed: readonly string[], at: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw badRequest(`unknown property "${key}" (allowed: ${allowed.join(', ')})`, `${at}/${escapePointer(key)}`);
    }
  }
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function asString(value: unknown, at: string, what: string): string {
  if (typeof value !== 'string') throw badRequest(`${what} must be a string, not ${typeName(value)}`, at);
  return value;
}

export function optionalString(value: unknown, at: string, what: string, max = 4096): string | undefined {
  if (value === undefined) return undefined;
  const text = asString(value, at, what);
  if (text.length > max) throw badRequest(`${what} is longer than ${max} characters`, at);
  return text;
}

// Control characters (C0, DEL, C1) have no place in a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A group name: 1..256 characters (code points), not blank, no control characters. */
export function groupName(value: unknown, at: string): string {
  const name = asString(value, at, 'name');
  const length = [...name].length;
  if (name.trim().length === 0) throw badRequest('name must not be empty or blank', at);
  if (length > MAX_GROUP_NAME) throw badRequest(`name is ${length} characters long; the limit is ${MAX_GROUP_NAME}`, at);
  if (CONTROL.test(name)) throw badRequest('name must not contain control characters', at);
  return name;
}

export function isValidGroupName(name: string): boolean {
  return name.trim().length > 0 && [...name].length <= MAX_GROUP_NAME && !CONTROL.test(name);
}

/**
 * `[{id}|{name}]` -> role ids, in order, without repeats. Names are case-sensitive; an unknown id
 * or name is a 400. `type` and `level` (as a GET returns them) are accepted and ignored.
 */
export function resolveRoles(tenant: Tenant, value: unknown, at: string): string[] {
  const refs = asArray(value, at, 'assignedRoles');
  if (refs.length > MAX_ROLES_PER_ENTITY) throw badRequest(`assignedRoles has ${refs.length} entries; the limit is ${MAX_ROLES_PER_ENTITY}`, at);
  const ids: string[] = [];
  refs.forEach((raw, index) => {
    const where = `${at}/${index}`;
    const ref = asObject(raw, where, 'a role reference');
    onlyKeys(ref, ['id', 'name', 'type', 'level'], where);
    let id: string | undefined;
    if (ref.id !== undefined) {
      const wanted = asString(ref.id, `${where}/id`, 'role id');
      if (!tenant.roles.has(wanted)) throw badRequest(`unknown role id "${wanted}"`, `${where}/id`);
      id = wanted;
    }
    if (ref.name !== undefined) {
      const name = asString(ref.name, `${where}/name`, 'role name');
      const byName = tenant.roleByName.get(name);
      if (byName === undefined) throw badRequest(`unknown role "${name}" (role names are case-sensitive)`, `${where}/name`);
      if (id !== undefined && id !== byName) throw badRequest(`role id "${id}" and name "${name}" name different roles`, where);
      id = byName;
    }
    if (id === undefined) throw badRequest('a role reference needs "id" or "name"', where);
    if (!ids.includes(id)) ids.push(id);
  });
  return ids;
}

/** `/name` and `name` both mean the property `name` (QLIK-API.md: accept either). */
export function patchPath(value: unknown, at: string): string {
  const path = asString(value, at, 'path');
  return path.startsWith('/') ? path.slice(1) : path;
}
