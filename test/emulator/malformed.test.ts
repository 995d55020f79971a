// Malformed requests over real HTTP: every one gets a 4xx with the documented error body, never a
// 500, and never a partial change (the exported tenant is identical before and after). A property
// test throws random JSON at the write endpoints for good measure.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectError, useEmulator, type Answer } from './helpers.ts';

const emulator = useEmulator();
const client = () => emulator.client;

function snapshot(): string {
  const { exportedAt: _at, ...state } = emulator.handle.exportState();
  return JSON.stringify(state);
}

async function seed(): Promise<{ group: string; idp: string; user: string }> {
  const group = await client().group('CG-Seed', 'custom', { assignedRoles: [{ name: 'Steward' }] });
  const idp = await client().group('IdP-Seed', 'idp');
  const user = await client().user('seed-user');
  await client().addTo(user, group);
  return { group, idp, user };
}

describe('malformed requests', () => {
  it('answer 4xx with the documented error body and change nothing', async () => {
    const { group, idp, user } = await seed();
    const before = snapshot();
    const raw = (method: string, path: string, body: string, contentType = 'application/json') => client().call(method, path, body, { 'content-type': contentType });
    const cases: [string, () => Promise<Answer>, number, string?][] = [
      ['bad JSON on POST /groups', () => raw('POST', '/api/v1/groups', '{"name": "x",'), 400],
      ['bad JSON on PATCH /users', () => raw('PATCH', `/api/v1/users/${user}`, '[{"op": "add"'), 400],
      ['deeply nested JSON', () => raw('PATCH', `/api/v1/users/${user}`, '['.repeat(200_000)), 400],
      ['empty body on POST /groups', () => raw('POST', '/api/v1/groups', ''), 400],
      ['text/plain body', () => raw('POST', '/api/v1/groups', '{"name":"x"}', 'text/plain'), 415],
      ['array instead of object', () => client().post('/api/v1/groups', [{ name: 'x' }]), 400],
      ['object instead of array', () => client().patch(`/api/v1/users/${user}`, { op: 'add', path: '/assignedGroups/-', value: group }), 400],
      ['name as a number', () => client().post('/api/v1/groups', { name: 42, providerType: 'custom' }), 400],
      ['name as null', () => client().post('/api/v1/groups', { name: null }), 400],
      ['roles as a string', () => client().post('/api/v1/groups', { name: 'x', assignedRoles: 'TenantAdmin' }), 400],
      ['description as an object', () => client().post('/api/v1/groups', { name: 'x', description: {} }), 400],
      ['over-long name on create', () => client().post('/api/v1/groups', { name: 'n'.repeat(300), providerType: 'custom' }), 400],
      ['over-long name on rename', () => client().patch(`/api/v1/groups/${group}`, [{ op: 'replace', path: '/name', value: 'n'.repeat(257) }]), 400],
      ['unknown op on a group', () => client().patch(`/api/v1/groups/${group}`, [{ op: 'move', path: '/name', value: 'x' }]), 400],
      ['unknown path on a group', () => client().patch(`/api/v1/groups/${group}`, [{ op: 'replace', path: '/members', value: [] }]), 400],
      ['good op then bad op on a group', () => client().patch(`/api/v1/groups/${group}`, [{ op: 'replace', path: '/name', value: 'CG-Renamed' }, { op: 'replace', path: '/assignedRoles', value: [{ name: 'Nope' }] }]), 400],
      ['unknown op on a user', () => client().patch(`/api/v1/users/${user}`, [{ op: 'copy', from: '/a', path: '/b' }]), 400],
      ['unknown path on a user', () => client().patch(`/api/v1/users/${user}`, [{ op: 'add', path: '/assignedRoles/-', value: 'x' }]), 400],
      ['op as a number', () => client().patch(`/api/v1/users/${user}`, [{ op: 1, path: '/assignedGroups', value: group }]), 400],
      ['path as an array', () => client().patch(`/api/v1/users/${user}`, [{ op: 'add', path: ['assignedGroups'], value: group }]), 400],
      ['IdP group add after a good remove', () => client().patch(`/api/v1/users/${user}`, [{ op: 'remove-value', path: '/assignedGroups', value: group }, { op: 'add', path: '/assignedGroups/-', value: idp }]), 400],
      ['oversize body', () => raw('POST', '/api/v1/groups', JSON.stringify({ name: 'x', description: 'd'.repeat(1_100_000) })), 413],
      ['unknown group id', () => client().get('/api/v1/groups/ffffffffffffffffffffffff'), 404, 'GROUPS-7'],
      ['unknown user id on PATCH', () => client().patch('/api/v1/users/ffffffffffffffffffffffff', [{ op: 'add', path: '/assignedGroups/-', value: group }]), 404, 'USERS-7'],
      ['bad filter', () => client().get(`/api/v1/users?filter=${encodeURIComponent('subject eq "x" and (')}`), 400],
      ['very long filter', () => client().post('/api/v1/users/actions/filter', { filter: Array.from({ length: 600 }, (_, i) => `subject eq "user-${i}"`).join(' or ') }), 400],
      ['filter in a body as a number', () => client().post('/api/v1/groups/actions/filter', { filter: 1 }), 400],
      ['unknown query parameter', () => client().get('/api/v1/groups?pageSize=10'), 400],
      ['repeated query parameter', () => client().get('/api/v1/groups?limit=5&limit=6'), 400],
      ['legacy user query parameter', () => client().get('/api/v1/users?subject=seed-user'), 400],
      ['unknown route', () => client().get('/api/v1/widgets'), 404],
      ['wrong method', () => client().put(`/api/v1/groups/${group}`, { name: 'x' }), 405],
      ['trailing slash', () => client().get('/api/v1/groups/'), 404],
    ];
    for (const [name, send, status, code] of cases) {
      const answer = await send();
      expect(answer.status, name).toBe(status);
      expectError(answer, status, code);
      expect(snapshot(), name).toBe(before);
    }
    expect(emulator.handle.stats().byStatus['500']).toBeUndefined();
    expect((await client().get('/api/v1/groups')).status).toBe(200); // still serving after all that
  });

  it('never answers 500 or changes anything partially for random JSON on the write endpoints', async () => {
    const { group, user } = await seed();
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(group), fc.constant('CG-Seed'), fc.constant(null));
    const op = fc.record({
      op: fc.oneof(fc.constantFrom('add', 'remove-value', 'replace', 'remove', 'set'), fc.jsonValue({ maxDepth: 1 })),
      path: fc.oneof(fc.constantFrom('/assignedGroups/-', '/assignedGroups', '/name', '/assignedRoles', '/description', 'name'), fc.string()),
      value,
    }, { requiredKeys: [] });
    const body = fc.oneof(fc.array(op, { maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }));
    const target = fc.constantFrom(
      { method: 'PATCH', path: `/api/v1/users/${user}` },
      { method: 'PATCH', path: `/api/v1/groups/${group}` },
      { method: 'POST', path: '/api/v1/groups' },
      { method: 'POST', path: '/api/v1/users' },
    );
    await fc.assert(
      fc.asyncProperty(target, body, async ({ method, path }, payload) => {
        const before = snapshot();
        const answer = await client().call(method, path, JSON.stringify(payload), { 'content-type': 'application/json' });
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(answer.body.errors[0]).toMatchObject({ code: expect.any(String), status: answer.status });
          expect(snapshot()).toBe(before);
        }
      }),
      { numRuns: 150, seed: 20240601 },
    );
  });
});
