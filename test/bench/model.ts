// The benchmark's synthetic enterprise directory as plain data, generated from a seed: users by
// index, groups with their direct user members and nested subgroups, one very large group, sizes
// skewed the way real directories are (many small groups, a few big ones). The same model is
// written to LDIF for slapd (ldif.ts), turned into the tenant's starting state (tenant-state.ts),
// changed by the churn recipe (churn.ts) and counted independently of the bridge (counts.ts).
// Pure and deterministic: the same size and seed give the same directory.

export interface SizeSpec {
  name: string;
  users: number;
  groups: number;
  /** Direct user memberships to aim for (the generated total is close, not exact). */
  memberships: number;
  /** Groups that are a member of another group. */
  nested: number;
  /** Members of the one very large group (group 0). */
  bigGroup: number;
  seed: number;
}

/** The standard sizes of issue 8. L keeps S's proportions for nesting (10% of groups) and the big group (a quarter of the users). */
export const SIZES: Record<'S' | 'L', SizeSpec> = {
  S: { name: 'S', users: 20_000, groups: 2_000, memberships: 60_000, nested: 200, bigGroup: 5_000, seed: 8 },
  L: { name: 'L', users: 100_000, groups: 10_000, memberships: 1_000_000, nested: 1_000, bigGroup: 25_000, seed: 8 },
};

export interface BenchGroup {
  cn: string;
  /** Direct user members (user indexes), sorted. */
  users: number[];
  /** Direct group members (group indexes), sorted; always higher indexes than the group's own, so nesting has no cycles. */
  subgroups: number[];
}

export interface BenchDirectory {
  /** uid by user index; undefined for a user no longer in the directory. */
  users: (string | undefined)[];
  /** By group index; undefined for a group no longer in the directory. */
  groups: (BenchGroup | undefined)[];
}

/** mulberry32: a small seeded PRNG, [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uidOf(index: number): string {
  return `u${String(index).padStart(6, '0')}`;
}

export function groupCn(index: number): string {
  return `grp-${String(index).padStart(5, '0')}`;
}

/** `count` distinct integers from [0, n), sorted. */
export function sample(rand: () => number, n: number, count: number): number[] {
  const k = Math.min(count, n);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(rand() * n));
  return [...picked].sort((a, b) => a - b);
}

/** Group sizes: log-normal weights scaled to the membership target, each within [1, users / 4]. */
function groupSizes(rand: () => number, spec: SizeSpec): number[] {
  const others = spec.groups - 1;
  const weights: number[] = [];
  for (let i = 0; i < others; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    weights.push(Math.exp(1.1 * z));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const left = Math.max(0, spec.memberships - spec.bigGroup);
  const cap = Math.max(1, Math.floor(spec.users / 4));
  return weights.map((w) => Math.min(cap, Math.max(1, Math.round((w / total) * left))));
}

/** The synthetic directory for a size: group 0 is the big group; `nested` other groups sit inside a lower-numbered group. */
export function generateDirectory(spec: SizeSpec): BenchDirectory {
  if (spec.groups < 1 || spec.users < 1) throw new Error(`size ${spec.name}: needs at least one user and one group`);
  if (spec.nested > spec.groups - 1) throw new Error(`size ${spec.name}: at most ${spec.groups - 1} nested groups`);
  const rand = random(spec.seed);
  const users = Array.from({ length: spec.users }, (_, i) => uidOf(i));
  const sizes = groupSizes(rand, spec);
  const groups: BenchGroup[] = [{ cn: groupCn(0), users: sample(rand, spec.users, spec.bigGroup), subgroups: [] }];
  for (let g = 1; g < spec.groups; g++) groups.push({ cn: groupCn(g), users: sample(rand, spec.users, sizes[g - 1]!), subgroups: [] });
  // Nested groups: children drawn from 1..groups-1, each placed in one group with a lower index.
  for (const child of sample(rand, spec.groups - 1, spec.nested).map((i) => i + 1)) {
    const parent = Math.floor(rand() * child);
    groups[parent]!.subgroups.push(child);
  }
  for (const g of groups) g.subgroups.sort((a, b) => a - b);
  return { users, groups };
}

/** Group indexes that are nested in another group. */
export function nestedGroupIndexes(directory: BenchDirectory): Set<number> {
  const out = new Set<number>();
  for (const g of directory.groups) for (const s of g?.subgroups ?? []) out.add(s);
  return out;
}

/**
 * Each present group's members with nesting flattened (present users only), by group index.
 * Subgroups have higher indexes than their parents, so one pass from the highest index down
 * sees every subgroup finished before its parent.
 */
export function flatten(directory: BenchDirectory): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (let g = directory.groups.length - 1; g >= 0; g--) {
    const group = directory.groups[g];
    if (!group) continue;
    const members = new Set<number>();
    for (const u of group.users) if (directory.users[u] !== undefined) members.add(u);
    for (const s of group.subgroups) for (const u of out.get(s) ?? []) members.add(u);
    out.set(g, members);
  }
  return out;
}

/** Counts for the table: entries and membership values as the directory holds them, and flattened. */
export function describe(directory: BenchDirectory): { users: number; groups: number; directMemberships: number; nestedGroups: number; flatMemberships: number; largestGroup: number } {
  let users = 0;
  for (const u of directory.users) if (u !== undefined) users++;
  let groups = 0;
  let directMemberships = 0;
  let nestedGroups = 0;
  for (const g of directory.groups) {
    if (!g) continue;
    groups++;
    for (const u of g.users) if (directory.users[u] !== undefined) directMemberships++;
    nestedGroups += g.subgroups.length;
  }
  let flatMemberships = 0;
  let largestGroup = 0;
  for (const members of flatten(directory).values()) {
    flatMemberships += members.size;
    largestGroup = Math.max(largestGroup, members.size);
  }
  return { users, groups, directMemberships, nestedGroups, flatMemberships, largestGroup };
}
