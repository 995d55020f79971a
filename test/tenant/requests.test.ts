// Exact request shapes against an undici MockAgent: every declared request must be made (and no
// other), with the documented method, path, query and JSON body, the User-Agent and the bearer.
import { afterEach, describe, expect, it } from 'vitest';
import { createTenantClient } from '../../src/tenant/client.ts';
import { VERSION } from '../../src/version.ts';
import { hex24, MockTenant, page, TENANT, tenantConfig } from './helpers.ts';

const USER_FIELDS = 'id,subject,name,email,status,assignedGroups';
const G1 = hex24(0xa1);
const G2 = hex24(0xa2);
const G3 = hex24(0xa3);
const U1 = hex24(0xb1);

function groupJson(id: string, name: string, extra: Record<string, unknown> = {}) {
  return { id, name, status: 'active', providerType: 'custom', tenantId: 't', createdAt: '2025-01-24T17:34:46.210Z', assignedRoles: [], ...extra };
}

let mock: MockTenant;
afterEach(async () => {
  await mock?.close();
});

describe('requests', () => {
  it('sends the API key as a bearer token with the product User-Agent, and asks for JSON', async () => {
    mock = new MockTenant().on({ method: 'GET', pathname: `/api/v1/groups/${G1}` }, { status: 200, json: groupJson(G1, 'CG-Sales') });
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const group = await client.getGroup(G1);
    expect(group).toEqual({ id: G1, name: 'CG-Sales', providerType: 'custom', status: 'active', assignedRoles: [] });
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer test-api-key-0123456789');
    expect(mock.requests[0]!.headers['user-agent']).toBe(`qlik-group-sync/${VERSION}`);
    expect(mock.requests[0]!.headers.accept).toBe('application/json');
    mock.assertDone();
    expect(client.stats()).toEqual({ byTier: { tier1: { ok: 1 } }, total: 1, writes: 0, retries: 0, rateLimited: 0 });
  });

  it('lists users 100 at a time with only the needed fields, following links.next to the last page', async () => {
    const users = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: hex24(from + i), subject: `s${from + i}`, name: `n${from + i}`, status: 'active', assignedGroups: [] }));
    mock = new MockTenant()
      .on(
        { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS } },
        { status: 200, json: page(users(0, 100), `${TENANT}/api/v1/users?limit=100&fields=${encodeURIComponent(USER_FIELDS)}&next=c1`) },
      )
      // A next link that dropped `fields` gets the walk's query back.
      .on(
        { method: 'GET', pathname: '/api/v1/users', query: { next: 'c2', limit: '100', fields: USER_FIELDS } },
        { status: 200, json: page(users(200, 5)) },
      )
      .on(
        { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, next: 'c1' } },
        { status: 200, json: page(users(100, 100), '/api/v1/users?next=c2') },
      );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const seen: string[] = [];
    for await (const user of client.listUsers()) seen.push(user.subject);
    expect(seen).toHaveLength(205);
    expect(seen[0]).toBe('s0');
    expect(seen[204]).toBe('s204');
    mock.assertDone();
    expect(client.stats().total).toBe(3);
  });

  it('creates a custom group with the documented body', async () => {
    mock = new MockTenant().on(
      {
        method: 'POST',
        pathname: '/api/v1/groups',
        body: { name: 'CG-Sales', providerType: 'custom', status: 'active', description: 'sync: guid-1', assignedRoles: [{ name: 'Developer' }, { name: 'DataAdmin' }] },
      },
      { status: 201, json: groupJson(G1, 'CG-Sales', { description: 'sync: guid-1', assignedRoles: [{ id: 'r1', name: 'Developer', type: 'default', level: 'user' }] }) },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const group = await client.createGroup({ name: 'CG-Sales', description: 'sync: guid-1', roles: ['Developer', 'DataAdmin'] });
    expect(group.id).toBe(G1);
    expect(group.assignedRoles).toEqual([{ id: 'r1', name: 'Developer' }]);
    expect(mock.requests[0]!.headers['content-type']).toBe('application/json');
    mock.assertDone();
    expect(client.stats()).toMatchObject({ byTier: { tier2: { ok: 1 } }, writes: 1 });
  });

  it('patches a group with replace operations only, roles by name as a whole', async () => {
    mock = new MockTenant().on(
      {
        method: 'PATCH',
        pathname: `/api/v1/groups/${G1}`,
        body: [
          { op: 'replace', path: '/name', value: 'CG-Sales-EU' },
          { op: 'replace', path: '/description', value: 'sync: guid-1' },
          { op: 'replace', path: '/assignedRoles', value: [{ name: 'Developer' }] },
        ],
      },
      { status: 204 },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await client.patchGroup(G1, { name: 'CG-Sales-EU', description: 'sync: guid-1', roles: ['Developer'] });
    await client.patchGroup(G1, {}); // nothing to change: no request
    mock.assertDone();
    expect(client.stats().total).toBe(1);
  });

  it('removes every role with an empty array', async () => {
    mock = new MockTenant().on(
      { method: 'PATCH', pathname: `/api/v1/groups/${G1}`, body: [{ op: 'replace', path: '/assignedRoles', value: [] }] },
      { status: 204 },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await client.patchGroup(G1, { roles: [] });
    mock.assertDone();
  });

  it('deletes a group', async () => {
    mock = new MockTenant().on({ method: 'DELETE', pathname: `/api/v1/groups/${G1}` }, { status: 204 });
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await client.deleteGroup(G1);
    mock.assertDone();
  });

  it('creates a user with subject, email and name only (memberships are patched afterwards)', async () => {
    mock = new MockTenant().on(
      { method: 'POST', pathname: '/api/v1/users', body: { subject: 'ACME\\alice', email: 'alice@acme.example', name: 'Alice' } },
      { status: 201, json: { id: U1, subject: 'ACME\\alice', email: 'alice@acme.example', name: 'Alice', status: 'invited', tenantId: 't' } },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const user = await client.createUser({ subject: 'ACME\\alice', email: 'alice@acme.example', name: 'Alice' });
    expect(user).toEqual({ id: U1, subject: 'ACME\\alice', email: 'alice@acme.example', name: 'Alice', status: 'invited', assignedGroups: [] });
    mock.assertDone();
  });

  it("patches all of a user's memberships in one request: adds by id or by name, removes by id, never replace", async () => {
    mock = new MockTenant().on(
      {
        method: 'PATCH',
        pathname: `/api/v1/users/${U1}`,
        body: [
          { op: 'add', path: '/assignedGroups/-', value: G1 },
          { op: 'add', path: '/assignedGroups/-', value: { name: 'CG-New', providerType: 'custom' } },
          { op: 'remove-value', path: '/assignedGroups', value: G2 },
          { op: 'remove-value', path: '/assignedGroups', value: G3 },
        ],
      },
      { status: 204 },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    await client.patchUserGroups(U1, { add: [{ id: G1, name: 'CG-Sales' }, { name: 'CG-New' }], remove: [G2, G3] });
    await client.patchUserGroups(U1, { add: [], remove: [] }); // nothing: no request
    mock.assertDone();
    expect(client.stats()).toMatchObject({ total: 1, writes: 1 });
  });

  it('looks groups up by name and users by subject with quoted, escaped SCIM filters', async () => {
    mock = new MockTenant()
      .on(
        { method: 'GET', pathname: '/api/v1/groups', query: { limit: '100', filter: 'name eq "CG-\\"odd\\" name"' } },
        { status: 200, json: page([groupJson(G1, 'CG-"odd" name'), groupJson(G2, 'cg-"ODD" name', { providerType: 'idp' })]) },
      )
      .on(
        { method: 'GET', pathname: '/api/v1/users', query: { limit: '100', fields: USER_FIELDS, filter: 'subject eq "ACME\\\\bob"' } },
        { status: 200, json: page([{ id: U1, subject: 'ACME\\bob', status: 'active' }]) },
      );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    expect((await client.findGroupsByName('CG-"odd" name')).map((g) => g.id)).toEqual([G1, G2]);
    expect((await client.findUserBySubject('ACME\\bob'))?.id).toBe(U1);
    mock.assertDone();
  });
});
