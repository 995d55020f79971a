// Sustained writes against the emulator enforcing Qlik's documented tier 2 limit (100/min over a
// 5-minute window) in scaled time (x60: an emulated minute per real second). 600 writes take a
// little over 6 emulated minutes, past the first window's end, where a client that burst its budget
// would meet 429s. The figure is printed; the assertions are on the ratio in emulated time and on
// 429 counts, not on wall time.
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createTenantClient } from '../../src/tenant/client.ts';
import { emulated, groupId, seedState, userId } from './emulated.ts';
import { describeRate, measureWriteRate } from './write-rate.ts';

describe('pacing against the documented limits', () => {
  it('sustained writes reach at least 90% of the allowed rate with at most a handful of 429s', async () => {
    const timeScale = 60;
    const result = await measureWriteRate({ writes: 600, timeScale });
    console.log(`[tenant] ${describeRate(result, timeScale)}`);
    expect(result.emulatedMinutes).toBeGreaterThan(5);
    expect(result.ratio).toBeGreaterThanOrEqual(0.9);
    expect(result.rateLimited).toBeLessThanOrEqual(5);
    expect(result.requests).toBe(600 + result.rateLimited);
  });

  it('when the window is already spent (by another client on the same key), the tier pauses for Retry-After instead of storming', async () => {
    const timeScale = 60;
    const limits = { tier1PerMinute: 1000, tier2PerMinute: 100, specialPerMinute: 200, windowMinutes: 1 };
    const { emulator, config } = await emulated({ rateLimits: limits, timeScale }, seedState({ users: 40, idpGroups: 0, customGroups: 1, groupsPerUser: 0 }));
    const client = createTenantClient(config({ rateLimits: limits }), { timeScale });
    try {
      // Someone else spends the whole window's budget (100) with the same key.
      for (let i = 0; i < 100; i++) {
        const res = await request(`${emulator.url}/api/v1/groups/${groupId(0)}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify([{ op: 'replace', path: '/description', value: `spent ${i}` }]),
        });
        await res.body.dump();
        expect(res.statusCode).toBe(204);
      }
      emulator.resetStats();
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < 40) {
            const i = next++;
            await client.patchUserGroups(userId(i), { add: [{ id: groupId(0), name: 'CG-0' }], remove: [] });
          }
        }),
      );
      const seen = emulator.stats();
      console.log(`[tenant] window spent by another client: 40 writes with ${seen.rateLimited} x 429 (${seen.total} requests)`);
      expect(seen.rateLimited).toBeGreaterThanOrEqual(1);
      expect(seen.rateLimited).toBeLessThanOrEqual(5);
      expect(seen.total).toBe(40 + seen.rateLimited);
      expect(emulator.exportState().users.filter((u) => u.groupIds.includes(groupId(0)))).toHaveLength(40);
    } finally {
      await client.close();
      await emulator.close();
    }
  });
});
