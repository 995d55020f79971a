// The conformance suite's core cases driven through Qlik's own TypeScript client, @qlik/api, with
// API-key auth and the emulator's http:// loopback URL as the host (@qlik/api accepts an explicit
// http:// host, so no TLS is needed). GET caching in @qlik/api is turned off per call.
import { groups, roles, users } from '@qlik/api';
import type { GroupPatchSchema, GroupPostSchema } from '@qlik/api/groups';
import type { JSONPatchArray, UserPostSchema } from '@qlik/api/users';
import { describe, expect, it } from 'vitest';
import { coreCases, type Driver, type ListQuery, type Page, type Result } from './core-cases.ts';
import { useEmulator } from './helpers.ts';

const emulator = useEmulator();

interface CallOptions {
  hostConfig: { authType: 'apikey'; host: string; apiKey: string };
  noCache: boolean;
}

function options(): CallOptions {
  return { hostConfig: { authType: 'apikey' as const, host: emulator.handle.url, apiKey: emulator.handle.apiKey! }, noCache: true };
}

/** @qlik/api throws `{status, data}` for non-2xx answers; both outcomes become a Result here. */
async function settle(call: () => Promise<{ status: number; data: unknown }>): Promise<Result> {
  try {
    const response = await call();
    return { status: response.status, data: response.data };
  } catch (error) {
    const failure = error as { status?: unknown; data?: unknown };
    if (typeof failure.status !== 'number') throw error;
    return { status: failure.status, data: failure.data };
  }
}

interface QlikPage {
  status: number;
  data: { data?: unknown[]; links?: unknown; totalResults?: number };
  next?: (options?: CallOptions) => Promise<QlikPage>;
}

function toPage(response: QlikPage): Page {
  const page: Page = { status: response.status, data: (response.data.data ?? []) as any[], links: response.data.links as Page['links'], totalResults: response.data.totalResults };
  const next = response.next;
  if (next) page.next = async () => toPage(await next(options()));
  return page;
}

function listQuery(query: ListQuery): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
}

const qlikDriver: Driver = {
  name: '@qlik/api',
  createGroup: (body) => settle(() => groups.createGroup(body as GroupPostSchema, options())),
  getGroup: (id) => settle(() => groups.getGroup(id, options())),
  listGroups: async (query) => toPage((await groups.getGroups(listQuery(query), options())) as QlikPage),
  patchGroup: (id, ops) => settle(() => groups.patchGroup(id, ops as GroupPatchSchema, options())),
  deleteGroup: (id) => settle(() => groups.deleteGroup(id, options())),
  createUser: (body) => settle(() => users.createUser(body as UserPostSchema, options())),
  getUser: (id) => settle(() => users.getUser(id, {}, options())),
  listUsers: async (query) => toPage((await users.getUsers(listQuery(query), options())) as QlikPage),
  patchUser: (id, ops) => settle(() => users.patchUser(id, ops as JSONPatchArray, options())),
  listRoles: async (query) => toPage((await roles.getRoles(listQuery(query), options())) as QlikPage),
};

coreCases(() => qlikDriver, () => emulator.handle);

describe('@qlik/api specifics', () => {
  it('reads the typed error of a 404 and a 409 as @qlik/api reports them', async () => {
    const missing = await settle(() => users.getUser('abcdefabcdefabcdefabcdef', {}, options()));
    expect(missing).toMatchObject({ status: 404, data: { errors: [{ code: 'USERS-7', status: 404, title: 'Not found' }] } });
    await groups.createGroup({ name: 'CG-Dup', providerType: 'custom' }, options());
    const duplicate = await settle(() => groups.createGroup({ name: 'CG-Dup', providerType: 'custom' }, options()));
    expect(duplicate.status).toBe(409);
  });

  it('pages filterUsers with next(), re-sending the filter body', async () => {
    for (let i = 0; i < 5; i++) emulator.handle.api.createUser({ subject: `f-${i}` });
    emulator.handle.api.createUser({ subject: 'other' });
    const first = await users.filterUsers({ limit: 2 }, { filter: 'subject sw "f-"' }, options());
    const seen = [...(first.data.data ?? [])];
    let page: typeof first | undefined = first;
    while (page.next) {
      page = await page.next(options());
      seen.push(...(page.data.data ?? []));
    }
    expect(seen.map((u) => u.subject)).toEqual(['f-0', 'f-1', 'f-2', 'f-3', 'f-4']);
  });

  it('counts users and reads the caller with getMyUser', async () => {
    emulator.handle.api.createUser({ subject: 'x' });
    expect((await users.countUsers({}, options())).data.total).toBe(1);
    expect((await users.getMyUser(options())).data.assignedRoles?.[0]?.name).toBe('TenantAdmin');
  });
});
