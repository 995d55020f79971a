// The planner: (desired state, tenant snapshot, mode) -> Plan. Pure, no I/O, no clock; the same
// inputs give a byte-identical plan. Every write it plans is to an owned group (ownership.ts) or
// to a user's membership in one; IdP groups, system groups and custom groups the bridge does not
// own are never named in a plan.
//
// Groups are matched to desired groups by the source id in their ownership marker, never by name.
//   - matched, name differs: renamed (PATCH name: the group id, and so its space assignments, survive)
//   - matched, role set differs (order-insensitive): roles replaced as a whole; description likewise
//   - desired, no owned group: created, with the marker in its description
//   - owned, source gone from the directory: deleted only when the policy allows (mode `sync` and
//     `sync.deleteGroups`), after every member is removed; otherwise left alone, `ORPHANED_GROUP`
//   - owned, source held (out of scope, skipped by a warning; desired.ts): left exactly as it is
//   - several owned groups with one source id: all left alone, `DUPLICATE_MARKER`
//
// Names are unique among custom groups (case-sensitive), and the applier runs group updates
// concurrently, then creations, then membership patches, then deletions. So a rename or creation
// whose name is still held by another owned group waits: for a holder the plan renames or deletes,
// until the next run (`RENAME_DEFERRED`, `CREATE_DEFERRED`); for a holder the plan leaves alone, until
// someone frees the name (`RENAME_BLOCKED`, `NAME_TAKEN`). Groups swapping names in a cycle would
// wait for each other forever, so one group of each cycle is first renamed to a temporary name
// (`RENAME_VIA_TEMPORARY_NAME`); the cycle unwinds over the next runs.
//
// Memberships: one patch per user with all of the user's adds and removes, only for owned groups.
// Adds to groups created by this plan name the group (no id yet); a user created by this plan has
// a patch without a user id. A held user (ambiguous match) gets no adds and no removes, except
// removals from a group the plan deletes: a deleted group must end with no members at all,
// including members that are not in the directory. Tenant users with status `deleted` are treated
// the same way (never matched, never counted, but removed from groups the plan deletes).
import type { SyncMode } from '../config/types.ts';
import type { Warning } from '../directory/snapshot.ts';
import type { GroupRef, TenantGroup, TenantSnapshot } from '../tenant/snapshot.ts';
import type { DesiredGroup, DesiredState } from './desired.ts';
import { fingerprint } from './fingerprint.ts';
import { GROUP_NAME_MAX_LENGTH } from './desired.ts';
import { compareStrings, sameSet, sortedUnique } from './lib/order.ts';
import { listNames, normaliseWarnings, plural, warning } from './lib/warnings.ts';
import { isOwned, ownerSourceId } from './ownership.ts';
import {
  PLAN_VERSION,
  writeRequestCount,
  type Plan,
  type PlanGroupCreate,
  type PlanGroupDelete,
  type PlanGroupRemovals,
  type PlanGroupUpdate,
  type PlanMembershipPatch,
} from './plan.ts';
import { policyFor } from './policy.ts';

export interface PlanOptions {
  mode: SyncMode;
  /** `sync.deleteGroups`: delete owned groups whose directory group is gone (mode `sync` only). */
  deleteGroups: boolean;
}

interface Match {
  desired: DesiredGroup;
  group: TenantGroup;
}

type RenameOutcome = { kind: 'ok'; to: string } | { kind: 'waiting' | 'deferred' | 'blocked'; holder: TenantGroup };

const byName = <T extends { name: string }>(a: T, b: T): number => compareStrings(a.name, b.name);

export function computePlan(desired: DesiredState, tenant: TenantSnapshot, options: PlanOptions): Plan {
  const policy = policyFor(options.mode, options.deleteGroups);
  const prefix = desired.prefix;
  const warnings: Warning[] = [...desired.warnings];
  const held = new Set(desired.heldSourceIds);
  const heldUsers = new Set(desired.heldUserIds);

  // --- Owned groups, by id, by source id, by name.
  const owned: TenantGroup[] = [];
  const bySource = new Map<string, TenantGroup[]>();
  const nameHolder = new Map<string, TenantGroup>();
  const customNames = new Set<string>();
  const foreignCustom = new Map<string, TenantGroup>();
  for (const g of tenant.groups) {
    if (g.providerType === 'custom') customNames.add(g.name);
    if (!isOwned(g, prefix)) {
      if (g.providerType === 'custom') {
        foreignCustom.set(g.name, g);
        if (ownerSourceId(g) !== undefined) {
          warnings.push(
            warning('UNOWNED_MARKER', `the custom group ${g.name} carries a qlik-group-sync marker but its name does not start with ${prefix}; it is not managed`, g.name),
          );
        }
      }
      continue;
    }
    owned.push(g);
    nameHolder.set(g.name, g);
    const source = ownerSourceId(g)!;
    const list = bySource.get(source);
    if (list) list.push(g);
    else bySource.set(source, [g]);
  }
  owned.sort(byName);
  const blocked = new Set<string>();
  for (const [source, list] of bySource) {
    if (list.length < 2) continue;
    blocked.add(source);
    const names = list.map((g) => g.name).sort(compareStrings);
    warnings.push(
      warning(
        'DUPLICATE_MARKER',
        `${list.length} owned groups (${listNames(names)}) carry the marker of the same directory group (${source}); none of them is changed until only one does`,
        names[0],
      ),
    );
  }

  // --- Match desired groups to owned groups by source id.
  const desiredSources = new Set(desired.groups.map((d) => d.sourceId));
  const matches: Match[] = [];
  const unmatched: DesiredGroup[] = [];
  for (const d of desired.groups) {
    if (blocked.has(d.sourceId) || held.has(d.sourceId)) continue;
    const group = bySource.get(d.sourceId)?.[0];
    if (group) matches.push({ desired: d, group });
    else unmatched.push(d);
  }
  const matchById = new Map(matches.map((m) => [m.group.id, m]));

  // --- Orphans: owned groups whose source is neither desired nor held.
  const deleting: TenantGroup[] = [];
  for (const g of owned) {
    const source = ownerSourceId(g)!;
    if (held.has(source) || blocked.has(source)) continue;
    if (desiredSources.has(source)) continue;
    if (policy.deleteGroups) {
      deleting.push(g);
      continue;
    }
    const why =
      policy.mode === 'sync'
        ? 'turn on sync.deleteGroups to have such groups deleted'
        : `sync.mode is ${policy.mode}`;
    warnings.push(warning('ORPHANED_GROUP', `${g.name}: its directory group (${source}) is gone; the group and its members are left as they are (${why})`, g.name));
  }
  const deletingIds = new Set(deleting.map((g) => g.id));

  // --- Renames, and names still held by another owned group.
  const renames = new Map<string, RenameOutcome>();
  const wantsRename = (m: Match): boolean => policy.updateGroups && m.group.name !== m.desired.name;
  for (const m of matches) {
    if (!wantsRename(m)) continue;
    const holder = nameHolder.get(m.desired.name) ?? foreignCustom.get(m.desired.name);
    if (!holder || holder.id === m.group.id) renames.set(m.group.id, { kind: 'ok', to: m.desired.name });
    else if (deletingIds.has(holder.id)) renames.set(m.group.id, { kind: 'deferred', holder });
    else {
      const other = matchById.get(holder.id);
      renames.set(m.group.id, { kind: other && wantsRename(other) ? 'waiting' : 'blocked', holder });
    }
  }
  breakRenameCycles(renames, matchById, customNames, new Set(desired.groups.map((d) => d.name)), warnings);
  for (const m of matches) {
    const outcome = renames.get(m.group.id);
    if (!outcome || outcome.kind === 'ok') continue;
    const target = m.desired.name;
    if (outcome.kind === 'blocked') {
      warnings.push(
        warning(
          'RENAME_BLOCKED',
          `${m.group.name} cannot be renamed to ${target}: that name belongs to ${describeHolder(outcome.holder, prefix, held, blocked)}; free the name (rename or delete that group) and the next run renames it`,
          m.group.name,
        ),
      );
    } else {
      const how = deletingIds.has(outcome.holder.id) ? 'deletes' : 'renames';
      warnings.push(
        warning('RENAME_DEFERRED', `${m.group.name} is renamed to ${target} on the next run: the name is still held by a group this plan ${how} first`, m.group.name),
      );
    }
  }

  // --- Group updates.
  const updateGroups: PlanGroupUpdate[] = [];
  const finalName = new Map<string, string>();
  let skippedUpdates = 0;
  for (const m of matches) {
    const { desired: d, group: g } = m;
    const outcome = renames.get(g.id);
    const rename = outcome?.kind === 'ok' ? { from: g.name, to: outcome.to } : undefined;
    finalName.set(g.id, rename ? rename.to : g.name);
    const currentRoles = sortedUnique(g.assignedRoles.map((r) => r.name));
    const rolesDiffer = !sameSet(currentRoles, d.roles);
    const descriptionDiffers = (g.description ?? '') !== d.description;
    if (!policy.updateGroups) {
      if (g.name !== d.name || rolesDiffer || descriptionDiffers) skippedUpdates++;
      continue;
    }
    if (!rename && !rolesDiffer && !descriptionDiffers) continue;
    updateGroups.push({
      groupId: g.id,
      sourceId: d.sourceId,
      name: g.name,
      ...(rename ? { rename } : {}),
      ...(descriptionDiffers ? { description: { from: g.description ?? '', to: d.description } } : {}),
      ...(rolesDiffer ? { roles: { from: currentRoles, to: d.roles } } : {}),
    });
  }
  updateGroups.sort(byName);
  const renamedAway = new Set(updateGroups.filter((u) => u.rename).map((u) => u.groupId));

  // --- Group creations.
  const createGroups: PlanGroupCreate[] = [];
  for (const d of unmatched) {
    const holder = nameHolder.get(d.name);
    if (holder && !renamedAway.has(holder.id)) {
      if (deletingIds.has(holder.id) || (matchById.has(holder.id) && policy.updateGroups)) {
        const how = deletingIds.has(holder.id) ? 'which this plan deletes first' : 'which is renamed first';
        warnings.push(warning('CREATE_DEFERRED', `${d.name} is created on the next run: the name is still held by ${holder.name}, ${how}`, d.name));
      } else {
        const whose = matchById.has(holder.id)
          ? `the owned group ${holder.name}, which sync.mode ${policy.mode} does not rename`
          : describeHolder(holder, prefix, held, blocked);
        warnings.push(
          warning(
            'NAME_TAKEN',
            `${d.name} is not created for ${d.sourceDn}: the name belongs to ${whose}; free the name (rename or delete that group) and the next run creates it`,
            d.name,
          ),
        );
      }
      continue;
    }
    if (foreignCustom.has(d.name)) {
      warnings.push(warning('NAME_TAKEN', `${d.name} is not created for ${d.sourceDn}: a custom group qlik-group-sync does not own has that name`, d.name));
      continue;
    }
    createGroups.push({
      sourceId: d.sourceId,
      sourceDn: d.sourceDn,
      name: d.name,
      description: d.description,
      roles: d.roles,
      memberCount: d.memberUserIds.length + d.newMemberSubjects.length,
    });
  }
  createGroups.sort(byName);
  const created = new Map(createGroups.map((c) => [c.name, c]));

  // --- Desired memberships. This part touches every membership on both sides (a million at the
  // benchmark's size L), so it works on integers: owned groups by their position in `owned`, tenant
  // users by their position in `tenant.users`, and each existing user's wanted groups as one
  // contiguous run of `wantedRefs` (`wantedStart[slot]` up to `wantedStart[slot + 1]`).
  const ownedIndex = new Map<string, number>();
  owned.forEach((g, i) => ownedIndex.set(g.id, i));
  const isDeleting = new Uint8Array(owned.length);
  const isMatched = new Uint8Array(owned.length);
  for (const g of deleting) isDeleting[ownedIndex.get(g.id)!] = 1;
  for (const m of matches) isMatched[ownedIndex.get(m.group.id)!] = 1;

  // Groups members are added to: matched groups by id (their final name), created ones by name.
  const refs: GroupRef[] = [];
  const refOwned: number[] = [];
  const refMembers: (readonly string[])[] = [];
  const addsForNew = new Map<string, GroupRef[]>();
  const addRef = (ref: GroupRef, owner: number, d: DesiredGroup): void => {
    refs.push(ref);
    refOwned.push(owner);
    refMembers.push(d.memberUserIds);
    for (const subject of d.newMemberSubjects) {
      const list = addsForNew.get(subject);
      if (list) list.push(ref);
      else addsForNew.set(subject, [ref]);
    }
  };
  for (const m of matches) addRef({ id: m.group.id, name: finalName.get(m.group.id)! }, ownedIndex.get(m.group.id)!, m.desired);
  for (const d of unmatched) if (created.has(d.name)) addRef({ name: d.name }, -1, d);

  // A user id's slot is the first tenant user with that id.
  const slotOf = new Map<string, number>();
  tenant.users.forEach((u, i) => {
    if (!slotOf.has(u.id)) slotOf.set(u.id, i);
  });
  const wantedStart = new Int32Array(tenant.users.length + 1);
  const memberSlots = refMembers.map((ids) => {
    const slots = new Int32Array(ids.length);
    for (let j = 0; j < ids.length; j++) {
      const slot = slotOf.get(ids[j]!) ?? -1;
      slots[j] = slot;
      if (slot >= 0) wantedStart[slot + 1]!++;
    }
    return slots;
  });
  for (let i = 0; i < tenant.users.length; i++) wantedStart[i + 1]! += wantedStart[i]!;
  const wantedRefs = new Int32Array(wantedStart[tenant.users.length]!);
  const fill = wantedStart.slice(0, tenant.users.length);
  memberSlots.forEach((slots, r) => {
    for (const slot of slots) if (slot >= 0) wantedRefs[fill[slot]!++] = r;
  });

  // --- One patch per existing user. `mark` stamps, per user, the owned groups it is in (`inGroup`)
  // and those it should be in (`wantsGroup`), so no per-user set is built.
  const memberships: PlanMembershipPatch[] = [];
  const groupSize = new Int32Array(owned.length);
  const removalCount = new Int32Array(owned.length);
  const inGroup = new Int32Array(owned.length);
  const wantsGroup = new Int32Array(owned.length);
  const current: number[] = [];
  let ownedMemberships = 0;
  let skippedRemovals = 0;
  tenant.users.forEach((user, index) => {
    const mark = index + 1;
    // A deleted user is matched to nothing and counted nowhere, but still leaves groups the plan deletes.
    const gone = user.status === 'deleted';
    current.length = 0;
    for (const a of user.assignedGroups) {
      const g = ownedIndex.get(a.id);
      if (g === undefined || (gone && !isDeleting[g]) || inGroup[g] === mark) continue;
      inGroup[g] = mark;
      current.push(g);
    }
    const isHeld = heldUsers.has(user.id) || gone;
    const slot = slotOf.get(user.id)!;
    const from = wantedStart[slot]!;
    const to = wantedStart[slot + 1]!;
    let marked = false;
    const remove: { id: string; name: string }[] = [];
    for (const g of current) {
      if (!gone) ownedMemberships++;
      groupSize[g]!++;
      let removeIt = isDeleting[g] === 1;
      if (!removeIt && !isHeld && isMatched[g]) {
        if (!marked) {
          for (let k = from; k < to; k++) {
            const owner = refOwned[wantedRefs[k]!]!;
            if (owner >= 0) wantsGroup[owner] = mark;
          }
          marked = true;
        }
        if (wantsGroup[g] !== mark) {
          if (policy.removeMemberships) removeIt = true;
          else skippedRemovals++;
        }
      }
      if (removeIt) {
        remove.push({ id: owned[g]!.id, name: owned[g]!.name });
        removalCount[g]!++;
      }
    }
    const add: GroupRef[] = [];
    if (!isHeld) {
      for (let k = from; k < to; k++) {
        const r = wantedRefs[k]!;
        const owner = refOwned[r]!;
        if (owner < 0 || inGroup[owner] !== mark) add.push(refs[r]!);
      }
    }
    if (add.length === 0 && remove.length === 0) return;
    memberships.push({ userId: user.id, subject: user.subject, add: add.sort(byName), remove: remove.sort(byName) });
  });

  // --- Users to create, each with one patch (no user id yet).
  const createUsers = desired.createUsers.filter((c) => (addsForNew.get(c.subject)?.length ?? 0) > 0);
  for (const c of createUsers) memberships.push({ subject: c.subject, add: [...addsForNew.get(c.subject)!].sort(byName), remove: [] });
  const folded = new Map(memberships.map((m) => [m, m.subject.toLowerCase()]));
  memberships.sort(
    (a, b) => compareStrings(folded.get(a)!, folded.get(b)!) || compareStrings(a.subject, b.subject) || compareStrings(a.userId ?? '', b.userId ?? ''),
  );

  // --- Deletions.
  const deleteGroups: PlanGroupDelete[] = deleting.map((g) => ({
    groupId: g.id,
    name: g.name,
    sourceId: ownerSourceId(g)!,
    memberCount: groupSize[ownedIndex.get(g.id)!]!,
  }));
  deleteGroups.sort(byName);

  if (skippedUpdates > 0 || skippedRemovals > 0) {
    const parts = [
      ...(skippedUpdates > 0 ? [`${plural(skippedUpdates, 'group update')} (renames, roles, descriptions)`] : []),
      ...(skippedRemovals > 0 ? [plural(skippedRemovals, 'membership removal')] : []),
    ];
    warnings.push(warning('MODE_SKIPPED', `sync.mode is ${policy.mode}: ${parts.join(' and ')} the directory asks for ${skippedUpdates + skippedRemovals === 1 ? 'is' : 'are'} not planned`));
  }

  const groupRemovals: PlanGroupRemovals[] = [];
  owned.forEach((g, i) => {
    if (removalCount[i]! > 0) {
      groupRemovals.push({ groupId: g.id, name: g.name, members: groupSize[i]!, removals: removalCount[i]!, deleted: isDeleting[i] === 1 });
    }
  });
  groupRemovals.sort(byName);

  let membershipAdds = 0;
  let membershipRemovals = 0;
  for (const p of memberships) {
    membershipAdds += p.add.length;
    membershipRemovals += p.remove.length;
  }
  const changes = { createGroups, updateGroups, deleteGroups, createUsers, memberships };
  return {
    version: PLAN_VERSION,
    basis: { directory: desired.basis.directory, tenant: fingerprint(tenant) },
    mode: policy.mode,
    ...changes,
    warnings: normaliseWarnings(warnings),
    stats: {
      ownedGroups: owned.length,
      ownedMemberships,
      desiredGroups: desired.groups.length,
      desiredMemberships: desired.groups.reduce((n, d) => n + d.memberUserIds.length + d.newMemberSubjects.length, 0),
      tenantGroups: tenant.groups.length,
      membershipAdds,
      membershipRemovals,
      writeRequests: writeRequestCount(changes),
      // The directory groups the read found but does not sync that have owned groups (the
      // empty-directory guard takes them as yielded), each once however many copies share its
      // marker. A group left alone only for its duplicated marker counts when its source was read
      // (among the desired groups then), so copies of a group the read did not find cannot make an
      // empty read look full.
      heldGroups: [...held].filter((source) => bySource.has(source)).length,
      groupRemovals,
    },
  };
}

function describeHolder(holder: TenantGroup, prefix: string, held: Set<string>, blocked: Set<string>): string {
  if (!isOwned(holder, prefix)) return `the custom group ${holder.name}, which qlik-group-sync does not own`;
  const source = ownerSourceId(holder)!;
  if (blocked.has(source)) return `the owned group ${holder.name}, which shares its marker with another group`;
  if (held.has(source)) return `the owned group ${holder.name}, whose directory group is not synced this run`;
  return `the owned group ${holder.name}, whose directory group is gone (sync.deleteGroups and sync.mode sync would delete it)`;
}

/**
 * Renames waiting for each other: each waiting group points at the group holding its target name
 * (at most one), so the waits form chains and cycles. A chain unwinds by itself, one link per run
 * (the head renames now, the rest next time). A cycle never would: its smallest group id is
 * renamed to a free temporary name now, which turns the cycle into a chain.
 */
function breakRenameCycles(
  renames: Map<string, RenameOutcome>,
  matchById: Map<string, Match>,
  customNames: Set<string>,
  desiredNames: Set<string>,
  warnings: Warning[],
): void {
  const state = new Map<string, 1 | 2>();
  const next = (id: string): string | undefined => {
    const outcome = renames.get(id);
    return outcome && outcome.kind === 'waiting' ? outcome.holder.id : undefined;
  };
  const taken = new Set([...customNames, ...desiredNames]);
  for (const [start, outcome] of [...renames].sort(([a], [b]) => compareStrings(a, b))) {
    if (outcome.kind !== 'waiting' || state.has(start)) continue;
    const path: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !state.has(current) && next(current) !== undefined) {
      state.set(current, 1);
      path.push(current);
      current = next(current);
    }
    if (current !== undefined && state.get(current) === 1) {
      const cycle = path.slice(path.indexOf(current));
      const chosen = [...cycle].sort(compareStrings)[0]!;
      const match = matchById.get(chosen)!;
      const temporary = temporaryName(match.desired.name, taken);
      if (temporary !== undefined) {
        taken.add(temporary);
        renames.set(chosen, { kind: 'ok', to: temporary });
        const names = cycle.map((id) => matchById.get(id)!.group.name).sort(compareStrings);
        warnings.push(
          warning(
            'RENAME_VIA_TEMPORARY_NAME',
            `${listNames(names)} swap names in the directory; ${match.group.name} is first renamed to ${temporary}, and the renames complete over the next runs`,
            match.group.name,
          ),
        );
      }
    }
    for (const id of path) state.set(id, 2);
  }
  // Whatever still waits is deferred: its holder is renamed away this run.
  for (const [id, outcome] of renames) if (outcome.kind === 'waiting') renames.set(id, { kind: 'deferred', holder: outcome.holder });
}

function temporaryName(target: string, taken: Set<string>): string | undefined {
  for (let n = 1; n < 100; n++) {
    const suffix = n === 1 ? ' (renaming)' : ` (renaming ${n})`;
    const name = target.slice(0, GROUP_NAME_MAX_LENGTH - suffix.length) + suffix;
    if (!taken.has(name)) return name;
  }
  return undefined;
}
