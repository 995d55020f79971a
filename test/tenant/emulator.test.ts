// The tenant client against the emulator over real sockets: API key and OAuth (tokens expiring
// and being revoked mid-run), a 10,000+ user listing read in exactly one request per page, and each
// write in its documented shape, checked by what the emulated tenant recorded.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.ts';
import { createTenantClient, type TenantClient } from '../../src/tenant/client.ts';
import { emulated, seedState, type Emulated } from './emulated.ts';
import { tenantConfig } from './helpers.ts';

const clients: TenantClient[] = [];
const emulators: EmulatorHandle[] = [];
function track(client: TenantClient): TenantClient {
  clients.push(client);
  return client;
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(emulators.map((e) => e.close()));
});

describe('reading 10,050 users', () => {
  let env: Emulated;
  beforeAll(async () => {
    env = await emulated({}, seedState({ users: 10_050, idpGroups: 10, customGroups: 20 }));
    emulators.push(env.emulator);
  });

  it('readTenant makes one request per page (101 + 1 + 1) and returns every user with its groups', async () => {
    env.emulator.resetStats();
    const client = track(createTenantClient(env.config()));
    const snapshot = await client.readTenant();
    const roles = snapshot.roles.length;
    const pages = Math.ceil(10_050 / 100) + 1 + Math.ceil(roles / 100);
    expect(snapshot.users).toHaveLength(10_050);
    expect(snapshot.groups).toHaveLength(30);
    expect(roles).toBeGreaterThan(10);
    expect(client.stats()).toEqual({ byTier: { tier1: { ok: pages } }, total: pages, writes: 0, retries: 0, rateLimited: 0 });
    const seen = env.emulator.stats();
    expect(seen.total).toBe(pages);
    expect(seen.byRoute['GET /api/v1/users']).toBe(101);
    expect(seen.byRoute['GET /api/v1/groups']).toBe(1);
    // Sorted by id, each user with the groups the state gave it (provider types from the tenant).
    const ids = snapshot.users.map((u) => u.id);
    expect([...ids].sort()).toEqual(ids);
    const state = env.emulator.exportState();
    const byId = new Map(state.users.map((u) => [u.id, u]));
    const groupType = new Map(state.groups.map((g) => [g.id, g.providerType]));
    for (const user of snapshot.users) {
      const expected = byId.get(user.id)!;
      expect(user.subject).toBe(expected.subject);
      expect(user.assignedGroups.map((g) => g.id)).toEqual([...expected.groupIds].sort());
      for (const g of user.assignedGroups) expect(g.providerType).toBe(groupType.get(g.id));
    }
  });

  it('listUsers walks every page with the fields asked for', async () => {
    const client = track(createTenantClient(env.config()));
    let n = 0;
    for await (const user of client.listUsers({ fields: ['id', 'subject'] })) {
      expect(user.assignedGroups).toEqual([]); // not asked for, not sent
      n++;
    }
    expect(n).toBe(10_050);
    expect(client.stats().total).toBe(101);
  });
});

describe('authentication', () => {
  it('an API key the tenant does not know is TENANT_AUTH after one request', async () => {
    const env = await emulated();
    emulators.push(env.emulator);
    const client = track(createTenantClient(env.config({ apiKey: 'not-the-key-1234' })));
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_AUTH', status: 401, message: expect.stringContaining(`tenant ${new URL(env.emulator.url).host}`) });
    expect(env.emulator.stats().byStatus['401']).toBeGreaterThanOrEqual(1);
    expect(env.emulator.stats().total).toBeLessThanOrEqual(3); // the three listings start together; none is retried
  });

  it('OAuth: wrong client secret is TENANT_AUTH naming the client', async () => {
    const env = await emulated({ oauthClients: [{ clientId: 'bridge', clientSecret: 'right-secret' }] });
    emulators.push(env.emulator);
    const client = track(createTenantClient(env.config({ apiKey: undefined, oauth: { clientId: 'bridge', clientSecret: 'wrong-secret' } })));
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_AUTH', message: expect.stringContaining('OAuth client bridge was refused a token') });
  });

  it('OAuth: tokens that expire every second are renewed ahead of time through a run of a few seconds, without a 401', async () => {
    const env = await emulated({ oauthClients: [{ clientId: 'bridge', clientSecret: 'bridge-secret' }], tokenTtlSeconds: 1 }, seedState({ users: 150 }));
    emulators.push(env.emulator);
    const client = track(createTenantClient(env.config({ apiKey: undefined, oauth: { clientId: 'bridge', clientSecret: 'bridge-secret' } })));
    const started = performance.now();
    let reads = 0;
    while (performance.now() - started < 2_500) {
      expect((await client.readTenant()).users).toHaveLength(150);
      reads++;
      await new Promise((r) => setTimeout(r, 50));
    }
    const stats = env.emulator.stats();
    expect(stats.byRoute['POST /oauth/token']).toBeGreaterThanOrEqual(3);
    expect(stats.byStatus['401']).toBeUndefined();
    expect(client.stats().byTier.oauth).toEqual({ ok: stats.byRoute['POST /oauth/token'] });
    expect(reads).toBeGreaterThan(3);
  });

  it('OAuth: a token the tenant stopped accepting (tenant restarted) gets a 401, a new token and one repeat', async () => {
    const options = { oauthClients: [{ clientId: 'bridge', clientSecret: 'bridge-secret' }] };
    const first = await startEmulator(options);
    const port = Number(new URL(first.url).port);
    const client = track(createTenantClient(tenantConfig({ url: first.url, apiKey: undefined, oauth: { clientId: "bridge", clientSecret: "bridge-secret" } }), { timeScale: 20 }));
    await client.readTenant();
    const state = first.exportState();
    await first.close();
    // Same address and data, but none of the old tokens.
    const second = await startEmulator({ ...options, port });
    emulators.push(second);
    second.importState(state);
    const group = await client.createGroup({ name: 'CG-After-Restart', description: 'd', roles: [] });
    expect(group.name).toBe('CG-After-Restart');
    // The old keep-alive socket may be found dead first (a reset, then a look-up before trying again):
    // either way one request met a 401, one new token was fetched, and the group exists once.
    const stats = second.stats();
    expect(stats.byStatus['401']).toBe(1);
    expect(stats.byRoute['POST /oauth/token']).toBe(1);
    expect(client.stats().byTier.oauth).toEqual({ ok: 2 });
    expect(second.exportState().groups.filter((g) => g.name === 'CG-After-Restart')).toHaveLength(1);
  });
});

describe('writes, as the emulated tenant saw them', () => {
  let env: Emulated;
  let client: TenantClient;
  beforeAll(async () => {
    env = await emulated({}, seedState({ users: 3, idpGroups: 1, customGroups: 1, groupsPerUser: 0 }));
    emulators.push(env.emulator);
    // Paced 60 times faster than Qlik's limits (the emulator enforces none here).
    client = track(createTenantClient(env.config(), { timeScale: 60 }));
  });

  it('create, rename and re-role a group; create a user; one membership patch; delete the emptied group', async () => {
    env.emulator.resetStats();
    const sales = await client.createGroup({ name: 'CG-Sales', description: 'qgs:guid-1', roles: ['Developer', 'Steward'] });
    expect(sales).toMatchObject({ name: 'CG-Sales', providerType: 'custom', status: 'active', description: 'qgs:guid-1' });
    expect(sales.assignedRoles.map((r) => r.name)).toEqual(['Developer', 'Steward']);
    const old = await client.createGroup({ name: 'CG-Old', description: 'qgs:guid-2', roles: [] });

    await client.patchGroup(sales.id, { name: 'CG-Sales-EU', description: 'qgs:guid-1 renamed', roles: ['Steward'] });
    const renamed = await client.getGroup(sales.id);
    expect(renamed).toMatchObject({ id: sales.id, name: 'CG-Sales-EU', description: 'qgs:guid-1 renamed', assignedRoles: [{ name: 'Steward' }] });

    const bob = await client.createUser({ subject: 'ACME\\bob', email: 'bob@acme.example', name: 'Bob' });
    await client.patchUserGroups(bob.id, { add: [{ id: sales.id, name: 'CG-Sales-EU' }, { id: old.id, name: 'CG-Old' }], remove: [] });
    await client.createGroup({ name: 'CG-New', description: 'qgs:guid-3', roles: [] });
    // Adds by id and by name, and a removal, in one request.
    await client.patchUserGroups(bob.id, { add: [{ name: 'CG-New' }], remove: [old.id] });
    const after = await client.getUser(bob.id);
    expect(after.assignedGroups.map((g) => g.name).sort()).toEqual(['CG-New', 'CG-Sales-EU']);
    await client.deleteGroup(old.id);
    await expect(client.getGroup(old.id)).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND', status: 404, qlikCode: 'GROUPS-7' });

    const log = env.emulator.membershipLog().map((e) => `${e.op} ${e.groupName}`);
    expect(log.slice(0, 2)).toEqual(['add CG-Sales-EU', 'add CG-Old']);
    expect(log.slice(2).sort()).toEqual(['add CG-New', 'remove CG-Old']);
    const routes = env.emulator.stats().byRoute;
    expect(routes).toMatchObject({
      'POST /api/v1/groups': 3,
      'PATCH /api/v1/groups/{id}': 1,
      'POST /api/v1/users': 1,
      'PATCH /api/v1/users/{id}': 2,
      'DELETE /api/v1/groups/{id}': 1,
    });
    expect(client.stats().writes).toBe(8);
  });

  it("a membership patch the tenant refuses (an add already present) is TENANT_BAD_REQUEST with Qlik's detail, and changes nothing", async () => {
    const group = await client.createGroup({ name: 'CG-Twice', description: 'd', roles: [] });
    const user = await client.createUser({ subject: 'ACME\\carol' });
    const other = await client.createGroup({ name: 'CG-Other', description: 'd', roles: [] });
    await client.patchUserGroups(user.id, { add: [{ id: group.id, name: group.name }], remove: [] });
    const error = await client.patchUserGroups(user.id, { add: [{ id: other.id, name: other.name }, { id: group.id, name: group.name }], remove: [] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TENANT_BAD_REQUEST', status: 400 });
    expect((error as { detail?: string }).detail).toBeTruthy();
    expect((await client.getUser(user.id)).assignedGroups.map((g) => g.name)).toEqual(['CG-Twice']);
  });

  it('a group name taken by another custom group is TENANT_CONFLICT', async () => {
    await client.createGroup({ name: 'CG-Taken', description: 'd', roles: [] });
    await expect(client.createGroup({ name: 'CG-Taken', description: 'd', roles: [] })).rejects.toMatchObject({ code: 'TENANT_CONFLICT', status: 409 });
  });

  it('findGroupsByName and findUserBySubject use the documented filters', async () => {
    env.emulator.login({ subject: 'ACME\\dave', groups: ['CG-Taken'] }); // an IdP group with the same name
    const found = await client.findGroupsByName('CG-Taken');
    expect(found.map((g) => g.providerType).sort()).toEqual(['custom', 'idp']);
    expect((await client.findUserBySubject('ACME\\dave'))?.subject).toBe('ACME\\dave');
    expect(await client.findUserBySubject('ACME\\nobody')).toBeUndefined();
  });
});

describe('a user renamed while the users are read', () => {
  // A loopback proxy in front of the emulator renames a user (an IdP login with a new name claim)
  // after the tenant has answered the first page of users and before the client sees that answer,
  // so the rename lands between two pages, every time.
  it('is still in the snapshot: the users are paged by id, which a rename does not move', async () => {
    const env = await emulated({}, seedState({ users: 150, idpGroups: 2, customGroups: 2 }));
    emulators.push(env.emulator);
    // The user listed last by name ("User 99"): on the second page by name, so a rename to a name
    // sorting first would move it behind a name cursor.
    const users = env.emulator.exportState().users;
    const last = [...users].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1)).at(-1)!;
    expect(last.name).toBe('User 99');
    let renamed = false;
    const proxy = createServer((req, res) => {
      const upstream = httpRequest(`${env.emulator.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          if (!renamed && req.url!.startsWith('/api/v1/users?')) {
            renamed = true;
            env.emulator.login({ subject: last.subject, name: 'Aaron Renamed' });
          }
          res.writeHead(answer.statusCode!, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const client = track(createTenantClient(env.config({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` })));
      const snapshot = await client.readTenant();
      expect(renamed).toBe(true);
      expect(snapshot.users).toHaveLength(150);
      expect(snapshot.users.some((u) => u.id === last.id)).toBe(true);
      expect(env.emulator.exportState().users.find((u) => u.id === last.id)?.name).toBe('Aaron Renamed');
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });
});
