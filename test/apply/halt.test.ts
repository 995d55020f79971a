// The applier against the emulator, with the real tenant client, when the tenant starts refusing
// everything: a key revoked between the read and the writes, or a tenant whose writes keep
// failing on its side. The run stops starting operations after the first such failure (or the
// fifth in a row) instead of sending every one of thousands of writes, and deletes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, CONSECUTIVE_FAILURE_LIMIT } from '../../src/apply/apply.ts';
import type { EmulatorHandle } from '../../src/emulator/index.ts';
import type { Plan, PlanMembershipPatch } from '../../src/reconcile/plan.ts';
import { haltedMessage } from '../../src/runner/run-once.ts';
import { createTenantClient, type TenantClient } from '../../src/tenant/client.ts';
import { emulated, groupId, seedState, userId, type Emulated } from '../tenant/emulated.ts';
import { plan } from './plans.ts';

const USERS = 40;
const IDP = 10;
let env: Emulated;
let emulator: EmulatorHandle;
const clients: TenantClient[] = [];

beforeAll(async () => {
  // Users in no groups; CG-0 (id groupId(IDP)) to be added to each, CG-1 to be deleted.
  env = await emulated({ timeScale: 200 }, seedState({ users: USERS, idpGroups: IDP, customGroups: 2, groupsPerUser: 0 }));
  emulator = env.emulator;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emulator.close();
});

function fullPlan(): Plan {
  const memberships: PlanMembershipPatch[] = Array.from({ length: USERS }, (_, u) => ({
    userId: userId(u),
    subject: `ACME\\user${u}`,
    add: [{ id: groupId(IDP), name: 'CG-0' }],
    remove: [],
  }));
  return plan({
    deleteGroups: [{ groupId: groupId(IDP + 1), name: 'CG-1', sourceId: 's', memberCount: 0 }],
    memberships,
    stats: { ownedGroups: 2, ownedMemberships: 0, desiredGroups: 1, desiredMemberships: USERS, tenantGroups: IDP + 2, membershipAdds: USERS, membershipRemovals: 0, writeRequests: USERS + 1 },
  });
}

function client(overrides: object = {}): TenantClient {
  const made = createTenantClient(env.config({ retry: { retries: 1, maxRetryTimeMs: 10_000 }, ...overrides }), { timeScale: 200 });
  clients.push(made);
  return made;
}

const groupExists = (): boolean => emulator.exportState().groups.some((g) => g.id === groupId(IDP + 1));

describe('applyPlan stops when the tenant refuses every request', () => {
  it('stops after the first 401 (a key revoked since the read): a handful of requests, not one per user', async () => {
    emulator.resetStats();
    const result = await applyPlan(fullPlan(), client({ apiKey: 'revoked-key-0000000001' }), { concurrency: 4 });
    expect(result.halted).toMatchObject({ code: 'TENANT_AUTH', message: expect.stringContaining('every other request would meet too') });
    // The patches in flight when the first 401 came back finish; none is started after it.
    expect(result.failures.length).toBeLessThanOrEqual(4);
    expect(result.halted!.notStarted).toBe(USERS + 1 - result.results.length);
    expect(emulator.stats().byStatus['401']).toBe(result.failures.length);
    expect(result.applied.deleteGroups).toBe(0);
    expect(groupExists()).toBe(true);
  });

  it(`stops after ${CONSECUTIVE_FAILURE_LIMIT} server-side failures in a row, and deletes nothing`, async () => {
    emulator.setFaults({ rate: 1, kinds: ['500'], writesOnly: true, seed: 1 });
    try {
      const result = await applyPlan(fullPlan(), client(), { concurrency: 4 });
      expect(result.halted).toMatchObject({ code: 'TENANT_SERVER', message: expect.stringContaining(`${CONSECUTIVE_FAILURE_LIMIT} operations in a row failed`) });
      expect(result.failures.length).toBeGreaterThanOrEqual(CONSECUTIVE_FAILURE_LIMIT);
      expect(result.failures.length).toBeLessThan(CONSECUTIVE_FAILURE_LIMIT + 4);
      expect(groupExists()).toBe(true);
    } finally {
      emulator.clearFaults();
    }
  });

  it('a failure of one operation only (a 400 on one user) does not stop the others', async () => {
    // The emulator refuses an add of a group that does not exist with 400, for that user only.
    const bad = fullPlan();
    bad.memberships[0] = { ...bad.memberships[0]!, add: [{ id: 'ffffffffffffffffffffffff', name: 'CG-gone' }] };
    bad.deleteGroups = [];
    const result = await applyPlan(bad, client(), { concurrency: 4 });
    expect(result.halted).toBeUndefined();
    expect(result.failures.map((f) => f.target)).toEqual(['ACME\\user0']);
    expect(result.applied.membershipPatches).toBe(USERS - 1);
  });
});

describe('the report of a halted apply', () => {
  it('says how many groups were deleted before a halt among the deletions, and none otherwise', () => {
    const halted = { message: 'the tenant refused the credentials', notStarted: 8 };
    expect(haltedMessage(halted, 0)).toContain('8 of the plan\'s operations were not sent and no group was deleted.');
    expect(haltedMessage(halted, 2)).toContain('8 of the plan\'s operations were not sent and 2 groups were deleted before the stop.');
    expect(haltedMessage(halted, 1)).toContain('and 1 group was deleted before the stop.');
  });
});
