// What a sync should write, computed from the benchmark's own model and not by the bridge:
// the minimum the API allows (DESIGN.md: one POST per new group or user, one PATCH per group whose
// name changes, one PATCH per user whose owned memberships change, one DELETE per removed group)
// and what a per-membership tool sends (one request per membership added or removed, plus the
// same group and user requests). The bench compares the writes the emulator saw with both.
import { flatten, type BenchDirectory } from './model.ts';

export interface WriteCounts {
  createGroups: number;
  updateGroups: number;
  deleteGroups: number;
  createUsers: number;
  /** Users whose owned memberships change: one PATCH each. */
  patchUsers: number;
  membershipAdds: number;
  membershipRemovals: number;
}

export function minimumRequests(c: WriteCounts): number {
  return c.createGroups + c.updateGroups + c.deleteGroups + c.createUsers + c.patchUsers;
}

export function perMembershipRequests(c: WriteCounts): number {
  return c.createGroups + c.updateGroups + c.deleteGroups + c.createUsers + c.membershipAdds + c.membershipRemovals;
}

export interface Expected {
  counts: WriteCounts;
  /** Users with a tenant account after the sync (those before plus those it creates). */
  accounts: Set<number>;
}

/**
 * The writes that take a tenant synced from `before` (undefined: nothing synced yet) to `after`,
 * with users created when missing (`mapping.createUsers`). `accounts`: user indexes with a tenant
 * account before the sync.
 */
export function expectedWrites(before: BenchDirectory | undefined, after: BenchDirectory, accounts: ReadonlySet<number>): Expected {
  const was = before ? flatten(before) : new Map<number, Set<number>>();
  const now = flatten(after);
  const counts: WriteCounts = { createGroups: 0, updateGroups: 0, deleteGroups: 0, createUsers: 0, patchUsers: 0, membershipAdds: 0, membershipRemovals: 0 };
  const changed = new Set<number>();
  const empty = new Set<number>();
  for (const g of new Set([...was.keys(), ...now.keys()])) {
    const old = was.get(g);
    const current = now.get(g);
    if (!old) counts.createGroups++;
    else if (!current) counts.deleteGroups++;
    else if (before!.groups[g]!.cn !== after.groups[g]!.cn) counts.updateGroups++;
    const oldMembers = old ?? empty;
    const newMembers = current ?? empty;
    for (const u of newMembers) {
      if (oldMembers.has(u)) continue;
      counts.membershipAdds++;
      changed.add(u);
    }
    for (const u of oldMembers) {
      if (newMembers.has(u)) continue;
      counts.membershipRemovals++;
      changed.add(u);
    }
  }
  const after_ = new Set(accounts);
  for (const u of changed) {
    if (!after_.has(u)) {
      counts.createUsers++;
      after_.add(u);
    }
  }
  counts.patchUsers = changed.size;
  return { counts, accounts: after_ };
}

/** The fewest GET requests a complete tenant read can take: one per page of 100 of each listing. */
export function minimumReadRequests(groups: number, users: number, roles: number): number {
  return [groups, users, roles].reduce((sum, n) => sum + Math.max(1, Math.ceil(n / 100)), 0);
}
