// readTenant over a MockAgent: one request per page of each listing and nothing else, sorted
// output, provider types resolved, and no snapshot at all when any page fails or any item is
// malformed.
import { afterEach, describe, expect, it } from 'vitest';
import { TenantError } from '../../src/errors.ts';
import { createTenantClient } from '../../src/tenant/client.ts';
import { hex24, MockTenant, page, TENANT, tenantConfig } from './helpers.ts';

const USER_FIELDS = 'id,subject,name,email,status,assignedGroups';
const groups = {
  custom: { id: hex24(3), name: 'CG-Sales', status: 'active', providerType: 'custom', description: 'x', assignedRoles: [{ id: 'r2', name: 'Steward', type: 'default', level: 'user' }, { id: 'r1', name: 'Developer', type: 'default', level: 'user' }] },
  idp: { id: hex24(1), name: 'Sales', status: 'active', providerType: 'idp', idpId: 'i' },
  other: { id: hex24(2), name: 'Finance', status: 'disabled', providerType: 'custom' },
};
const roles = [
  { id: 'r2', name: 'Steward', type: 'default', level: 'user', description: 'd', permissions: [] },
  { id: 'r1', name: 'Developer', type: 'default', level: 'user' },
  { id: 'r9', name: 'TenantAdmin', type: 'default', level: 'admin' },
];
const users = [
  { id: hex24(0x20), subject: 'bob', name: 'Bob', status: 'active', assignedGroups: [{ id: hex24(3), name: 'CG-Sales' }, { id: hex24(1), name: 'Sales', providerType: 'idp' }] },
  { id: hex24(0x10), subject: 'alice', email: 'alice@x', status: 'invited' },
];

let mock: MockTenant;
afterEach(async () => {
  await mock?.close();
});

function listings(m: MockTenant): MockTenant {
  return m
    .on({ method: 'GET', pathname: '/api/v1/groups', query: { limit: '100' } }, { status: 200, json: page([groups.custom, groups.idp], `${TENANT}/api/v1/groups?limit=100&next=g2`) })
    .on({ method: 'GET', pathname: '/api/v1/groups', query: { limit: '100', next: 'g2' } }, { status: 200, json: page([groups.other]) })
    .on({ method: 'GET', pathname: '/api/v1/roles', query: { limit: '100' } }, { status: 200, json: page(roles) });
}

describe('readTenant', () => {
  it('reads every page of groups, roles and users, one request per page, sorted', async () => {
    mock = listings(new MockTenant())
      .on({ method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } }, { status: 200, json: page([users[0]], `${TENANT}/api/v1/users?limit=100&fields=${USER_FIELDS}&sort=%2Bid&next=u2`) })
      .on({ method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id', next: 'u2' } }, { status: 200, json: page([users[1]]) });
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const snapshot = await client.readTenant();
    mock.assertDone();
    expect(client.stats()).toEqual({ byTier: { tier1: { ok: 5 } }, total: 5, writes: 0, retries: 0, rateLimited: 0 });
    expect(snapshot).toEqual({
      tenantUrl: TENANT,
      groups: [
        { id: hex24(1), name: 'Sales', providerType: 'idp', status: 'active', assignedRoles: [] },
        { id: hex24(2), name: 'Finance', providerType: 'custom', status: 'disabled', assignedRoles: [] },
        { id: hex24(3), name: 'CG-Sales', providerType: 'custom', status: 'active', description: 'x', assignedRoles: [{ id: 'r1', name: 'Developer' }, { id: 'r2', name: 'Steward' }] },
      ],
      roles: [
        { id: 'r1', name: 'Developer', type: 'default', level: 'user' },
        { id: 'r2', name: 'Steward', type: 'default', level: 'user' },
        { id: 'r9', name: 'TenantAdmin', type: 'default', level: 'admin' },
      ],
      users: [
        { id: hex24(0x10), subject: 'alice', email: 'alice@x', status: 'invited', assignedGroups: [] },
        {
          id: hex24(0x20),
          subject: 'bob',
          name: 'Bob',
          status: 'active',
          // providerType absent on the first: taken from the group listing.
          assignedGroups: [{ id: hex24(1), name: 'Sales', providerType: 'idp' }, { id: hex24(3), name: 'CG-Sales', providerType: 'custom' }],
        },
      ],
    });
  });

  it("shares one object per group among the users it is assigned to, unless the assignment differs from the group's listing", async () => {
    const more = [
      users[0],
      { id: hex24(0x30), subject: 'carol', status: 'active', assignedGroups: [{ id: hex24(3), name: 'CG-Sales', providerType: 'custom' }] },
      // Renamed between the two listings: the assignment keeps the name it was listed with.
      { id: hex24(0x40), subject: 'dave', status: 'active', assignedGroups: [{ id: hex24(3), name: 'CG-Sales (old)' }] },
    ];
    mock = listings(new MockTenant()).on({ method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } }, { status: 200, json: page(more) });
    const snapshot = await createTenantClient(tenantConfig(), { dispatcher: mock.agent }).readTenant();
    const [bob, carol, dave] = snapshot.users;
    expect(bob!.assignedGroups[1]).toEqual({ id: hex24(3), name: 'CG-Sales', providerType: 'custom' });
    expect(carol!.assignedGroups[0]).toBe(bob!.assignedGroups[1]);
    expect(dave!.assignedGroups).toEqual([{ id: hex24(3), name: 'CG-Sales (old)', providerType: 'custom' }]);
    expect(dave!.assignedGroups[0]).not.toBe(bob!.assignedGroups[1]);
  });

  it('returns nothing when a page still fails after the retries: TENANT_INCOMPLETE naming the listing and page', async () => {
    mock = listings(new MockTenant())
      .on({ method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } }, { status: 200, json: page([users[0]], `${TENANT}/api/v1/users?limit=100&fields=${USER_FIELDS}&sort=%2Bid&next=u2`) });
    for (let i = 0; i < 3; i++) {
      mock.on({ method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id', next: 'u2' } }, { status: 503, json: { errors: [{ code: 'HTTP-503', title: 'Service Unavailable' }], traceId: 'trace-503' } });
    }
    const client = createTenantClient(tenantConfig({ retry: { retries: 2, maxRetryTimeMs: 60_000 } }), { dispatcher: mock.agent, timeScale: 100 });
    const error = await client.readTenant().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TenantError);
    expect(error).toMatchObject({ code: 'TENANT_INCOMPLETE', status: 503, traceId: 'trace-503' });
    expect((error as Error).message).toMatch(/^tenant acme\.eu\.qlikcloud\.com: could not read all users \(page 2 failed; nothing is planned from a partial read\): GET \/api\/v1\/users: server error \(503\).*gave up after 3 attempts/);
    mock.assertDone();
    expect(client.stats()).toMatchObject({ retries: 2, byTier: { tier1: { ok: 4, '5xx': 3 } } });
  });

  it('fails on a malformed item, naming the item and the field, instead of dropping it', async () => {
    mock = listings(new MockTenant()).on(
      { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } },
      { status: 200, json: page([users[0], { id: 42, subject: 'x', status: 'active' }]) },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await expect(client.readTenant()).rejects.toMatchObject({
      code: 'TENANT_PROTOCOL',
      message: 'tenant acme.eu.qlikcloud.com: GET /api/v1/users item 1: id is not a non-empty string',
    });
  });

  it('fails when assignedGroups is not an array', async () => {
    mock = listings(new MockTenant()).on(
      { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } },
      { status: 200, json: page([{ ...users[1], assignedGroups: 'CG-Sales' }]) },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_PROTOCOL', message: expect.stringContaining('item 0: assignedGroups is not an array') });
  });

  it('fails when a user is in a group of unknown type that the group listing did not return', async () => {
    mock = listings(new MockTenant()).on(
      { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } },
      { status: 200, json: page([{ ...users[1], assignedGroups: [{ id: hex24(99), name: 'CG-Late' }] }]) },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_PROTOCOL', message: expect.stringContaining('changed during the read') });
  });

  it('fails when the same user is listed twice (the listing shifted while it was read)', async () => {
    mock = listings(new MockTenant()).on(
      { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } },
      { status: 200, json: page([users[1], users[1]]) },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_INCOMPLETE' });
  });

  it('refuses a next link to another origin (the bearer token stays on the tenant)', async () => {
    mock = listings(new MockTenant()).on(
      { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } },
      { status: 200, json: page([users[1]], 'https://evil.example/api/v1/users?next=x') },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_PROTOCOL', message: expect.stringContaining('another origin (https://evil.example)') });
  });

  it('refuses a next link that loops back', async () => {
    mock = listings(new MockTenant()).on(
      { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, sort: '+id' } },
      { status: 200, json: page([users[1]], `/api/v1/users?limit=100&fields=${USER_FIELDS}&sort=%2Bid`) },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_PROTOCOL', message: expect.stringContaining('links back') });
  });

  it('keeps the code of a setup error (a 403 is TENANT_FORBIDDEN, not a partial read)', async () => {
    mock = new MockTenant();
    mock.agent.get(TENANT).intercept({ path: () => true, method: 'GET' }).reply(403, JSON.stringify({ errors: [{ code: 'HTTP-403', title: 'Forbidden' }] })).persist();
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await expect(client.readTenant()).rejects.toMatchObject({ code: 'TENANT_FORBIDDEN' });
  });
});
