// Conformance over real HTTP, groups: the core cases (also run through @qlik/api in
// qlik-api.test.ts) and one test per documented group behaviour.
import { describe, expect, it } from 'vitest';
import { coreCases, fetchDriver } from './core-cases.ts';
import { expectError, useEmulator } from './helpers.ts';

const emulator = useEmulator();
const client = () => emulator.client;

coreCases(() => fetchDriver(client), () => emulator.handle);

describe('groups: listing', () => {
  it('takes limit 1..100 and refuses anything else with a 400 naming the parameter', async () => {
    await client().group('CG-1');
    expect((await client().get('/api/v1/groups?limit=1')).status).toBe(200);
    expect((await client().get('/api/v1/groups?limit=100')).status).toBe(200);
    for (const bad of ['0', '101', '-1', '2.5', 'abc', '']) {
      const answer = await client().get(`/api/v1/groups?limit=${bad}`);
      expectError(answer, 400);
      expect(answer.body.errors[0].source).toEqual({ parameter: 'limit' });
    }
  });

  it('returns system groups only with systemGroups=true, and refuses it combined with anything', async () => {
    await client().group('CG-1');
    const system = await client().get('/api/v1/groups?systemGroups=true');
    expect(system.status).toBe(200);
    expect(system.body.data).toEqual([expect.objectContaining({ id: '000000000000000000000001', name: 'com.qlik.Everyone', status: 'active', assignedRoles: [] })]);
    expectError(await client().get('/api/v1/groups?systemGroups=true&limit=5'), 400);
    expectError(await client().get('/api/v1/groups?systemGroups=true&filter=name%20eq%20%22x%22'), 400);
    const regular = await client().get('/api/v1/groups?systemGroups=false');
    expect(regular.body.data.map((g: { name: string }) => g.name)).toEqual(['CG-1']);
    expect((await client().get('/api/v1/groups/000000000000000000000001')).body.name).toBe('com.qlik.Everyone');
  });

  it('follows prev back to the page before, and refuses next with prev, foreign cursors and a changed sort', async () => {
    for (let i = 0; i < 7; i++) await client().group(`CG-${i}`);
    const first = await client().get('/api/v1/groups?limit=3');
    const second = await client().get(first.body.links.next.href);
    expect(second.body.data.map((g: { name: string }) => g.name)).toEqual(['CG-3', 'CG-4', 'CG-5']);
    const back = await client().get(second.body.links.prev.href);
    expect(back.body.data).toEqual(first.body.data);
    expect(back.body.links.prev).toBeUndefined();
    const cursor = new URL(second.body.links.next.href).searchParams.get('next')!;
    expectError(await client().get(`/api/v1/groups?next=${cursor}&prev=${cursor}`), 400);
    expectError(await client().get('/api/v1/groups?next=not-a-cursor!'), 400);
    expectError(await client().get(`/api/v1/groups?next=${cursor}&sort=-name`), 400);
  });

  it('keeps paging stable while groups are created and deleted between pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await client().group(`CG-${i}`));
    const first = await client().get('/api/v1/groups?limit=4');
    await client().delete(`/api/v1/groups/${ids[3]}`); // the cursor's own record
    await client().group('CG-0a'); // sorts before the cursor: not seen again
    await client().group('CG-5a'); // sorts after: seen
    const second = await client().get(first.body.links.next.href);
    expect(second.body.data.map((g: { name: string }) => g.name)).toEqual(['CG-4', 'CG-5', 'CG-5a', 'CG-6']);
  });

  it('sorts by +/-name, createdAt and refuses unknown sort fields', async () => {
    for (const name of ['b', 'C', 'a']) await client().group(name);
    const names = async (sort: string): Promise<string[]> => (await client().get(`/api/v1/groups?sort=${encodeURIComponent(sort)}`)).body.data.map((g: { name: string }) => g.name);
    expect(await names('+name')).toEqual(['a', 'b', 'C']);
    expect(await names('name')).toEqual(['a', 'b', 'C']);
    expect(await names('-name')).toEqual(['C', 'b', 'a']);
    expect(await names('createdAt')).toEqual(['b', 'C', 'a']);
    expect(await names('-createdAt')).toEqual(['a', 'C', 'b']);
    expect((await client().get('/api/v1/groups?sort=+name')).body.data.map((g: { name: string }) => g.name)).toEqual(['a', 'b', 'C']); // unencoded "+"
    expectError(await client().get('/api/v1/groups?sort=members'), 400);
  });

  it('filters with eq, co, sw, and, or, parentheses, both quote styles, case-insensitively', async () => {
    await client().group('CG-Finance');
    await client().group('CG-Facilities', 'custom', { assignedRoles: [{ name: 'Steward' }] });
    await client().group('Finance', 'idp');
    await client().group('HR', 'idp');
    const names = async (filter: string): Promise<string[]> => {
      const answer = await client().get(`/api/v1/groups?filter=${encodeURIComponent(filter)}`);
      expect(answer.status, answer.text).toBe(200);
      return answer.body.data.map((g: { name: string }) => g.name);
    };
    expect(await names('name eq "cg-finance"')).toEqual(['CG-Finance']);
    expect(await names("name eq 'CG-FINANCE'")).toEqual(['CG-Finance']);
    expect(await names('name co "fin"')).toEqual(['CG-Finance', 'Finance']);
    expect(await names('name sw "cg-f"')).toEqual(['CG-Facilities', 'CG-Finance']);
    expect(await names('providerType eq "custom" AND name co "fin"')).toEqual(['CG-Finance']);
    expect(await names('name eq "HR" Or (providerType eq "custom" and name sw "CG-Fa")')).toEqual(['CG-Facilities', 'HR']);
    expect(await names('assignedRoles.name eq "steward"')).toEqual(['CG-Facilities']);
    expect(await names('status eq "active" and providerType eq "idp"')).toEqual(['Finance', 'HR']);
    expect(await names('createdAt gt "2000-01-01T00:00:00.000Z"')).toHaveLength(4);
    expect(await names('createdAt lt "2000-01-01T00:00:00Z"')).toEqual([]);
    const id = (await client().get(`/api/v1/groups?filter=${encodeURIComponent('name eq "HR"')}`)).body.data[0].id;
    expect(await names(`id eq "${id}"`)).toEqual(['HR']);
  });

  it('refuses bad filters with a 400 naming the filter parameter', async () => {
    for (const filter of ['name eq', 'name eq "x', '(name eq "x"', 'name eq x', 'members eq "x"', 'name ne "x"', 'not (name eq "x")', 'name eq "x" and', 'name eq "x")', 'emails[type eq "work"]', 'createdAt gt "yesterday"', 'name pr']) {
      const answer = await client().get(`/api/v1/groups?filter=${encodeURIComponent(filter)}`);
      expectError(answer, 400);
      expect(answer.body.errors[0].source, filter).toEqual({ parameter: 'filter' });
    }
  });

  it('counts all matches with totalResults=true, not only the page', async () => {
    for (let i = 0; i < 5; i++) await client().group(`CG-${i}`);
    await client().group('other');
    const answer = await client().get(`/api/v1/groups?limit=2&totalResults=true&filter=${encodeURIComponent('name sw "CG-"')}`);
    expect(answer.body.totalResults).toBe(5);
    expect(answer.body.data).toHaveLength(2);
    expect((await client().get('/api/v1/groups?limit=2')).body.totalResults).toBeUndefined();
  });
});

describe('groups: create', () => {
  it('keeps custom-group names unique case-sensitively (409); a custom group may share its name with an IdP group', async () => {
    await client().group('CG-Team');
    const duplicate = await client().post('/api/v1/groups', { name: 'CG-Team', providerType: 'custom' });
    expectError(duplicate, 409);
    expect(duplicate.body.errors[0].source).toEqual({ pointer: '/name' });
    expect((await client().post('/api/v1/groups', { name: 'cg-team', providerType: 'custom' })).status).toBe(201);
    expect((await client().post('/api/v1/groups', { name: 'CG-Team', providerType: 'idp' })).status).toBe(201);
    expect((await client().post('/api/v1/groups', { name: 'Sales' })).status).toBe(201);
    expect((await client().post('/api/v1/groups', { name: 'Sales', providerType: 'custom' })).status).toBe(201);
    expectError(await client().post('/api/v1/groups', { name: 'Sales' }), 409);
  });

  it('accepts names up to 256 characters (counted as characters, not bytes) and refuses longer or blank ones', async () => {
    expect((await client().post('/api/v1/groups', { name: 'x'.repeat(256), providerType: 'custom' })).status).toBe(201);
    expect((await client().post('/api/v1/groups', { name: '€'.repeat(255) + '😀', providerType: 'custom' })).status).toBe(201);
    for (const name of ['y'.repeat(257), '', '   ', 'tab\there']) {
      const answer = await client().post('/api/v1/groups', { name, providerType: 'custom' });
      expectError(answer, 400);
      expect(answer.body.errors[0].source).toEqual({ pointer: '/name' });
    }
  });

  it('stops at 10,000 groups with a 400, and takes new ones again after a delete', async () => {
    const api = emulator.handle.api;
    for (let i = 0; i < 9_999; i++) api.createGroup({ name: `bulk-${i}`, providerType: i % 2 ? 'custom' : 'idp' });
    const last = await client().group('CG-10000');
    const over = await client().post('/api/v1/groups', { name: 'CG-10001', providerType: 'custom' });
    expectError(over, 400);
    expect(over.body.errors[0].detail).toMatch(/10000/);
    expect((await client().post('/api/v1/groups', { name: 'IdP-10001' })).status).toBe(400);
    expect((await client().get('/api/v1/groups?limit=1&totalResults=true')).body.totalResults).toBe(10_000);
    expect((await client().delete(`/api/v1/groups/${last}`)).status).toBe(204);
    expect((await client().post('/api/v1/groups', { name: 'CG-again', providerType: 'custom' })).status).toBe(201);
  });

  it('assigns roles by id or case-sensitive name; an unknown role is a 400 and creates nothing', async () => {
    const created = await client().post('/api/v1/groups', { name: 'CG-R', providerType: 'custom', assignedRoles: [{ id: '60804cf8a77b649c66733f60' }, { name: 'Steward' }] });
    expect(created.body.assignedRoles.map((r: { name: string }) => r.name)).toEqual(['TenantAdmin', 'Steward']);
    for (const assignedRoles of [[{ name: 'tenantadmin' }], [{ name: 'NoSuchRole' }], [{ id: 'ffffffffffffffffffffffff' }], [{}], ['TenantAdmin'], { name: 'TenantAdmin' }]) {
      expectError(await client().post('/api/v1/groups', { name: 'CG-bad', providerType: 'custom', assignedRoles }), 400);
    }
    expect((await client().get(`/api/v1/groups?filter=${encodeURIComponent('name eq "CG-bad"')}`)).body.data).toEqual([]);
  });

  it('refuses a status other than active, an unknown providerType and unknown properties', async () => {
    expectError(await client().post('/api/v1/groups', { name: 'g', status: 'disabled' }), 400);
    expectError(await client().post('/api/v1/groups', { name: 'g', providerType: 'scim' }), 400);
    const unknown = await client().post('/api/v1/groups', { name: 'g', owner: 'me' });
    expectError(unknown, 400);
    expect(unknown.body.errors[0].source).toEqual({ pointer: '/owner' });
  });
});

describe('groups: patch and delete', () => {
  it('replaces only: other ops, other paths, and name/description on IdP groups are 400 and change nothing', async () => {
    const idp = await client().group('IdP-Group', 'idp');
    const before = (await client().get(`/api/v1/groups/${idp}`)).body;
    for (const ops of [
      [{ op: 'add', path: '/assignedRoles', value: [{ name: 'Steward' }] }],
      [{ op: 'remove', path: '/assignedRoles' }],
      [{ op: 'replace', path: '/status', value: 'disabled' }],
      [{ op: 'replace', path: '/name', value: 'Renamed' }],
      [{ op: 'replace', path: '/assignedRoles', value: [{ name: 'Steward' }] }, { op: 'replace', path: '/description', value: 'x' }],
      [],
      { op: 'replace', path: '/name', value: 'x' },
    ]) {
      expectError(await client().patch(`/api/v1/groups/${idp}`, ops), 400);
    }
    expect((await client().get(`/api/v1/groups/${idp}`)).body).toEqual(before);
    expect((await client().patch(`/api/v1/groups/${idp}`, [{ op: 'replace', path: 'assignedRoles', value: [{ name: 'Steward' }] }])).status).toBe(204);
    expect((await client().get(`/api/v1/groups/${idp}`)).body.assignedRoles.map((r: { name: string }) => r.name)).toEqual(['Steward']);
  });

  it('replaces roles as a whole, and refuses renaming onto another custom group (409)', async () => {
    const id = await client().group('CG-A', 'custom', { assignedRoles: [{ name: 'Steward' }, { name: 'Developer' }] });
    await client().group('CG-B');
    await client().group('CG-C', 'idp');
    expect((await client().patch(`/api/v1/groups/${id}`, [{ op: 'replace', path: '/assignedRoles', value: [{ name: 'AuditAdmin' }] }])).status).toBe(204);
    expect((await client().get(`/api/v1/groups/${id}`)).body.assignedRoles.map((r: { name: string }) => r.name)).toEqual(['AuditAdmin']);
    expectError(await client().patch(`/api/v1/groups/${id}`, [{ op: 'replace', path: '/name', value: 'CG-B' }]), 409);
    expect((await client().patch(`/api/v1/groups/${id}`, [{ op: 'replace', path: '/name', value: 'CG-C' }])).status).toBe(204);
    expect((await client().patch(`/api/v1/groups/${id}`, [{ op: 'replace', path: '/name', value: 'CG-C' }])).status).toBe(204);
  });

  it('refuses to delete a custom group with members (400), deletes it once empty', async () => {
    const group = await client().group('CG-Busy');
    const user = await client().user('u1');
    await client().addTo(user, group);
    const refused = await client().delete(`/api/v1/groups/${group}`);
    expectError(refused, 400);
    expect(refused.body.errors[0].detail).toMatch(/1 member/);
    expect((await client().get(`/api/v1/groups/${group}`)).status).toBe(200);
    expect((await client().patch(`/api/v1/users/${user}`, [{ op: 'remove-value', path: '/assignedGroups', value: group }])).status).toBe(204);
    expect((await client().delete(`/api/v1/groups/${group}`)).status).toBe(204);
  });

  it('deletes an IdP group with members, dropping the memberships', async () => {
    const user = emulator.handle.login({ subject: 'idp-user', groups: ['Engineering'] });
    const group = (user.assignedGroups as { id: string }[])[0]!.id;
    expect((await client().delete(`/api/v1/groups/${group}`)).status).toBe(204);
    expect(await client().groupIdsOf(user.id as string)).toEqual([]);
  });

  it('answers GROUPS-7 for unknown ids on GET, PATCH and DELETE; the Everyone group cannot be changed', async () => {
    const unknown = 'abcdefabcdefabcdefabcdef';
    expectError(await client().get(`/api/v1/groups/${unknown}`), 404, 'GROUPS-7');
    expectError(await client().patch(`/api/v1/groups/${unknown}`, [{ op: 'replace', path: '/name', value: 'x' }]), 404, 'GROUPS-7');
    expectError(await client().delete(`/api/v1/groups/${unknown}`), 404, 'GROUPS-7');
    expectError(await client().get('/api/v1/groups/not-an-id'), 404, 'GROUPS-7');
    expectError(await client().delete('/api/v1/groups/000000000000000000000001'), 400);
    expectError(await client().patch('/api/v1/groups/000000000000000000000001', [{ op: 'replace', path: '/assignedRoles', value: [] }]), 400);
  });
});

describe('groups: actions/filter and settings', () => {
  it('filters by body, pages with the same body, and allows at most 100 ids', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await client().group(`CG-${i}`));
    const filter = ids.map((id) => `id eq "${id}"`).join(' or ');
    const first = await client().post('/api/v1/groups/actions/filter?limit=3', { filter });
    expect(first.status).toBe(200);
    expect(first.body.data.map((g: { id: string }) => g.id)).toEqual(ids.slice(0, 3));
    const second = await client().post(first.body.links.next.href, { filter });
    expect(second.body.data.map((g: { id: string }) => g.id)).toEqual(ids.slice(3));
    expect(second.body.links.next).toBeUndefined();
    const many = Array.from({ length: 101 }, (_, i) => `id eq "${i.toString(16).padStart(24, '0')}"`).join(' or ');
    const refused = await client().post('/api/v1/groups/actions/filter', { filter: many });
    expectError(refused, 400);
    expect(refused.body.errors[0].source).toEqual({ pointer: '/filter' });
    expect((await client().post('/api/v1/groups/actions/filter', { filter: many.split(' or ').slice(0, 100).join(' or ') })).status).toBe(200);
    expectError(await client().post('/api/v1/groups/actions/filter', { filter: 'name eq' }), 400);
    expectError(await client().post('/api/v1/groups/actions/filter', { query: 'x' }), 400);
  });

  it('shows the group settings with the Everyone group', async () => {
    const answer = await client().get('/api/v1/groups/settings');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ autoCreateGroups: true, syncIdpGroups: true, tenantId: emulator.handle.core.tenant.tenantId, systemGroups: { '000000000000000000000001': { name: 'com.qlik.Everyone', enabled: true } } });
  });
});
