// What one chaos scenario does, decided by its seed alone (pure: no I/O). A scenario is a kind, a
// random set of directory edits made before the runs, and the trouble of its kind: an emulator
// fault mix, a SIGKILL of the bridge, or slapd killed while the bridge reads it. The kind is
// `KINDS[seed % KINDS.length]`, so any six consecutive seeds cover every kind.
import type { FaultKind, FaultSettings } from '../../src/emulator/limits/faults.ts';
import { FAULT_KINDS } from '../../src/emulator/limits/faults.ts';
import { GROUPS, PEOPLE } from '../e2e/harness.ts';
import { seeded, type Random } from './random.ts';

export const KINDS = ['faults', 'writes-only', 'lost-answers', 'slow', 'kill-bridge', 'kill-ldap'] as const;
export type ScenarioKind = (typeof KINDS)[number];

/** The directory as the scenarios see it: user ids and each group's direct `member` DNs. */
export interface DirectoryModel {
  uids: string[];
  groups: Map<string, string[]>;
}

export type Edit =
  | { op: 'add-member'; group: string; member: string }
  | { op: 'remove-member'; group: string; member: string }
  | { op: 'rename'; group: string; to: string }
  | { op: 'disable'; uid: string }
  | { op: 'create-group'; group: string; members: string[] }
  | { op: 'delete-group'; group: string };

export type KillPoint =
  /** SIGKILL once the emulator has seen `fraction` of the expected write requests (at least one). */
  | { after: 'writes'; fraction: number }
  /** SIGKILL this long after the bridge started (it may be starting, reading, planning or writing). */
  | { after: 'delay'; ms: number };

export type LdapKill =
  /** slapd frozen before the bridge connects, killed before it answers anything. */
  | { when: 'before-answer' }
  /** slapd frozen until the bridge connects, then let run for `ms` and killed (mid-read or just after). */
  | { when: 'mid-read'; ms: number };

export interface Scenario {
  seed: number;
  kind: ScenarioKind;
  edits: Edit[];
  /** Emulator faults during the scenario's troubled run (kill-bridge: slow writes, so the kill lands between them). */
  faults?: FaultSettings;
  kill?: KillPoint;
  ldapKill?: LdapKill;
}

export const userDn = (uid: string): string => `uid=${uid},${PEOPLE}`;
export const groupDn = (cn: string): string => `cn=${cn},${GROUPS}`;
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function cloneModel(model: DirectoryModel): DirectoryModel {
  return { uids: [...model.uids], groups: new Map([...model.groups].map(([cn, members]) => [cn, [...members]])) };
}

/** Groups that another group lists as a member (renaming or deleting them would leave a dangling DN). */
function referenced(model: DirectoryModel, cn: string): boolean {
  const dn = groupDn(cn);
  return [...model.groups.values()].some((members) => members.some((m) => same(m, dn)));
}

/** True when `inner` is `outer` or contains it, directly or through nesting (adding would make a cycle). */
function reaches(model: DirectoryModel, inner: string, outer: string, seen = new Set<string>()): boolean {
  if (inner === outer) return true;
  if (seen.has(inner)) return false;
  seen.add(inner);
  for (const m of model.groups.get(inner) ?? []) {
    const cn = [...model.groups.keys()].find((g) => same(groupDn(g), m));
    if (cn !== undefined && reaches(model, cn, outer, seen)) return true;
  }
  return false;
}

/** One random edit that is valid against `model` (and applied to it), or undefined when the draw does not fit. */
function drawEdit(rng: Random, model: DirectoryModel, seed: number, index: number, disabled: Set<string>, touched: Set<string>): Edit | undefined {
  const groups = [...model.groups.keys()];
  const roll = rng.next();
  if (roll < 0.3) {
    const group = rng.pick(groups);
    const members = model.groups.get(group)!;
    const candidates = model.uids.map(userDn).filter((dn) => !members.some((m) => same(m, dn)));
    if (candidates.length === 0) return undefined;
    const member = rng.pick(candidates);
    members.push(member);
    return { op: 'add-member', group, member };
  }
  if (roll < 0.55) {
    const group = rng.pick(groups);
    const members = model.groups.get(group)!;
    if (members.length < 2) return undefined; // groupOfNames needs one member
    const member = rng.pick(members);
    members.splice(members.indexOf(member), 1);
    return { op: 'remove-member', group, member };
  }
  if (roll < 0.65) {
    const free = groups.filter((g) => !touched.has(g) && !referenced(model, g));
    if (free.length === 0) return undefined;
    const group = rng.pick(free);
    const to = `${group}-r${seed}`;
    model.groups.set(to, model.groups.get(group)!);
    model.groups.delete(group);
    touched.add(to);
    return { op: 'rename', group, to };
  }
  if (roll < 0.75) {
    const uid = rng.pick(model.uids);
    if (disabled.has(uid)) return undefined;
    disabled.add(uid);
    return { op: 'disable', uid };
  }
  if (roll < 0.85) {
    const group = `n${seed}x${index}`;
    const members = rng.sample(model.uids, rng.int(1, 6)).map(userDn);
    if (rng.chance(0.3)) members.push(groupDn(rng.pick(groups)));
    model.groups.set(group, [...members]);
    touched.add(group);
    return { op: 'create-group', group, members };
  }
  if (roll < 0.92) {
    const free = groups.filter((g) => !touched.has(g) && !referenced(model, g));
    if (free.length === 0 || groups.length < 8) return undefined;
    const group = rng.pick(free);
    model.groups.delete(group);
    return { op: 'delete-group', group };
  }
  // Nesting: one group becomes a member of another (never a cycle).
  const outer = rng.pick(groups);
  const inner = rng.pick(groups);
  if (reaches(model, inner, outer)) return undefined;
  const member = groupDn(inner);
  if (model.groups.get(outer)!.some((m) => same(m, member))) return undefined;
  model.groups.get(outer)!.push(member);
  return { op: 'add-member', group: outer, member };
}

function drawEdits(rng: Random, base: DirectoryModel, seed: number): Edit[] {
  const model = cloneModel(base);
  const wanted = rng.int(2, 9);
  const edits: Edit[] = [];
  const disabled = new Set<string>();
  const touched = new Set<string>();
  for (let tries = 0; edits.length < wanted && tries < wanted * 10; tries++) {
    const edit = drawEdit(rng, model, seed, edits.length, disabled, touched);
    if (edit) edits.push(edit);
  }
  return edits;
}

function someKinds(rng: Random, from: readonly FaultKind[], min: number, max: number): FaultKind[] {
  return rng.sample(from, rng.int(min, Math.min(max, from.length)));
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function kindOf(seed: number): ScenarioKind {
  return KINDS[((seed % KINDS.length) + KINDS.length) % KINDS.length]!;
}

/** The scenario for `seed`, against the baseline directory `model`. */
export function planScenario(seed: number, model: DirectoryModel): Scenario {
  const rng = seeded(seed);
  const kind = kindOf(seed);
  const edits = drawEdits(rng, model, seed);
  const faultSeed = rng.int(1, 2 ** 31 - 1);
  const scenario: Scenario = { seed, kind, edits };
  switch (kind) {
    case 'faults':
      // Any kind, reads and writes; slow answers stay under the request timeout.
      scenario.faults = { rate: round2(0.1 + rng.next() * 0.25), kinds: someKinds(rng, FAULT_KINDS, 2, 5), seed: faultSeed, slowMs: rng.int(50, 400) };
      break;
    case 'writes-only':
      scenario.faults = { rate: round2(0.3 + rng.next() * 0.4), kinds: someKinds(rng, FAULT_KINDS, 1, 4), seed: faultSeed, writesOnly: true, slowMs: rng.int(50, 400) };
      break;
    case 'lost-answers':
      // The change is made and the answer lost: retries must not apply it twice or undo it.
      scenario.faults = { rate: round2(0.3 + rng.next() * 0.4), kinds: someKinds(rng, ['reset-after', '500-after'], 1, 2), seed: faultSeed, writesOnly: rng.chance(0.5) };
      break;
    case 'slow':
      // Slow answers, some beyond the request timeout (the change lands after the client gave up).
      scenario.faults = { rate: round2(0.2 + rng.next() * 0.3), kinds: ['slow', ...someKinds(rng, ['429', '503', 'reset'], 0, 1)], seed: faultSeed, slowMs: rng.int(800, 2600) };
      break;
    case 'kill-bridge':
      // Every write is slowed (so the kill lands between writes); in half the scenarios, half the
      // writes get a fault instead, so the kill can also land in a retry after a lost answer.
      scenario.faults = { rate: 1, kinds: ['slow', ...someKinds(rng, ['500-after', 'reset-after', '503', '429'], 0, 1)], seed: faultSeed, writesOnly: true, slowMs: rng.int(20, 80) };
      scenario.kill = rng.chance(0.65) ? { after: 'writes', fraction: round2(0.05 + rng.next() * 0.9) } : { after: 'delay', ms: rng.int(100, 1200) };
      break;
    case 'kill-ldap':
      scenario.ldapKill = rng.chance(0.3) ? { when: 'before-answer' } : { when: 'mid-read', ms: rng.int(0, 40) };
      break;
  }
  return scenario;
}

/** One line: the kind and its trouble, for the progress output. */
export function describeScenario(s: Scenario): string {
  const parts: string[] = [s.kind.padEnd(12)];
  if (s.faults) {
    parts.push(`faults ${s.faults.rate} [${s.faults.kinds.join(',')}]${s.faults.writesOnly ? ' writes-only' : ''}${s.faults.kinds.includes('slow') ? ` slow=${s.faults.slowMs}ms` : ''}`);
  }
  if (s.kill) parts.push(s.kill.after === 'writes' ? `SIGKILL after ${Math.round(s.kill.fraction * 100)}% of writes` : `SIGKILL after ${s.kill.ms}ms`);
  if (s.ldapKill) parts.push(s.ldapKill.when === 'before-answer' ? 'slapd killed before answering' : `slapd killed ${s.ldapKill.ms}ms into the read`);
  parts.push(`${s.edits.length} edits`);
  return parts.join('  ');
}
