// The chaos suite at a small size, in the normal test run: a fixed seed of every kind (emulator
// faults on reads and writes, faults on writes only, lost answers, slow answers past the timeout,
// the bridge SIGKILLed mid-apply, slapd killed mid-read and before answering), each checked with
// the same invariants as `npm run chaos`. Each test also checks that its trouble actually landed,
// so a change that made a seed harmless would not pass unnoticed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../support/servers.ts';
import { runScenario } from './run-scenario.ts';
import { kindOf, planScenario } from './scenario.ts';
import { startChaosWorld, type ChaosWorld } from './world.ts';

/** Seeds picked from `npm run chaos` output: every kind, quick, with their trouble landing. */
const SEEDS = [1, 11, 12, 15, 23, 28, 32];

describe('chaos scenarios', () => {
  it('the fixed seeds cover every kind', () => {
    expect(new Set(SEEDS.map(kindOf)).size).toBe(6);
  });

  it('a seed always gives the same scenario', () => {
    const model = { uids: ['u1', 'u2', 'u3'], groups: new Map([['g1', ['uid=u1,ou=people,dc=e2e,dc=test', 'uid=u2,ou=people,dc=e2e,dc=test']], ['g2', ['uid=u3,ou=people,dc=e2e,dc=test']]]) };
    for (const seed of SEEDS) expect(planScenario(seed, model)).toEqual(planScenario(seed, model));
    expect(planScenario(1, model)).not.toEqual(planScenario(7, model));
  });
});

describe.skipIf(!requireServer('slapd'))('chaos scenarios against slapd, the emulator and the real CLI', () => {
  let cw: ChaosWorld;
  beforeAll(async () => {
    cw = await startChaosWorld();
  });
  afterAll(async () => {
    await cw?.close();
  });

  it.each(SEEDS)('seed %i keeps every invariant', async (seed) => {
    const result = await runScenario(cw, seed);
    expect(result.problems, `seed ${seed} (${result.description}):\n${result.transcript}`).toEqual([]);
    const { troubled } = result;
    switch (result.kind) {
      case 'kill-bridge':
        expect(troubled.signal).toBe('SIGKILL');
        break;
      case 'kill-ldap':
        if (result.description.includes('before answering')) {
          expect(troubled.code).toBe(1);
          expect(troubled.writes).toBe(0);
        }
        break;
      default:
        expect(troubled.faults).toBeGreaterThan(0);
    }
  });
});
