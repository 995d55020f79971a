// Measures the tenant client's sustained write rate against the emulator enforcing Qlik's
// documented limits (tier 2: 100/min over a 5-minute window) in scaled time: the client and the
// emulator share the same timeScale, so the ratio achieved/allowed is computed in emulated minutes
// and does not depend on how fast this machine is (as long as it keeps up with the scaled rate).
// Used by write-rate.test.ts; also runnable: `node test/tenant/write-rate.ts [writes] [timeScale]`.
import { performance } from 'node:perf_hooks';
import { startEmulator } from '../../src/emulator/index.ts';
import { createTenantClient } from '../../src/tenant/client.ts';
import { groupId, seedState, userId } from './emulated.ts';
import { tenantConfig } from './helpers.ts';

export interface WriteRateOptions {
  /** Membership PATCHes to send (one per user). */
  writes: number;
  timeScale: number;
  tier2PerMinute?: number;
  windowMinutes?: number;
  /** Writes in flight at once (the applier's concurrency). */
  concurrency?: number;
}

export interface WriteRateResult {
  writes: number;
  emulatedMinutes: number;
  achievedPerMinute: number;
  allowedPerMinute: number;
  ratio: number;
  /** 429s the emulator served. */
  rateLimited: number;
  /** Requests the emulator saw (writes + retries after 429s). */
  requests: number;
}

export async function measureWriteRate(options: WriteRateOptions): Promise<WriteRateResult> {
  const tier2PerMinute = options.tier2PerMinute ?? 100;
  const windowMinutes = options.windowMinutes ?? 5;
  const limits = { tier1PerMinute: 1000, tier2PerMinute, specialPerMinute: 200, windowMinutes };
  const state = seedState({ users: options.writes, idpGroups: 0, customGroups: 1, groupsPerUser: 0 });
  const emulator = await startEmulator({ rateLimits: limits, timeScale: options.timeScale });
  emulator.importState(state);
  const client = createTenantClient(tenantConfig({ url: emulator.url, apiKey: emulator.apiKey, rateLimits: limits, maxConcurrency: options.concurrency ?? 4 }), {
    timeScale: options.timeScale,
  });
  try {
    const group = groupId(0);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency ?? 4 }, async () => {
        while (next < options.writes) {
          const i = next++;
          await client.patchUserGroups(userId(i), { add: [{ id: group, name: 'CG-0' }], remove: [] });
        }
      }),
    );
    const emulatedMinutes = ((performance.now() - started) * options.timeScale) / 60_000;
    const seen = emulator.stats();
    const members = emulator.exportState().users.filter((u) => u.groupIds.includes(group)).length;
    if (members !== options.writes) throw new Error(`expected ${options.writes} members of CG-0, found ${members}`);
    const achievedPerMinute = options.writes / emulatedMinutes;
    return {
      writes: options.writes,
      emulatedMinutes,
      achievedPerMinute,
      allowedPerMinute: tier2PerMinute,
      ratio: achievedPerMinute / tier2PerMinute,
      rateLimited: seen.rateLimited,
      requests: seen.total,
    };
  } finally {
    await client.close();
    await emulator.close();
  }
}

export function describeRate(r: WriteRateResult, timeScale: number): string {
  return (
    `sustained writes: ${r.writes} in ${r.emulatedMinutes.toFixed(2)} emulated minutes (x${timeScale}) = ` +
    `${r.achievedPerMinute.toFixed(1)}/min of ${r.allowedPerMinute}/min allowed (${(r.ratio * 100).toFixed(1)}%), ` +
    `${r.rateLimited} x 429, ${r.requests} requests`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const writes = Number(process.argv[2] ?? 1200);
  const timeScale = Number(process.argv[3] ?? 30);
  const result = await measureWriteRate({ writes, timeScale });
  console.log(describeRate(result, timeScale));
}
