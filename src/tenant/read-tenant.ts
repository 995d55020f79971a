// The tenant's side of a run: groups, roles and users (with their assignedGroups) read completely,
// in the fewest requests the API allows (one per page of 100, users with only the fields the bridge
// needs), the three listings side by side and each page after page. All or nothing: the first
// listing to fail stops the others, and the run gets an error, never a partial snapshot (a missing
// user or group would plan its memberships away).
import { TenantError } from '../errors.ts';
import type { TenantCore } from './core.ts';
import { pages } from './paging.ts';
import { assignmentsOf, parseGroup, parseRole, parseUser } from './parse.ts';
import { listPath, USER_FIELDS } from './queries.ts';
import type { TenantGroup, TenantRole, TenantSnapshot, TenantUser } from './snapshot.ts';

type Listing = 'groups' | 'users' | 'roles';

/**
 * Errors that say the read could not be completed (retries exhausted on 429, 5xx or timeouts; a
 * page gone or refused between two pages) become TENANT_INCOMPLETE; errors that say something
 * about the setup or the path to the tenant (TENANT_AUTH, TENANT_FORBIDDEN, TENANT_TLS,
 * TENANT_NETWORK, TENANT_PROTOCOL) keep their own code, which tells the operator what to fix.
 * Either way nothing is returned.
 */
function incomplete(core: TenantCore, listing: Listing, page: number, error: unknown): unknown {
  if (!(error instanceof TenantError)) return error;
  const partial = ['TENANT_SERVER', 'TENANT_RATE_LIMITED', 'TENANT_TIMEOUT', 'TENANT_NOT_FOUND', 'TENANT_BAD_REQUEST'];
  if (!partial.includes(error.code)) return error;
  const cause = error.message.startsWith(`tenant ${core.tenant}: `) ? error.message.slice(`tenant ${core.tenant}: `.length) : error.message;
  return new TenantError(
    'TENANT_INCOMPLETE',
    `tenant ${core.tenant}: could not read all ${listing} (page ${page} failed; nothing is planned from a partial read): ${cause}`,
    {
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.qlikCode ? { qlikCode: error.qlikCode } : {}),
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.traceId ? { traceId: error.traceId } : {}),
      cause: error,
    },
  );
}

async function listAll(core: TenantCore, listing: Listing, path: string, signal: AbortSignal): Promise<unknown[]> {
  const out: unknown[] = [];
  let page = 1;
  try {
    for await (const { items, info } of pages(core.pages, core.resolve(path), signal)) {
      page = info.page + 1;
      for (const item of items) out.push(item);
    }
  } catch (error) {
    throw incomplete(core, listing, page, error);
  }
  return out;
}

function unique<T extends { id: string }>(core: TenantCore, listing: Listing, list: T[]): T[] {
  const seen = new Set<string>();
  for (const item of list) {
    if (seen.has(item.id)) {
      throw new TenantError(
        'TENANT_INCOMPLETE',
        `tenant ${core.tenant}: ${listing} ${item.id} was listed twice (the listing changed while it was read); run again`,
      );
    }
    seen.add(item.id);
  }
  return list;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function readTenant(core: TenantCore, signal?: AbortSignal): Promise<TenantSnapshot> {
  const stop = new AbortController();
  const joined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const run = (listing: Listing, path: string): Promise<unknown[]> =>
    listAll(core, listing, path, joined).catch((error: unknown) => {
      // The first failure stops the other listings; their (abort) errors are not the cause.
      stop.abort(error);
      throw error;
    });
  const started = performance.now();
  const [rawGroups, rawRoles, rawUsers] = await Promise.all([
    run('groups', listPath('groups')),
    run('roles', listPath('roles')),
    // Users by id, not by the default +name: the cursor is the last key seen, and a user renamed
    // during the read (each IdP login rewrites the name) could move from a page not yet read to
    // one already read, and be missed without an error. An id never changes. (Groups keep the
    // documented default: only an administrator renames one, and a group sort by id is not
    // among the fields Qlik documents for it.)
    run('users', listPath('users', { fields: [...USER_FIELDS], sort: '+id' })),
  ]);

  const at = (path: string) => (i: number) => `tenant ${core.tenant}: GET ${path} item ${i}`;
  const groupAt = at('/api/v1/groups');
  const roleAt = at('/api/v1/roles');
  const userAt = at('/api/v1/users');
  const groups: TenantGroup[] = unique(core, 'groups', rawGroups.map((g, i) => parseGroup(g, groupAt(i))));
  const roles: TenantRole[] = unique(core, 'roles', rawRoles.map((r, i) => parseRole(r, roleAt(i))));
  const known = assignmentsOf(groups);
  const users: TenantUser[] = unique(core, 'users', rawUsers.map((u, i) => parseUser(u, userAt(i), known)));

  groups.sort((a, b) => compare(a.id, b.id));
  roles.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
  users.sort((a, b) => compare(a.id, b.id));
  core.logger.info(
    { groups: groups.length, roles: roles.length, users: users.length, ms: Math.round(performance.now() - started) },
    'read the tenant',
  );
  return { tenantUrl: core.transport.baseUrl, groups, roles, users };
}
