// The tenant client against the emulator injecting faults into 20% of requests (429, 500, 503,
// resets before the request is processed, and resets and 500s after it was: the change made, the
// answer lost): a read still returns the complete, correct snapshot, and 500 writes each take
// effect exactly once. Both sides run in scaled time (x200) so Retry-After and backoff are short.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/index.ts';
import { createTenantClient, type TenantClient } from '../../src/tenant/client.ts';
import { emulated, groupId, seedState, userId } from './emulated.ts';

const SCALE = 200;
const SEED = 20_251_123;
const clients: TenantClient[] = [];
let emulator: EmulatorHandle | undefined;

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emulator?.close();
});

/** Runs `tasks` with at most `n` at once (as the applier does); every task must succeed. */
async function pool<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

describe('20% injected faults', () => {
  const USERS = 5_000;
  const IDP = 10;
  const CUSTOM = 60; // CG-0..CG-59; the seed puts users in the first groups only (see below)
  let make: (overrides?: object) => TenantClient;

  beforeAll(async () => {
    // Users are in IdP groups and in CG-0..CG-19; CG-20..CG-59 start empty.
    const state = seedState({ users: USERS, idpGroups: IDP, customGroups: 20, groupsPerUser: 3 });
    for (let i = 20; i < CUSTOM; i++) {
      state.groups.push({ id: groupId(IDP + i), name: `CG-${i}`, providerType: 'custom', status: 'active', description: `seeded ${i}`, roleIds: [], createdAt: state.exportedAt, lastUpdatedAt: state.exportedAt });
    }
    const env = await emulated({ timeScale: SCALE }, state);
    emulator = env.emulator;
    make = (overrides = {}) => {
      const client = createTenantClient(env.config({ retry: { retries: 10, maxRetryTimeMs: 60_000 }, ...overrides }), { timeScale: SCALE });
      clients.push(client);
      return client;
    };
  });

  it('readTenant of 5,000 users returns the same complete snapshot as without faults', async () => {
    const clean = await make().readTenant();
    emulator!.setFaults({ rate: 0.2, kinds: ['429', '500', '503', 'reset'], seed: SEED });
    emulator!.resetStats();
    const client = make();
    const faulted = await client.readTenant();
    emulator!.clearFaults();
    expect(faulted.users).toHaveLength(USERS);
    expect(faulted).toEqual(clean);
    const seen = emulator!.stats();
    expect(seen.faultsInjected).toBeGreaterThan(5);
    const stats = client.stats();
    expect(stats.retries).toBe(seen.faultsInjected);
    expect(stats.total).toBe(seen.total);
  });

  it('500 writes (creates, renames, deletes, membership patches) each take effect exactly once', async () => {
    const before = emulator!.exportState();
    const events0 = emulator!.events().length;
    const log0 = emulator!.membershipLog().at(-1)?.seq ?? 0;
    emulator!.setFaults({ rate: 0.2, kinds: ['429', '500', '503', 'reset', 'reset-after', '500-after'], seed: SEED + 1 });
    emulator!.resetStats();
    const client = make();

    const tasks: (() => Promise<unknown>)[] = [];
    // 50 new groups, 100 new users.
    for (let i = 0; i < 50; i++) tasks.push(() => client.createGroup({ name: `CG-New-${i}`, description: `new ${i}`, roles: i % 2 ? ['Developer'] : [] }));
    for (let i = 0; i < 100; i++) tasks.push(() => client.createUser({ subject: `ACME\\new${i}`, email: `new${i}@acme.example`, name: `New ${i}` }));
    // 30 renames and re-roles of empty seeded groups CG-20..CG-49; 10 deletions of CG-50..CG-59.
    for (let i = 20; i < 50; i++) tasks.push(() => client.patchGroup(groupId(IDP + i), { name: `CG-Renamed-${i}`, roles: ['Steward'] }));
    for (let i = 50; i < 60; i++) tasks.push(() => client.deleteGroup(groupId(IDP + i)));
    // 310 users: each one PATCH adding two empty seeded groups and removing one custom group it has.
    const expected = new Map<string, { add: string[]; remove: string[] }>();
    const users = new Map(before.users.map((u) => [u.id, u]));
    for (let u = 0; u < 310; u++) {
      const id = userId(u);
      const custom = users.get(id)!.groupIds.find((g) => g >= groupId(IDP) && g < groupId(IDP + 20))!;
      const add = [groupId(IDP + 20 + (u % 15)), groupId(IDP + 35 + (u % 15))];
      expected.set(id, { add, remove: [custom] });
      tasks.push(() => client.patchUserGroups(id, { add: add.map((g) => ({ id: g, name: '' })), remove: [custom] }));
    }
    expect(tasks).toHaveLength(500);
    await pool(tasks, 4);
    emulator!.clearFaults();
    const seen = emulator!.stats();
    expect(seen.faultsInjected).toBeGreaterThan(50);

    // Exactly once: one creation event per new group and user, nothing else created or deleted.
    const events = emulator!.events(events0);
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('com.qlik.v1.group.created')).toBe(50);
    expect(count('com.qlik.v1.user.created')).toBe(100);
    expect(count('com.qlik.v1.group.deleted')).toBe(10);
    expect(count('com.qlik.v1.user.deleted')).toBe(0);
    // Exactly the planned membership changes, each once.
    const log = emulator!.membershipLog(log0);
    const changes = log.map((e) => `${e.userId} ${e.op} ${e.groupId}`).sort();
    const planned = [...expected].flatMap(([id, c]) => [...c.add.map((g) => `${id} add ${g}`), ...c.remove.map((g) => `${id} remove ${g}`)]).sort();
    expect(changes).toEqual(planned);
    expect(log.every((e) => e.cause === 'patch')).toBe(true);

    // And the tenant ends as planned.
    const after = emulator!.exportState();
    const names = after.groups.map((g) => g.name);
    for (let i = 0; i < 50; i++) expect(names.filter((n) => n === `CG-New-${i}`)).toHaveLength(1);
    for (let i = 20; i < 50; i++) expect(after.groups.find((g) => g.id === groupId(IDP + i))?.name).toBe(`CG-Renamed-${i}`);
    for (let i = 50; i < 60; i++) expect(after.groups.find((g) => g.id === groupId(IDP + i))).toBeUndefined();
    expect(after.users).toHaveLength(USERS + 100);
    const stats = client.stats();
    console.log(
      `[tenant] 500 writes under 20% faults: ${seen.total} requests (${seen.writes} writes, ${seen.faultsInjected} faults injected), client retries ${stats.retries}`,
    );
  });
});
