// The benchmark's arithmetic, at a size small enough to check by hand: the generator's shape, the
// churn recipe and its LDAP diff, the minimum and per-membership write counts the bench compares
// the bridge with, the tenant state it starts from, and the figures' medians. No timing is
// asserted and no server is started: `npm run bench` measures, this only keeps its counting honest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { churn, directoryChanges } from './churn.ts';
import { expectedWrites, minimumReadRequests, minimumRequests, perMembershipRequests } from './counts.ts';
import { writeLdif } from './directory-io.ts';
import { describe as describeDirectory, flatten, generateDirectory, type BenchDirectory, type SizeSpec } from './model.ts';
import { pacingFloorMs } from './report.ts';
import { minutes, spread, withSpread } from './summary.ts';
import { initialAccounts, initialTenantState } from './tenant-state.ts';

const users = (n: number): string[] => Array.from({ length: n }, (_, i) => `u${i}`);

/**
 * g0 = u0 u1 u2 + g2 (flattened: u0..u4), g1 = u1 u3, g2 = u3 u4, g3 = u2.
 * u0..u3 have tenant accounts; u5 is in no group.
 */
const base: BenchDirectory = {
  users: users(6),
  groups: [
    { cn: 'g0', users: [0, 1, 2], subgroups: [2] },
    { cn: 'g1', users: [1, 3], subgroups: [] },
    { cn: 'g2', users: [3, 4], subgroups: [] },
    { cn: 'g3', users: [2], subgroups: [] },
  ],
};
const accounts = new Set([0, 1, 2, 3]);

/** u3 leaves, u5 joins g2, g1 is renamed, g3 deleted, g4 (u0) created. */
const changed: BenchDirectory = {
  users: ['u0', 'u1', 'u2', undefined, 'u4', 'u5'],
  groups: [
    { cn: 'g0', users: [0, 1, 2], subgroups: [2] },
    { cn: 'g1-renamed', users: [1], subgroups: [] },
    { cn: 'g2', users: [4, 5], subgroups: [] },
    undefined,
    { cn: 'g4', users: [0], subgroups: [] },
  ],
};

describe('write counts', () => {
  it('flattens nested groups', () => {
    const flat = flatten(base);
    expect([...flat.get(0)!].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(describeDirectory(base)).toEqual({ users: 6, groups: 4, directMemberships: 8, nestedGroups: 1, flatMemberships: 10, largestGroup: 5 });
  });

  it('counts a first sync: a POST per group and missing member, a PATCH per member', () => {
    const first = expectedWrites(undefined, base, accounts);
    expect(first.counts).toEqual({ createGroups: 4, updateGroups: 0, deleteGroups: 0, createUsers: 1, patchUsers: 5, membershipAdds: 10, membershipRemovals: 0 });
    expect(minimumRequests(first.counts)).toBe(10);
    expect(perMembershipRequests(first.counts)).toBe(15);
    expect([...first.accounts].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts nothing for an unchanged directory', () => {
    const steady = expectedWrites(base, base, expectedWrites(undefined, base, accounts).accounts);
    expect(minimumRequests(steady.counts)).toBe(0);
    expect(perMembershipRequests(steady.counts)).toBe(0);
  });

  it('counts churn: renames, deletions, creations, joiners and leavers', () => {
    const synced = expectedWrites(undefined, base, accounts).accounts;
    const churned = expectedWrites(base, changed, synced);
    // Adds: g0 +u5 (through g2), g2 +u5, g4 +u0. Removals: u3 from g0, g1, g2; u2 with g3.
    expect(churned.counts).toEqual({ createGroups: 1, updateGroups: 1, deleteGroups: 1, createUsers: 1, patchUsers: 4, membershipAdds: 3, membershipRemovals: 4 });
    expect(minimumRequests(churned.counts)).toBe(8);
    expect(perMembershipRequests(churned.counts)).toBe(11);
  });

  it('lists the LDAP changes between two models', () => {
    expect(directoryChanges(base, changed)).toEqual({
      addUsers: [],
      deleteUsers: [3],
      memberChanges: [
        { group: 1, cn: 'g1', add: [], remove: [3] },
        { group: 2, cn: 'g2', add: [5], remove: [3] },
      ],
      renames: [{ group: 1, from: 'g1', to: 'g1-renamed' }],
      deleteGroups: [{ group: 3, cn: 'g3' }],
      addGroups: [4],
    });
  });

  it('counts the fewest tenant read requests: pages of 100 per listing', () => {
    expect(minimumReadRequests(10_000, 100_000, 18)).toBe(1_101);
    expect(minimumReadRequests(0, 1, 0)).toBe(3);
  });
});

describe('generated directory', () => {
  const spec: SizeSpec = { name: 'T', users: 300, groups: 40, memberships: 900, nested: 4, bigGroup: 75, seed: 3 };
  const directory = generateDirectory(spec);

  it('has the asked shape, nesting without cycles', () => {
    const facts = describeDirectory(directory);
    expect(facts.users).toBe(300);
    expect(facts.groups).toBe(40);
    expect(facts.nestedGroups).toBe(4);
    expect(directory.groups[0]!.users).toHaveLength(75);
    expect(Math.abs(facts.directMemberships - 900)).toBeLessThan(90);
    directory.groups.forEach((g, i) => {
      for (const s of g!.subgroups) expect(s).toBeGreaterThan(i);
      expect(new Set(g!.users).size).toBe(g!.users.length);
    });
    expect(generateDirectory(spec)).toEqual(directory);
  });

  it('churns by the recipe, and its counts agree with the diff', () => {
    const { after, summary } = churn(directory, { percent: 10, seed: 4, groupRoom: 1 });
    const changes = directoryChanges(directory, after);
    expect(summary.created).toBe(1); // 2.5% of 40 is 1, and the tenant has room for 1
    expect(changes.addGroups).toHaveLength(summary.created);
    expect(changes.renames).toHaveLength(summary.renamed);
    expect(changes.deleteGroups).toHaveLength(summary.deleted);
    expect(changes.addUsers).toHaveLength(summary.joined);
    expect(changes.deleteUsers).toHaveLength(summary.left);
    expect(summary.renamed).toBe(2);
    expect(summary.joined).toBe(15);
    for (const g of after.groups) if (g) expect(g.users.length + g.subgroups.length).toBeGreaterThan(0);
    expect(churn(directory, { percent: 10, seed: 4, groupRoom: 0 }).summary.created).toBe(0);
  });

  it('writes every entry to LDIF', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qgs-bench-test-'));
    try {
      writeLdif(directory, join(dir, 'd.ldif'));
      const text = readFileSync(join(dir, 'd.ldif'), 'utf8');
      expect(text.match(/^dn: /gm)).toHaveLength(3 + 300 + 40);
      const facts = describeDirectory(directory);
      expect(text.match(/^member: uid=/gm)).toHaveLength(facts.directMemberships);
      expect(text.match(/^member: cn=/gm)).toHaveLength(facts.nestedGroups);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the tenant with nine users in ten, which the emulator accepts', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      emulator.importState(initialTenantState(directory, initialAccounts(directory)));
      expect(emulator.exportState().users).toHaveLength(270);
    } finally {
      await emulator.close();
    }
  });
});

describe('figures', () => {
  it('takes the median and the spread', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(spread([4, 1, 2, 3]).median).toBe(2.5);
    expect(withSpread([1000, 1000], (n) => `${n}`)).toBe('1000');
    expect(withSpread([1, 3, 2], (n) => `${n}`)).toBe('2 (1–3)');
    expect(withSpread([1, 3, 2], (n) => `${n} s`)).toBe('2 s (1–3 s)');
  });

  it('projects minutes and pacing', () => {
    expect(minutes(22_960 / 100)).toBe('3 h 50 min');
    expect(minutes(0)).toBe('0');
    expect(pacingFloorMs(10_000)).toBe(0); // within the burst
    expect(Math.round(pacingFloorMs(10_000 + 1_622))).toBeGreaterThan(900);
  });
});
