// The churn recipe: what a directory looks like after a period of ordinary change, as a new model
// (the old one is not touched), and the differences between two models, which ldif.ts turns into
// LDAP operations. For `percent` p (the bench uses 1):
//   - p/2 % of the users leave (entry deleted, and their member values with it, as AD and
//     OpenLDAP's refint do) and as many join, each into 3 groups;
//   - p/2 % of the direct memberships are removed and as many added;
//   - p/2 % of the groups are renamed, p/4 % deleted and p/4 % created (5 to 20 members each),
//     creations only as far as `groupRoom` allows (Qlik's 10,000-group limit);
// renamed and deleted groups are plain ones (not nested, no subgroups, not the big group), so no
// member value has to follow a renamed DN. Every group keeps at least one member (groupOfNames).
import { groupCn, random, sample, uidOf, type BenchDirectory, type BenchGroup } from './model.ts';

export interface ChurnOptions {
  percent: number;
  seed: number;
  /** Groups that may be created without exceeding the tenant's group limit. */
  groupRoom: number;
}

export interface ChurnSummary {
  joined: number;
  left: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  renamed: number;
  deleted: number;
  created: number;
}

const share = (total: number, percent: number): number => Math.round((total * percent) / 100);

function insertSorted(list: number[], value: number): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === value) return false;
  list.splice(lo, 0, value);
  return true;
}

export function churn(before: BenchDirectory, options: ChurnOptions): { after: BenchDirectory; summary: ChurnSummary } {
  const rand = random(options.seed);
  const p = options.percent;
  const users = [...before.users];
  const groups: (BenchGroup | undefined)[] = before.groups.map((g) => (g ? { cn: g.cn, users: [...g.users], subgroups: [...g.subgroups] } : undefined));
  const presentUsers = users.flatMap((u, i) => (u === undefined ? [] : [i]));
  const presentGroups = groups.flatMap((g, i) => (g === undefined ? [] : [i]));
  const summary: ChurnSummary = { joined: 0, left: 0, membershipsAdded: 0, membershipsRemoved: 0, renamed: 0, deleted: 0, created: 0 };

  // Plain groups for renames and deletions: not nested anywhere, no subgroups, not group 0.
  const nested = new Set<number>();
  for (const i of presentGroups) for (const s of groups[i]!.subgroups) nested.add(s);
  const plain = presentGroups.filter((i) => i !== 0 && !nested.has(i) && groups[i]!.subgroups.length === 0);
  const picked = sample(rand, plain.length, share(presentGroups.length, p / 2) + share(presentGroups.length, p / 4)).map((i) => plain[i]!);
  const renames = share(presentGroups.length, p / 2);
  for (const [n, g] of picked.entries()) {
    if (n < renames) {
      groups[g]!.cn = `${groups[g]!.cn}-renamed`;
      summary.renamed++;
    } else {
      groups[g] = undefined;
      summary.deleted++;
    }
  }
  const live = presentGroups.filter((i) => groups[i] !== undefined);

  // Leavers: out of the directory and out of every group. One who is the last member of a group
  // stays (groupOfNames needs a member) and only leaves the other groups.
  const leavers = new Set(sample(rand, presentUsers.length, share(presentUsers.length, p / 2)).map((i) => presentUsers[i]!));
  const stuck = new Set<number>();
  for (const g of live) {
    const group = groups[g]!;
    const kept = group.users.filter((u) => !leavers.has(u));
    if (kept.length === 0 && group.subgroups.length === 0) {
      for (const u of group.users) stuck.add(u);
      continue;
    }
    group.users = kept;
  }
  for (const u of leavers) {
    if (stuck.has(u)) continue;
    users[u] = undefined;
    summary.left++;
  }

  // Membership removals and additions among the groups that stay.
  const memberships: [number, number][] = [];
  for (const g of live) for (const u of groups[g]!.users) memberships.push([g, u]);
  const removals = share(memberships.length, p / 2);
  for (const i of sample(rand, memberships.length, removals)) {
    const [g, u] = memberships[i]!;
    const group = groups[g]!;
    if (group.users.length + group.subgroups.length <= 1) continue;
    group.users = group.users.filter((x) => x !== u);
    summary.membershipsRemoved++;
  }
  const stayers = presentUsers.filter((u) => users[u] !== undefined);
  for (let added = 0, tries = 0; added < removals && tries < removals * 10; tries++) {
    const g = live[Math.floor(rand() * live.length)]!;
    const u = stayers[Math.floor(rand() * stayers.length)]!;
    if (insertSorted(groups[g]!.users, u)) added++;
    summary.membershipsAdded = added;
  }

  // Joiners, each into 3 groups.
  const joiners = share(presentUsers.length, p / 2);
  for (let n = 0; n < joiners; n++) {
    const u = users.length;
    users.push(uidOf(u));
    for (const i of sample(rand, live.length, 3)) insertSorted(groups[live[i]!]!.users, u);
    summary.joined++;
  }

  // New groups, as far as the tenant has room.
  const creations = Math.min(share(presentGroups.length, p / 4), Math.max(0, options.groupRoom));
  const everyone = users.flatMap((u, i) => (u === undefined ? [] : [i]));
  for (let n = 0; n < creations; n++) {
    const g = groups.length;
    groups.push({ cn: `${groupCn(g)}-new`, users: sample(rand, everyone.length, 5 + Math.floor(rand() * 16)).map((i) => everyone[i]!), subgroups: [] });
    summary.created++;
  }
  return { after: { users, groups }, summary };
}

export interface GroupMemberChange {
  group: number;
  /** Present in both models, under the old cn (renames are separate). */
  cn: string;
  add: number[];
  remove: number[];
}

export interface DirectoryChanges {
  addUsers: number[];
  deleteUsers: number[];
  memberChanges: GroupMemberChange[];
  renames: { group: number; from: string; to: string }[];
  deleteGroups: { group: number; cn: string }[];
  addGroups: number[];
}

function sortedDifference(a: number[], b: number[]): number[] {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
}

/** What changed from one model to the other, entry by entry (user and group indexes are shared). */
export function directoryChanges(before: BenchDirectory, after: BenchDirectory): DirectoryChanges {
  const out: DirectoryChanges = { addUsers: [], deleteUsers: [], memberChanges: [], renames: [], deleteGroups: [], addGroups: [] };
  const userCount = Math.max(before.users.length, after.users.length);
  for (let u = 0; u < userCount; u++) {
    if (before.users[u] === undefined && after.users[u] !== undefined) out.addUsers.push(u);
    if (before.users[u] !== undefined && after.users[u] === undefined) out.deleteUsers.push(u);
  }
  const groupCount = Math.max(before.groups.length, after.groups.length);
  for (let g = 0; g < groupCount; g++) {
    const was = before.groups[g];
    const now = after.groups[g];
    if (!was && now) out.addGroups.push(g);
    else if (was && !now) out.deleteGroups.push({ group: g, cn: was.cn });
    else if (was && now) {
      const add = sortedDifference(now.users, was.users);
      const remove = sortedDifference(was.users, now.users);
      if (add.length > 0 || remove.length > 0) out.memberChanges.push({ group: g, cn: was.cn, add, remove });
      if (was.cn !== now.cn) out.renames.push({ group: g, from: was.cn, to: now.cn });
      if (sortedDifference(now.subgroups, was.subgroups).length > 0 || sortedDifference(was.subgroups, now.subgroups).length > 0) {
        throw new Error(`churn changed the subgroups of ${was.cn}: not supported`);
      }
    }
  }
  return out;
}
