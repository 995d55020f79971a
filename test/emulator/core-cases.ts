// The conformance suite's core cases (groups list/create/patch/delete, users list/patch,
// pagination, roles), written once against a small Driver interface so they run twice: over raw
// fetch (conformance.test.ts) and through Qlik's own client @qlik/api (qlik-api.test.ts).
import { describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/index.ts';
import type { Client } from './helpers.ts';

export interface Result<T = any> {
  status: number;
  data: T;
}

export interface Page<T = any> {
  status: number;
  data: T[];
  links: { self: { href: string }; next?: { href: string }; prev?: { href: string } };
  totalResults?: number;
  next?: () => Promise<Page<T>>;
}

export interface ListQuery {
  limit?: number;
  filter?: string;
  sort?: string;
  totalResults?: boolean;
  fields?: string;
}

export interface Driver {
  name: string;
  createGroup(body: Record<string, unknown>): Promise<Result>;
  getGroup(id: string): Promise<Result>;
  listGroups(query: ListQuery): Promise<Page>;
  patchGroup(id: string, ops: unknown[]): Promise<Result>;
  deleteGroup(id: string): Promise<Result>;
  createUser(body: Record<string, unknown>): Promise<Result>;
  getUser(id: string): Promise<Result>;
  listUsers(query: ListQuery): Promise<Page>;
  patchUser(id: string, ops: unknown[]): Promise<Result>;
  listRoles(query: ListQuery): Promise<Page>;
}

function queryString(query: ListQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The raw-HTTP driver: plain fetch, following links.next.href for the next page. */
export function fetchDriver(client: () => Client): Driver {
  const page = async (path: string): Promise<Page> => {
    const answer = await client().get(path);
    const result: Page = { status: answer.status, data: answer.body?.data ?? [], links: answer.body?.links, totalResults: answer.body?.totalResults };
    const next = answer.body?.links?.next?.href as string | undefined;
    if (next) result.next = () => page(next);
    return result;
  };
  const result = async (promise: Promise<{ status: number; body: unknown }>): Promise<Result> => {
    const answer = await promise;
    return { status: answer.status, data: answer.body };
  };
  return {
    name: 'fetch',
    createGroup: (body) => result(client().post('/api/v1/groups', body)),
    getGroup: (id) => result(client().get(`/api/v1/groups/${id}`)),
    listGroups: (query) => page(`/api/v1/groups${queryString(query)}`),
    patchGroup: (id, ops) => result(client().patch(`/api/v1/groups/${id}`, ops)),
    deleteGroup: (id) => result(client().delete(`/api/v1/groups/${id}`)),
    createUser: (body) => result(client().post('/api/v1/users', body)),
    getUser: (id) => result(client().get(`/api/v1/users/${id}`)),
    listUsers: (query) => page(`/api/v1/users${queryString(query)}`),
    patchUser: (id, ops) => result(client().patch(`/api/v1/users/${id}`, ops)),
    listRoles: (query) => page(`/api/v1/roles${queryString(query)}`),
  };
}

const ID = /^[0-9a-f]{24}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function allPages(first: Page): Promise<Page[]> {
  const pages = [first];
  while (pages[pages.length - 1]!.next) pages.push(await pages[pages.length - 1]!.next!());
  return pages;
}

export function coreCases(driver: () => Driver, handle: () => EmulatorHandle): void {
  describe('core cases', () => {
    it('creates a custom group with roles by name: 201 with the documented shape', async () => {
      const created = await driver().createGroup({ name: 'CG-Finance', providerType: 'custom', status: 'active', description: 'finance team', assignedRoles: [{ name: 'AuditAdmin' }, { name: 'Developer' }] });
      expect(created.status).toBe(201);
      const group = created.data;
      expect(group).toMatchObject({ name: 'CG-Finance', providerType: 'custom', status: 'active', description: 'finance team', tenantId: handle().core.tenant.tenantId });
      expect(group.id).toMatch(ID);
      expect(group.createdAt).toMatch(ISO_MS);
      expect(group.lastUpdatedAt).toMatch(ISO_MS);
      expect(group.assignedRoles).toEqual([
        { id: '608050f7634644db3678b1a2', name: 'AuditAdmin', type: 'default', level: 'admin' },
        { id: '60804cf8a77b649c66733f65', name: 'Developer', type: 'default', level: 'user' },
      ]);
      expect(group.links.self.href).toMatch(new RegExp(`/api/v1/groups/${group.id}$`));
      const fetched = await driver().getGroup(group.id);
      expect(fetched.status).toBe(200);
      expect(fetched.data).toEqual(group);
    });

    it('defaults providerType to idp', async () => {
      const created = await driver().createGroup({ name: 'Sales' });
      expect(created.status).toBe(201);
      expect(created.data.providerType).toBe('idp');
    });

    it('lists IdP and custom groups sorted by name, without system groups', async () => {
      for (const name of ['b-group', 'A-group', 'c-group']) expect((await driver().createGroup({ name, providerType: 'custom' })).status).toBe(201);
      await driver().createGroup({ name: 'idp-group' });
      const page = await driver().listGroups({});
      expect(page.status).toBe(200);
      expect(page.data.map((g) => g.name)).toEqual(['A-group', 'b-group', 'c-group', 'idp-group']);
      expect(page.data.some((g) => g.name === 'com.qlik.Everyone')).toBe(false);
      expect(page.links.self.href).toContain('/api/v1/groups');
      expect(page.links.next).toBeUndefined();
    });

    it('patches a custom group: replace name, description and roles (204), visible on GET', async () => {
      const id = (await driver().createGroup({ name: 'CG-Old', providerType: 'custom', assignedRoles: [{ name: 'Steward' }] })).data.id;
      const patched = await driver().patchGroup(id, [
        { op: 'replace', path: '/name', value: 'CG-New' },
        { op: 'replace', path: 'description', value: 'renamed' },
        { op: 'replace', path: '/assignedRoles', value: [{ name: 'TenantAdmin' }, { id: '608050f7634644db3678b1a2' }] },
      ]);
      expect(patched.status).toBe(204);
      const group = (await driver().getGroup(id)).data;
      expect(group.name).toBe('CG-New');
      expect(group.description).toBe('renamed');
      expect(group.assignedRoles.map((r: { name: string }) => r.name)).toEqual(['TenantAdmin', 'AuditAdmin']);
    });

    it('deletes an empty group (204); it is then GROUPS-7', async () => {
      const id = (await driver().createGroup({ name: 'CG-Gone', providerType: 'custom' })).data.id;
      expect((await driver().deleteGroup(id)).status).toBe(204);
      const missing = await driver().getGroup(id);
      expect(missing.status).toBe(404);
      expect(missing.data.errors[0]).toMatchObject({ code: 'GROUPS-7', status: 404 });
    });

    it('creates a user, finds it by filter, and adds and removes custom group memberships', async () => {
      const group = (await driver().createGroup({ name: 'CG-Ops', providerType: 'custom', assignedRoles: [{ name: 'Developer' }] })).data.id;
      const created = await driver().createUser({ subject: 'ldap|alice', email: 'alice@example.com', name: 'Alice' });
      expect(created.status).toBe(201);
      expect(created.data).toMatchObject({ subject: 'ldap|alice', email: 'alice@example.com', name: 'Alice', status: 'active', assignedGroups: [] });
      const userId = created.data.id;
      const found = await driver().listUsers({ filter: 'subject eq "LDAP|ALICE"' });
      expect(found.data.map((u) => u.id)).toEqual([userId]);

      expect((await driver().patchUser(userId, [{ op: 'add', path: '/assignedGroups/-', value: group }])).status).toBe(204);
      const withGroup = (await driver().getUser(userId)).data;
      expect(withGroup.assignedGroups).toEqual([
        { id: group, name: 'CG-Ops', providerType: 'custom', assignedRoles: [{ id: '60804cf8a77b649c66733f65', name: 'Developer', type: 'default', level: 'user' }] },
      ]);
      const members = await driver().listUsers({ filter: `assignedGroups.id eq "${group}"`, fields: 'id,subject,assignedGroups' });
      expect(members.data).toEqual([{ id: userId, subject: 'ldap|alice', assignedGroups: withGroup.assignedGroups }]);

      expect((await driver().patchUser(userId, [{ op: 'remove-value', path: '/assignedGroups', value: group }])).status).toBe(204);
      expect((await driver().getUser(userId)).data.assignedGroups).toEqual([]);
    });

    it('adds by {name, providerType:"custom"} and rejects a PATCH whose last op is a duplicate add, changing nothing', async () => {
      const a = (await driver().createGroup({ name: 'CG-A', providerType: 'custom' })).data.id;
      const b = (await driver().createGroup({ name: 'CG-B', providerType: 'custom' })).data.id;
      const c = (await driver().createGroup({ name: 'CG-C', providerType: 'custom' })).data.id;
      const userId = (await driver().createUser({ subject: 'bob', email: 'bob@example.com' })).data.id;
      expect((await driver().patchUser(userId, [{ op: 'add', path: '/assignedGroups/-', value: { name: 'CG-A', providerType: 'custom' } }])).status).toBe(204);
      const before = (await driver().getUser(userId)).data;

      const rejected = await driver().patchUser(userId, [
        { op: 'add', path: '/assignedGroups/-', value: b },
        { op: 'add', path: '/assignedGroups/-', value: c },
        { op: 'remove-value', path: '/assignedGroups', value: a },
        { op: 'add', path: '/assignedGroups/-', value: b },
      ]);
      expect(rejected.status).toBe(400);
      expect(rejected.data.errors[0]).toMatchObject({ status: 400, source: { pointer: '/3/value' } });
      const after = (await driver().getUser(userId)).data;
      expect(after).toEqual(before);
      expect(after.assignedGroups.map((g: { id: string }) => g.id)).toEqual([a]);
    });

    it('pages groups with opaque cursors: limit, links.next until the last page, totalResults', async () => {
      for (let i = 0; i < 45; i++) await driver().createGroup({ name: `CG-${String(i).padStart(2, '0')}`, providerType: 'custom' });
      const first = await driver().listGroups({ limit: 20, totalResults: true });
      expect(first.totalResults).toBe(45);
      expect(first.links.prev).toBeUndefined();
      const pages = await allPages(first);
      expect(pages.map((p) => p.data.length)).toEqual([20, 20, 5]);
      expect(pages[2]!.links.next).toBeUndefined();
      expect(pages[1]!.links.prev).toBeDefined();
      const names = pages.flatMap((p) => p.data.map((g) => g.name));
      expect(names).toEqual(Array.from({ length: 45 }, (_, i) => `CG-${String(i).padStart(2, '0')}`));
      const defaults = await driver().listGroups({});
      expect(defaults.data).toHaveLength(20);
    });

    it('pages users at limit 100 and sorts them by name by default', async () => {
      const tenant = handle();
      for (let i = 0; i < 130; i++) tenant.api.createUser({ subject: `s-${i}`, name: `User ${String(129 - i).padStart(3, '0')}` });
      const pages = await allPages(await driver().listUsers({ limit: 100 }));
      expect(pages.map((p) => p.data.length)).toEqual([100, 30]);
      const names = pages.flatMap((p) => p.data.map((u) => u.name));
      expect(names).toEqual([...names].sort());
      expect(new Set(names).size).toBe(130);
    });

    it('lists the default roles with stable ids, paginated', async () => {
      const first = await driver().listRoles({ limit: 5 });
      expect(first.status).toBe(200);
      expect(first.data).toHaveLength(5);
      const roles = (await allPages(first)).flatMap((p) => p.data);
      const byName = new Map(roles.map((r) => [r.name, r]));
      for (const name of ['TenantAdmin', 'AnalyticsAdmin', 'AuditAdmin', 'DataAdmin', 'Developer', 'ManagedSpaceCreator', 'SharedSpaceCreator', 'PrivateAnalyticsContentCreator', 'DataServicesContributor', 'Steward', 'TechnicalUserAdmin', 'UserAdmin', 'AnalyticsAppCreator']) {
        expect(byName.get(name), name).toMatchObject({ name, type: 'default', level: expect.stringMatching(/^(admin|user)$/), id: expect.stringMatching(ID) });
      }
      expect(byName.get('TenantAdmin')!.id).toBe('60804cf8a77b649c66733f60');
      expect(new Set(roles.map((r) => r.id)).size).toBe(roles.length);
    });
  });
}
