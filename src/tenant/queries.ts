// Reads of groups, users and roles beyond the full snapshot: listings with a query (async
// iteration over every page), single objects by id, and the look-ups by name and subject that the
// write paths use to find out whether an uncertain attempt took effect.
import type { TenantCore } from './core.ts';
import { items } from './paging.ts';
import { parseGroup, parseRole, parseUser } from './parse.ts';
import type { TenantGroup, TenantRole, TenantUser } from './snapshot.ts';

/** Query parameters of the list endpoints (QLIK-API.md). `limit` defaults to 100, the API's maximum. */
export interface ListQuery {
  /** SCIM filter, e.g. `name eq "CG-Sales"`; build values with scimString(). */
  filter?: string;
  /** `+name`, `-createdAt`... */
  sort?: string;
  /** 1..100. */
  limit?: number;
  /** Users only: the fields to return besides id, subject and status (default: USER_FIELDS). */
  fields?: string[];
  signal?: AbortSignal;
}

/** What the bridge needs of a user: everything the snapshot holds and nothing else. */
export const USER_FIELDS = ['id', 'subject', 'name', 'email', 'status', 'assignedGroups'] as const;

/** A SCIM filter string value: double-quoted, with `"` and `\` escaped (RFC 7644 values are JSON strings). */
export function scimString(value: string): string {
  return JSON.stringify(value);
}

export function listPath(resource: 'groups' | 'users' | 'roles', query: ListQuery = {}): string {
  const params = new URLSearchParams();
  params.set('limit', String(query.limit ?? 100));
  if (query.fields?.length) params.set('fields', query.fields.join(','));
  if (query.filter) params.set('filter', query.filter);
  if (query.sort) params.set('sort', query.sort);
  return `/api/v1/${resource}?${params.toString()}`;
}

function where(core: TenantCore, path: string): (i: number) => string {
  return (i) => `tenant ${core.tenant}: GET ${path} item ${i}`;
}

export function listGroups(core: TenantCore, query: ListQuery = {}): AsyncGenerator<TenantGroup> {
  const at = where(core, '/api/v1/groups');
  return items(core.pages, core.resolve(listPath('groups', query)), (v, i) => parseGroup(v, at(i)), query.signal);
}

export function listUsers(core: TenantCore, query: ListQuery = {}): AsyncGenerator<TenantUser> {
  const at = where(core, '/api/v1/users');
  // id, subject and status are always asked for: a user is not a user without them.
  const q = { ...query, fields: query.fields ? [...new Set(['id', 'subject', 'status', ...query.fields])] : [...USER_FIELDS] };
  return items(core.pages, core.resolve(listPath('users', q)), (v, i) => parseUser(v, at(i)), query.signal);
}

export function listRoles(core: TenantCore, query: ListQuery = {}): AsyncGenerator<TenantRole> {
  const at = where(core, '/api/v1/roles');
  return items(core.pages, core.resolve(listPath('roles', query)), (v, i) => parseRole(v, at(i)), query.signal);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export async function getGroup(core: TenantCore, id: string, signal?: AbortSignal): Promise<TenantGroup> {
  const path = `/api/v1/groups/${encodeURIComponent(id)}`;
  const response = await core.call('GET', core.resolve(path), { expect: 'json', ...(signal ? { signal } : {}) });
  return parseGroup(response.json, `tenant ${core.tenant}: GET ${path}`);
}

export async function getUser(core: TenantCore, id: string, signal?: AbortSignal): Promise<TenantUser> {
  const path = `/api/v1/users/${encodeURIComponent(id)}`;
  const response = await core.call('GET', core.resolve(path), { expect: 'json', ...(signal ? { signal } : {}) });
  return parseUser(response.json, `tenant ${core.tenant}: GET ${path}`);
}

/** IdP and custom groups whose name matches (the API's `eq` ignores case; the result keeps every match). */
export function findGroupsByName(core: TenantCore, name: string, signal?: AbortSignal): Promise<TenantGroup[]> {
  return collect(listGroups(core, { filter: `name eq ${scimString(name)}`, ...(signal ? { signal } : {}) }));
}

/** The custom group with exactly this name (custom names are unique, case-sensitively), if any. */
export async function findCustomGroup(core: TenantCore, name: string, signal?: AbortSignal): Promise<TenantGroup | undefined> {
  const groups = await collect(
    listGroups(core, { filter: `name eq ${scimString(name)} and providerType eq "custom"`, ...(signal ? { signal } : {}) }),
  );
  return groups.find((g) => g.providerType === 'custom' && g.name === name);
}

/** The user with this subject, if any (an exact match preferred over one differing in case). */
export async function findUserBySubject(core: TenantCore, subject: string, signal?: AbortSignal): Promise<TenantUser | undefined> {
  const users = await collect(listUsers(core, { filter: `subject eq ${scimString(subject)}`, ...(signal ? { signal } : {}) }));
  return users.find((u) => u.subject === subject) ?? users.find((u) => u.subject.toLowerCase() === subject.toLowerCase());
}
