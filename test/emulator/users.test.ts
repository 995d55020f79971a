// Conformance over real HTTP, users: create (409s, no assignedGroups), membership PATCH (by id,
// by name, remove-value, replace; IdP groups refused; any failing op rejects the whole array),
// 404 USERS-7, filters (documented attributes and the status-grouping rule), fields, me, count.
import { describe, expect, it } from 'vitest';
import { expectError, ID, ISO_MS, useEmulator } from './helpers.ts';

const emulator = useEmulator();
const client = () => emulator.client;

describe('users: create', () => {
  it('creates a user (201) with the documented shape; status invited may be asked for', async () => {
    const answer = await client().post('/api/v1/users', { subject: 'ldap|carol', email: 'carol@example.com', name: 'Carol', assignedRoles: [{ name: 'Developer' }] });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ subject: 'ldap|carol', email: 'carol@example.com', name: 'Carol', status: 'active', assignedGroups: [], groups: [], tenantId: emulator.handle.core.tenant.tenantId });
    expect(answer.body.id).toMatch(ID);
    expect(answer.body.createdAt).toMatch(ISO_MS);
    expect(answer.body.assignedRoles).toEqual([{ id: '60804cf8a77b649c66733f65', name: 'Developer', type: 'default', level: 'user' }]);
    expect(answer.body.links.self.href).toBe(`${emulator.handle.url}/api/v1/users/${answer.body.id}`);
    const invited = await client().post('/api/v1/users', { subject: 'dave', email: 'dave@example.com', status: 'invited' });
    expect(invited.body.status).toBe('invited');
    expect(invited.body.name).toBe('dave@example.com');
  });

  it('refuses a duplicate subject or email with 409 (case-insensitively, across statuses)', async () => {
    await client().user('erin');
    expectError(await client().post('/api/v1/users', { subject: 'erin', email: 'other@example.com' }), 409);
    expectError(await client().post('/api/v1/users', { subject: 'ERIN', email: 'other@example.com' }), 409);
    const byEmail = await client().post('/api/v1/users', { subject: 'erin2', email: 'ERIN@example.com' });
    expectError(byEmail, 409);
    expect(byEmail.body.errors[0].source).toEqual({ pointer: '/email' });
    const disabled = await client().user('frank');
    expect((await client().patch(`/api/v1/users/${disabled}`, [{ op: 'replace', path: '/status', value: 'disabled' }])).status).toBe(204);
    expectError(await client().post('/api/v1/users', { subject: 'frank2', email: 'frank@example.com' }), 409);
    expect((await client().get('/api/v1/users/actions/count')).body).toEqual({ total: 2 });
  });

  it('refuses assignedGroups on create, a missing subject, bad emails and other statuses', async () => {
    const groups = await client().post('/api/v1/users', { subject: 'g', assignedGroups: [] });
    expectError(groups, 400);
    expect(groups.body.errors[0].source).toEqual({ pointer: '/assignedGroups' });
    expectError(await client().post('/api/v1/users', { email: 'x@example.com' }), 400);
    expectError(await client().post('/api/v1/users', { subject: 'g', email: 'not-an-email' }), 400);
    expectError(await client().post('/api/v1/users', { subject: 'g', status: 'active' }), 400);
    expectError(await client().post('/api/v1/users', { subject: 'g', tenantId: 'another-tenant' }), 400);
    expectError(await client().post('/api/v1/users', { subject: 42 }), 400);
    expect((await client().get('/api/v1/users/actions/count')).body.total).toBe(0);
  });
});

describe('users: membership PATCH', () => {
  it('refuses adding or removing an IdP group (400), changing nothing', async () => {
    const custom = await client().group('CG-1');
    const idp = await client().group('IdP-1', 'idp');
    const user = await client().user('u');
    await client().addTo(user, custom);
    for (const ops of [
      [{ op: 'add', path: '/assignedGroups/-', value: idp }],
      [{ op: 'add', path: '/assignedGroups/-', value: { name: 'IdP-1', providerType: 'idp' } }],
      [{ op: 'remove-value', path: '/assignedGroups', value: custom }, { op: 'add', path: '/assignedGroups/-', value: { id: idp } }],
    ]) {
      expectError(await client().patch(`/api/v1/users/${user}`, ops), 400);
    }
    const loggedIn = emulator.handle.login({ subject: 'v', groups: ['IdP-1'] });
    const remove = await client().patch(`/api/v1/users/${loggedIn.id}`, [{ op: 'remove-value', path: '/assignedGroups', value: idp }]);
    expectError(remove, 400);
    expect(await client().groupIdsOf(user)).toEqual([custom]);
    expect(await client().groupIdsOf(loggedIn.id as string)).toEqual([idp]);
  });

  it('rejects the whole array when any op fails: unknown group, not a member, bad op or path, bad value', async () => {
    const a = await client().group('CG-A');
    const b = await client().group('CG-B');
    const user = await client().user('u');
    await client().addTo(user, a);
    const add = { op: 'add', path: '/assignedGroups/-', value: b };
    const cases: unknown[][] = [
      [add, { op: 'add', path: '/assignedGroups/-', value: 'ffffffffffffffffffffffff' }],
      [add, { op: 'remove-value', path: '/assignedGroups', value: b }, { op: 'remove-value', path: '/assignedGroups', value: b }],
      [add, { op: 'remove-value', path: '/assignedGroups', value: 'ffffffffffffffffffffffff' }],
      [add, { op: 'remove', path: '/assignedGroups/0' }],
      [add, { op: 'add', path: '/assignedGroups', value: b }],
      [add, { op: 'add', path: '/assignedGroups/-', value: { name: 'cg-a', providerType: 'custom' } }],
      [add, { op: 'add', path: '/assignedGroups/-', value: { name: 'CG-A' } }],
      [add, { op: 'add', path: '/assignedGroups/-', value: 42 }],
      [add, { op: 'remove-value', path: '/assignedGroups', value: { id: a } }],
      [add, { op: 'add', path: '/assignedGroups/-', value: '000000000000000000000001' }],
      [add, { op: 'replace', path: '/email', value: 'x@example.com' }],
      [add, { op: 'add', path: '/assignedGroups/-' }],
      [add, 'not an op'],
      [add, add],
    ];
    for (const ops of cases) {
      const answer = await client().patch(`/api/v1/users/${user}`, ops);
      expectError(answer, 400);
      expect(answer.body.errors[0].source?.pointer, JSON.stringify(ops)).toMatch(/^\/\d+/);
    }
    expect(await client().groupIdsOf(user)).toEqual([a]);
    expect(emulator.handle.membershipLog().filter((e) => e.userId === user)).toHaveLength(1);
  });

  it('applies several adds and removes in one PATCH, by id, {id} and {name, providerType}', async () => {
    const [a, b, c, d] = [await client().group('CG-A'), await client().group('CG-B'), await client().group('CG-C'), await client().group('CG-D')];
    const user = await client().user('u');
    await client().addTo(user, a, b);
    const answer = await client().patch(`/api/v1/users/${user}`, [
      { op: 'remove-value', path: '/assignedGroups', value: a },
      { op: 'add', path: '/assignedGroups/-', value: { id: c } },
      { op: 'add', path: 'assignedGroups/-', value: { name: 'CG-D', providerType: 'custom' } },
    ]);
    expect(answer.status).toBe(204);
    expect(await client().groupIdsOf(user)).toEqual([b, c, d]);
    const net = await client().patch(`/api/v1/users/${user}`, [
      { op: 'add', path: '/assignedGroups/-', value: a },
      { op: 'remove-value', path: '/assignedGroups', value: a },
    ]);
    expect(net.status).toBe(204);
    expect(await client().groupIdsOf(user)).toEqual([b, c, d]);
  });

  it('replaces the custom groups of a user without IdP groups, and refuses replace when the user has IdP groups', async () => {
    const [a, b] = [await client().group('CG-A'), await client().group('CG-B')];
    const user = await client().user('u');
    await client().addTo(user, a);
    expect((await client().patch(`/api/v1/users/${user}`, [{ op: 'replace', path: '/assignedGroups', value: [{ id: b }, { name: 'CG-A', providerType: 'custom' }] }])).status).toBe(204);
    expect(await client().groupIdsOf(user)).toEqual([b, a]);
    const withIdp = emulator.handle.login({ subject: 'w', groups: ['IdP-X'] }).id as string;
    expectError(await client().patch(`/api/v1/users/${withIdp}`, [{ op: 'replace', path: '/assignedGroups', value: [{ id: a }] }]), 400);
    expect((await client().groupIdsOf(withIdp))).toHaveLength(1);
  });

  it('replaces name, roles and status of a user', async () => {
    const user = await client().user('u');
    const answer = await client().patch(`/api/v1/users/${user}`, [
      { op: 'replace', path: '/name', value: 'New Name' },
      { op: 'replace', path: '/assignedRoles', value: [{ name: 'Steward' }] },
      { op: 'replace', path: '/status', value: 'disabled' },
    ]);
    expect(answer.status).toBe(204);
    expect((await client().get(`/api/v1/users/${user}`)).body).toMatchObject({ name: 'New Name', status: 'disabled', assignedRoles: [{ name: 'Steward' }] });
  });

  it('answers USERS-7 for unknown users on GET, PATCH and DELETE', async () => {
    const unknown = 'abcdefabcdefabcdefabcdef';
    expectError(await client().get(`/api/v1/users/${unknown}`), 404, 'USERS-7');
    expectError(await client().patch(`/api/v1/users/${unknown}`, [{ op: 'replace', path: '/name', value: 'x' }]), 404, 'USERS-7');
    expectError(await client().delete(`/api/v1/users/${unknown}`), 404, 'USERS-7');
  });

  it('deletes a user (204) and its memberships, so its custom group can be deleted', async () => {
    const group = await client().group('CG-A');
    const user = await client().user('u');
    await client().addTo(user, group);
    expect((await client().delete(`/api/v1/users/${user}`)).status).toBe(204);
    expectError(await client().get(`/api/v1/users/${user}`), 404, 'USERS-7');
    expect((await client().delete(`/api/v1/groups/${group}`)).status).toBe(204);
  });
});

describe('users: reading', () => {
  it('filters on the documented attributes with eq and co, case-insensitively', async () => {
    const group = await client().group('CG-A', 'custom', { assignedRoles: [{ name: 'Steward' }] });
    const alice = await client().user('alice', { name: 'Alice Smith', assignedRoles: [{ name: 'Developer' }] });
    const bob = await client().user('bob', { name: 'Bob Jones' });
    await client().addTo(bob, group);
    const ids = async (filter: string): Promise<string[]> => {
      const answer = await client().get(`/api/v1/users?filter=${encodeURIComponent(filter)}`);
      expect(answer.status, `${filter}: ${answer.text}`).toBe(200);
      return answer.body.data.map((u: { id: string }) => u.id);
    };
    expect(await ids(`id eq "${alice}"`)).toEqual([alice]);
    expect(await ids('subject eq "BOB"')).toEqual([bob]);
    expect(await ids("email eq 'Alice@Example.com'")).toEqual([alice]);
    expect(await ids('name eq "alice smith"')).toEqual([alice]);
    expect(await ids('name co "o"')).toEqual([bob]);
    expect(await ids('email co "example"')).toEqual([alice, bob]);
    expect(await ids('subject co "LI"')).toEqual([alice]);
    expect(await ids('name sw "bob"')).toEqual([bob]);
    expect(await ids('assignedRoles.name eq "developer"')).toEqual([alice]);
    expect(await ids('assignedRoles.id eq "60804cf8a77b649c66733f65"')).toEqual([alice]);
    expect(await ids(`assignedGroups.id eq "${group}"`)).toEqual([bob]);
    expect(await ids('assignedGroupsAssignedRoles.name eq "Steward"')).toEqual([bob]);
    expect(await ids('clientId eq "x"')).toEqual([]);
    expect(await ids(`(id eq "${alice}" or id eq "${bob}") and (status eq "active" or status eq "disabled")`)).toEqual([alice, bob]);
    expect(await ids('status eq "active"')).toEqual([alice, bob]);
  });

  it('refuses undocumented operators and status clauses not grouped as one', async () => {
    for (const filter of ['name eq "Bob" or name eq "Alice" and (status eq "active" or status eq "disabled")', 'status eq "active" or name eq "x"', 'status co "act"', 'subject ne "x"', 'createdAt gt "2020-01-01T00:00:00Z"', 'groups eq "x"']) {
      const answer = await client().get(`/api/v1/users?filter=${encodeURIComponent(filter)}`);
      expectError(answer, 400);
      expect(answer.body.errors[0].source, filter).toEqual({ parameter: 'filter' });
    }
    expect((await client().get(`/api/v1/users?filter=${encodeURIComponent('(name eq "Bob" or name eq "Alice") and (status eq "active" or status eq "disabled")')}`)).status).toBe(200);
  });

  it('returns only the requested fields; links only when asked for', async () => {
    const group = await client().group('CG-A');
    const user = await client().user('u');
    await client().addTo(user, group);
    const list = await client().get('/api/v1/users?fields=id,subject,email,status,assignedGroups,name');
    expect(list.body.data).toEqual([{ id: user, subject: 'u', email: 'u@example.com', status: 'active', name: 'u', assignedGroups: [{ id: group, name: 'CG-A', providerType: 'custom', assignedRoles: [] }] }]);
    expect((await client().get(`/api/v1/users/${user}?fields=subject,links`)).body).toEqual({ subject: 'u', links: { self: { href: `${emulator.handle.url}/api/v1/users/${user}` } } });
    expectError(await client().get('/api/v1/users?fields=id,password'), 400);
  });

  it('sorts users by the documented fields', async () => {
    await client().user('b', { name: 'Zed' });
    await client().user('a', { name: 'yan' });
    await client().user('c', { name: 'Xia' });
    const subjects = async (sort: string): Promise<string[]> => (await client().get(`/api/v1/users?sort=${encodeURIComponent(sort)}`)).body.data.map((u: { subject: string }) => u.subject);
    expect(await subjects('+name')).toEqual(['c', 'a', 'b']);
    expect(await subjects('-name')).toEqual(['b', 'a', 'c']);
    expect(await subjects('subject')).toEqual(['a', 'b', 'c']);
    expect(await subjects('-email')).toEqual(['c', 'b', 'a']);
    expect(await subjects('createdAt')).toEqual(['b', 'a', 'c']);
    expectError(await client().get('/api/v1/users?sort=+groups'), 400);
  });

  it('answers /users/me with the caller, not listed among the users; counts users', async () => {
    await client().user('u');
    const me = await client().get('/api/v1/users/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: expect.stringMatching(ID), status: 'active', assignedRoles: [{ name: 'TenantAdmin' }] });
    expect((await client().get('/api/v1/users')).body.data.map((u: { id: string }) => u.id)).not.toContain(me.body.id);
    expect((await client().get('/api/v1/users/actions/count')).body).toEqual({ total: 1 });
  });

  it('filters by POST actions/filter with fields and paging', async () => {
    for (let i = 0; i < 3; i++) await client().user(`u${i}`);
    const first = await client().post('/api/v1/users/actions/filter?limit=2&fields=subject', { filter: 'subject sw "u"' });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([{ subject: 'u0' }, { subject: 'u1' }]);
    const second = await client().post(first.body.links.next.href, { filter: 'subject sw "u"' });
    expect(second.body.data).toEqual([{ subject: 'u2' }]);
    expect((await client().post('/api/v1/users/actions/filter', {})).body.data).toHaveLength(3);
    expectError(await client().post('/api/v1/users/actions/filter', { filter: 7 }), 400);
  });
});
