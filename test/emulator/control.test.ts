// The control surface over real HTTP: simulated IdP logins, statistics, CloudEvents in the seed
// shapes, the membership log, reset, and state export/import (also through --state files).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { Client, expectError, ID, ISO_MS, useEmulator } from './helpers.ts';

const emulator = useEmulator();
const client = () => emulator.client;

describe('control: login', () => {
  it('creates the user, auto-creates IdP groups and sets the IdP memberships from the claims', async () => {
    const first = await client().post('/__emulator/login', { subject: 'okta|1', name: 'Ann', email: 'ann@example.com', groups: ['Engineering', 'Staff'] });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ subject: 'okta|1', name: 'Ann', email: 'ann@example.com', status: 'active', groups: ['Engineering', 'Staff'] });
    expect(first.body.assignedGroups.map((g: { name: string; providerType: string }) => `${g.providerType}:${g.name}`)).toEqual(['idp:Engineering', 'idp:Staff']);
    const custom = await client().group('CG-Keep');
    await client().addTo(first.body.id, custom);

    const second = await client().post('/__emulator/login', { subject: 'OKTA|1', groups: ['Staff', 'Managers'] });
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.assignedGroups.map((g: { name: string }) => g.name)).toEqual(['Staff', 'CG-Keep', 'Managers']); // assignment order
    const idpGroups = (await client().get(`/api/v1/groups?filter=${encodeURIComponent('providerType eq "idp"')}`)).body.data.map((g: { name: string }) => g.name);
    expect(idpGroups).toEqual(['Engineering', 'Managers', 'Staff']);
  });

  it('activates an invited user, refuses a disabled one, and ignores claimed groups with invalid names', async () => {
    const invited = await client().post('/api/v1/users', { subject: 'inv', email: 'inv@example.com', status: 'invited' });
    expect((await client().post('/__emulator/login', { subject: 'inv' })).body.status).toBe('active');
    expect((await client().get(`/api/v1/users/${invited.body.id}`)).body.status).toBe('active');
    const disabled = await client().user('off');
    await client().patch(`/api/v1/users/${disabled}`, [{ op: 'replace', path: '/status', value: 'disabled' }]);
    expectError(await client().post('/__emulator/login', { subject: 'off' }), 403);
    const long = 'L'.repeat(257);
    const answer = await client().post('/__emulator/login', { subject: 'z', groups: [long, 'Fine'] });
    expect(answer.status).toBe(200);
    expect(answer.body.groups).toEqual(['Fine']);
    expect(JSON.parse(decodeURIComponent(answer.headers.get('x-emulator-ignored-groups')!))).toEqual([long]);
    expectError(await client().post('/__emulator/login', { name: 'no subject' }), 400);
    expectError(await client().post('/__emulator/login', { subject: 'z', groups: 'Fine' }), 400);
  });

  it('ignores new claimed groups once the tenant has 10,000 groups, as documented', async () => {
    for (let i = 0; i < 10_000; i++) emulator.handle.api.createGroup({ name: `g-${i}`, providerType: 'custom' });
    const answer = await client().post('/__emulator/login', { subject: 'late', groups: ['Brand-New', 'g-1'] });
    expect(answer.status).toBe(200);
    expect(answer.body.groups).toEqual([]);
  });
});

describe('control: events and membership log', () => {
  it('emits CloudEvents for group created/updated/deleted, users.modified and user created/deleted, in the seed shapes', async () => {
    const group = await client().group('CG-Ev', 'custom', { assignedRoles: [{ name: 'Steward' }] });
    const user = await client().user('ev');
    await client().addTo(user, group);
    await client().patch(`/api/v1/groups/${group}`, [{ op: 'replace', path: '/name', value: 'CG-Ev2' }]);
    await client().patch(`/api/v1/users/${user}`, [{ op: 'remove-value', path: '/assignedGroups', value: group }]);
    await client().delete(`/api/v1/groups/${group}`);
    await client().delete(`/api/v1/users/${user}`);

    const events = (await client().get('/__emulator/events')).body as any[];
    expect(events.map((e) => e.type)).toEqual([
      'com.qlik.v1.group.created',
      'com.qlik.v1.user.created',
      'com.qlik.v1.group.users.modified',
      'com.qlik.v1.group.updated',
      'com.qlik.v1.group.users.modified',
      'com.qlik.v1.group.deleted',
      'com.qlik.v1.user.deleted',
    ]);
    const me = (await client().get('/api/v1/users/me')).body.id;
    for (const event of events) {
      expect(event).toMatchObject({ id: expect.any(String), specversion: '1.0', datacontenttype: 'application/json', userid: me, tenantid: emulator.handle.core.tenant.tenantId });
      expect(event.time).toMatch(ISO_MS);
    }
    expect(events[0]).toMatchObject({ source: 'com.qlik/identities', data: { id: group, name: 'CG-Ev', status: 'active', providerType: 'custom', assignedRoles: [{ name: 'Steward', type: 'default', level: 'user' }], createdAt: expect.stringMatching(ISO_MS), lastUpdatedAt: expect.stringMatching(ISO_MS) } });
    expect(events[2].data).toMatchObject({ id: group, deleted: false, affectedUsers: [user], fullyProcessed: true });
    expect(events[3].data).toMatchObject({ name: 'CG-Ev2', updates: [{ path: '/name', oldValue: 'CG-Ev', newValue: 'CG-Ev2' }] });
    expect(events[5]).toMatchObject({ source: 'com.qlik/groups', data: { id: group, name: 'CG-Ev2' } });
    expect(events[6].data).toMatchObject({ id: user, subject: 'ev' });
    expect((await client().get('/__emulator/events?since=5')).body.map((e: { type: string }) => e.type)).toEqual(['com.qlik.v1.group.deleted', 'com.qlik.v1.user.deleted']);
    expectError(await client().get('/__emulator/events?since=-1'), 400);
  });

  it('splits users.modified over events of 1,000 users when an IdP group with many members is deleted', async () => {
    for (let i = 0; i < 1500; i++) emulator.handle.login({ subject: `m-${i}`, groups: ['Big'] });
    const big = (await client().get(`/api/v1/groups?filter=${encodeURIComponent('name eq "Big"')}`)).body.data[0].id;
    const start = emulator.handle.events().length;
    await client().delete(`/api/v1/groups/${big}`);
    const modified = emulator.handle.events(start).filter((e) => e.type === 'com.qlik.v1.group.users.modified');
    expect(modified.map((e) => [(e.data.affectedUsers as string[]).length, e.data.fullyProcessed, e.data.deleted])).toEqual([[1000, false, true], [500, true, true]]);
  });

  it('logs every membership change with seq, op and cause; a PATCH that is refused logs nothing', async () => {
    const [a, b] = [await client().group('CG-A'), await client().group('CG-B')];
    const user = await client().user('u');
    await client().addTo(user, a, b);
    await client().patch(`/api/v1/users/${user}`, [{ op: 'remove-value', path: '/assignedGroups', value: a }]);
    await client().patch(`/api/v1/users/${user}`, [{ op: 'add', path: '/assignedGroups/-', value: a }, { op: 'add', path: '/assignedGroups/-', value: b }]);
    emulator.handle.login({ subject: 'u', groups: ['IdP-G'] });
    const log = (await client().get('/__emulator/membership-log')).body as any[];
    expect(log.map((e) => [e.op, e.groupName, e.providerType, e.cause])).toEqual([
      ['add', 'CG-A', 'custom', 'patch'],
      ['add', 'CG-B', 'custom', 'patch'],
      ['remove', 'CG-A', 'custom', 'patch'],
      ['add', 'IdP-G', 'idp', 'login'],
    ]);
    expect(log.every((e) => e.userId === user && typeof e.time === 'string')).toBe(true);
    const seqs = log.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect((await client().get(`/__emulator/membership-log?since=${seqs[1]}`)).body.map((e: { seq: number }) => e.seq)).toEqual(seqs.slice(2));
  });
});

describe('control: stats, reset and state', () => {
  it('counts API requests by tier, method, route and status (429s and faults included, control requests not)', async () => {
    await client().get('/api/v1/groups');
    await client().post('/api/v1/groups', { name: 'CG-1', providerType: 'custom' });
    await client().post('/api/v1/groups', { name: 'CG-1', providerType: 'custom' });
    await client().post('/api/v1/users/actions/filter', {});
    await client().get('/api/v1/nowhere');
    await client().get('/__emulator/events');
    const stats = (await client().get('/__emulator/stats')).body;
    expect(stats).toEqual({
      total: 5,
      writes: 2,
      rateLimited: 0,
      faultsInjected: 0,
      byTier: { tier1: 1, tier2: 2, special: 1, oauth: 0 },
      byMethod: { GET: 2, POST: 3 },
      byRoute: { 'GET /api/v1/groups': 1, 'POST /api/v1/groups': 2, 'POST /api/v1/users/actions/filter': 1, 'GET (unmatched)': 1 },
      byStatus: { '200': 2, '201': 1, '409': 1, '404': 1 },
    });
    expect((await client().post('/__emulator/stats/reset')).status).toBe(204);
    expect((await client().get('/__emulator/stats')).body.total).toBe(0);
  });

  it('resets to an empty tenant: default roles and the Everyone group only', async () => {
    await client().group('CG-1');
    await client().user('u');
    expect((await client().post('/__emulator/reset')).status).toBe(204);
    expect((await client().get('/api/v1/groups')).body.data).toEqual([]);
    expect((await client().get('/api/v1/users/actions/count')).body.total).toBe(0);
    expect((await client().get('/api/v1/groups?systemGroups=true')).body.data).toHaveLength(1);
    expect((await client().get('/api/v1/roles?limit=100')).body.data.length).toBeGreaterThanOrEqual(13);
    expect((await client().get('/__emulator/events')).body).toEqual([]);
  });

  it('exports and imports the tenant as JSON; a bad document is refused and changes nothing', async () => {
    const group = await client().group('CG-1', 'custom', { assignedRoles: [{ name: 'Steward' }] });
    const user = await client().user('u');
    await client().addTo(user, group);
    const exported = (await client().get('/__emulator/state')).body;
    const userBefore = (await client().get(`/api/v1/users/${user}`)).body;
    await client().post('/__emulator/reset');
    expect((await client().put('/__emulator/state', exported)).status).toBe(204);
    expect((await client().get(`/api/v1/users/${user}`)).body).toEqual(userBefore);
    expect((await client().get(`/api/v1/users?filter=${encodeURIComponent(`assignedGroups.id eq "${group}"`)}`)).body.data).toHaveLength(1);

    const broken = structuredClone(exported);
    broken.users[0].groupIds = ['ffffffffffffffffffffffff'];
    const refused = await client().put('/__emulator/state', broken);
    expectError(refused, 400);
    expect(refused.body.errors[0].source).toEqual({ pointer: '/users/0/groupIds/0' });
    const duplicate = structuredClone(exported);
    duplicate.groups.push({ ...duplicate.groups[0], id: 'abcabcabcabcabcabcabcabc' });
    expectError(await client().put('/__emulator/state', duplicate), 400);
    expectError(await client().put('/__emulator/state', { format: 'nope' }), 400);
    expect((await client().get(`/api/v1/users/${user}`)).body).toEqual(userBefore);
  });

  it('loads --state FILE at start and saves it on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-state-'));
    const file = join(dir, 'tenant.json');
    const first = await startEmulator({ stateFile: file });
    const c1 = new Client(first.url, first.apiKey);
    const group = await c1.group('CG-Persist');
    const user = await c1.user('p');
    await c1.addTo(user, group);
    await first.close();
    await first.close(); // idempotent
    expect(JSON.parse(readFileSync(file, 'utf8')).groups.map((g: { name: string }) => g.name)).toEqual(['CG-Persist']);

    const second = await startEmulator({ stateFile: file });
    try {
      const c2 = new Client(second.url, second.apiKey);
      expect(await c2.groupIdsOf(user)).toEqual([group]);
    } finally {
      await second.close();
    }
    writeFileSync(file, '{"format":"qlik-group-sync/emulator-state","version":99}');
    await expect(startEmulator({ stateFile: file })).rejects.toMatchObject({ code: 'CONFIG_FILE', message: expect.stringContaining('version 99') });
  });

  it('answers the control index, the choices, and 404/405 for unknown control paths', async () => {
    expect((await client().get('/__emulator')).body.endpoints.length).toBeGreaterThan(5);
    expect((await client().get('/__emulator/choices')).body.length).toBeGreaterThan(20);
    expectError(await client().get('/__emulator/nothing'), 404);
    expectError(await client().delete('/__emulator/stats'), 405);
    expectError(await new Client(emulator.handle.url, 'wrong-key').get('/__emulator/stats'), 401);
  });
});

describe('control: ids', () => {
  it('gives groups and users distinct 24-hex ids', async () => {
    const ids = [await client().group('a'), await client().group('b'), await client().user('c')];
    for (const id of ids) expect(id).toMatch(ID);
    expect(new Set(ids).size).toBe(3);
  });
});
