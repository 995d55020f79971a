import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.ts';
import { FakeTenant } from './fake-tenant.ts';
import { plan } from './plans.ts';

describe('applyPlan', () => {
  it('creates groups and users first, then sends one patch per user using the new ids', async () => {
    const tenant = new FakeTenant();
    const existing = tenant.addUser('alice');
    const result = await applyPlan(
      plan({
        createGroups: [{ sourceId: 's1', sourceDn: 'cn=a', name: 'CG-A', description: 'x', roles: [], memberCount: 2 }],
        createUsers: [{ subject: 'Bob', sourceId: 'u2' }],
        memberships: [
          { userId: existing.id, subject: 'alice', add: [{ name: 'CG-A' }], remove: [] },
          { subject: 'Bob', add: [{ name: 'CG-A' }], remove: [] },
        ],
      }),
      tenant,
    );
    expect(result.failures).toEqual([]);
    expect(result.applied).toMatchObject({ createGroups: 1, createUsers: 1, membershipPatches: 2, membershipAdds: 2, writeRequests: 4 });
    const groupId = [...tenant.groups.values()][0]!.id;
    for (const user of tenant.users.values()) expect(user.assignedGroups.map((g) => g.id)).toEqual([groupId]);
    // The creations come before any patch.
    const firstPatch = tenant.requests.findIndex((r) => r.startsWith('PATCH user'));
    expect(tenant.requests.slice(0, firstPatch).every((r) => r.startsWith('POST'))).toBe(true);
  });

  it('re-reads a user once after a 400 and sends only what is still needed', async () => {
    const tenant = new FakeTenant();
    const a = tenant.addGroup('CG-A');
    const b = tenant.addGroup('CG-B');
    const user = tenant.addUser('carol');
    // Someone adds CG-A to the user between our read and our write.
    let interfered = false;
    tenant.beforePatch = (id) => {
      if (!interfered && id === user.id) {
        interfered = true;
        tenant.users.get(id)!.assignedGroups.push({ id: a.id, name: a.name, providerType: 'custom' });
      }
    };
    const result = await applyPlan(
      plan({ memberships: [{ userId: user.id, subject: 'carol', add: [{ id: a.id, name: 'CG-A' }, { id: b.id, name: 'CG-B' }], remove: [] }] }),
      tenant,
    );
    expect(result.failures).toEqual([]);
    expect(tenant.users.get(user.id)!.assignedGroups.map((g) => g.name).sort()).toEqual(['CG-A', 'CG-B']);
    expect(tenant.requests.filter((r) => r.startsWith('GET user'))).toHaveLength(1);
    expect(result.applied.membershipAdds).toBe(1);
  });

  it('does not delete a group when one of its member removals failed, and carries on with the rest', async () => {
    const tenant = new FakeTenant();
    const gone = tenant.addGroup('CG-Gone');
    const u1 = tenant.addUser('u1', [gone]);
    const u2 = tenant.addUser('u2', [gone]);
    tenant.failNext.set(`patchUser ${u2.id}`, 1);
    const result = await applyPlan(
      plan({
        memberships: [
          { userId: u1.id, subject: 'u1', add: [], remove: [{ id: gone.id, name: 'CG-Gone' }] },
          { userId: u2.id, subject: 'u2', add: [], remove: [{ id: gone.id, name: 'CG-Gone' }] },
        ],
        deleteGroups: [{ groupId: gone.id, name: 'CG-Gone', sourceId: 's', memberCount: 2 }],
      }),
      tenant,
    );
    expect(result.failures.map((f) => `${f.kind} ${f.target}`)).toEqual(['patchUser u2', 'deleteGroup CG-Gone']);
    expect(tenant.groups.has(gone.id)).toBe(true);
    expect(tenant.users.get(u1.id)!.assignedGroups).toEqual([]);
    expect(tenant.requests.some((r) => r.startsWith('DELETE'))).toBe(false);
  });

  it('skips the adds of a group that could not be created but still sends the user the rest', async () => {
    const tenant = new FakeTenant();
    const old = tenant.addGroup('CG-Old');
    const user = tenant.addUser('dave', [old]);
    tenant.failNext.set('createGroup CG-New', 1);
    const result = await applyPlan(
      plan({
        createGroups: [{ sourceId: 's', sourceDn: 'cn=n', name: 'CG-New', description: 'x', roles: [], memberCount: 1 }],
        memberships: [{ userId: user.id, subject: 'dave', add: [{ name: 'CG-New' }], remove: [{ id: old.id, name: 'CG-Old' }] }],
      }),
      tenant,
    );
    expect(result.failures.map((f) => f.kind)).toEqual(['createGroup']);
    expect(tenant.users.get(user.id)!.assignedGroups).toEqual([]);
  });

  it('stops starting operations after an abort and never deletes then', async () => {
    const tenant = new FakeTenant();
    const g = tenant.addGroup('CG-X');
    const controller = new AbortController();
    const users = Array.from({ length: 10 }, (_, i) => tenant.addUser(`user${i}`, [g]));
    tenant.beforePatch = () => controller.abort();
    const result = await applyPlan(
      plan({
        memberships: users.map((u) => ({ userId: u.id, subject: u.subject, add: [], remove: [{ id: g.id, name: 'CG-X' }] })),
        deleteGroups: [{ groupId: g.id, name: 'CG-X', sourceId: 's', memberCount: 10 }],
      }),
      tenant,
      { signal: controller.signal, concurrency: 2 },
    );
    expect(result.aborted).toBe(true);
    expect(tenant.requests.filter((r) => r.startsWith('PATCH')).length).toBeLessThanOrEqual(2);
    expect(tenant.requests.some((r) => r.startsWith('DELETE'))).toBe(false);
  });
});
