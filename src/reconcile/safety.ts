// Safety limits: pure checks on a plan that block the apply (exit 3) when it would take away more
// than a run should. A violation names the limit, how far over it the plan is, and how to let this
// one run through. The planner's counts (`plan.stats`) describe the owned state before the plan,
// so percentages are of what the bridge owns; with nothing owned yet (a first run) a percentage
// limit cannot block anything, because nothing can be removed or deleted.
//
// The limits, with the defaults the option table uses (DEFAULT_LIMITS):
//   maxGroupDeletes / maxGroupDeletesPercent            groups deleted, count / share of owned groups
//   maxMembershipRemovals / maxMembershipRemovalsPercent memberships removed (including those of
//                                                      deleted groups), count / share of owned ones
//   maxRemovalsPerGroupPercent                         share of one group's members removed, for
//                                                      groups with at least perGroupMinMembers
//                                                      members (groups being deleted are left to the
//                                                      deletion limits)
//   minDirectoryGroupsPercent                          empty-directory guard, see below
//   groupHeadroom                                      groups kept free below Qlik's 10,000
//
// `allowDeletes` (`--allow-deletes`, or applying a reviewed saved plan) lifts the five deletion and
// removal limits: a person has looked at exactly those numbers and said yes. It does not lift:
//   - the empty-directory guard: a directory that yields no mapped groups while the tenant holds
//     owned ones, or (when the plan removes or deletes anything) fewer mapped groups than
//     minDirectoryGroupsPercent of the owned groups. That is what a wrong base DN, a filter typo or
//     a half-exported LDIF look like, and a person approving "deletes" has usually not seen that.
//     The only way past it is to change the limit (`sync.limits.minDirectoryGroupsPercent: 0`
//     turns it off). Groups present in the directory but held (out of scope, skipped by a warning)
//     count as yielded, since their owned groups are left alone anyway. An empty directory blocks
//     even a plan with no changes, so a broken read shows up as a blocked run, not a quiet one.
//   - the tenant group limit: Qlik refuses groups beyond 10,000; no approval changes that.
import type { SafetyLimits } from '../config/types.ts';
import type { SafetyViolation } from '../runner/report.ts';
import { count, percent } from './lib/format.ts';
import { listNames } from './lib/warnings.ts';
import type { Plan } from './plan.ts';

export const DEFAULT_LIMITS: Readonly<SafetyLimits> = Object.freeze({
  maxGroupDeletes: 5,
  maxGroupDeletesPercent: 20,
  maxMembershipRemovals: 1000,
  maxMembershipRemovalsPercent: 10,
  maxRemovalsPerGroupPercent: 50,
  perGroupMinMembers: 10,
  minDirectoryGroupsPercent: 50,
  groupHeadroom: 100,
});

/** Qlik Cloud's limit on groups per tenant. */
export const TENANT_GROUP_LIMIT = 10_000;

export interface SafetyOptions {
  /** Lift the deletion and removal limits for this run (not the empty-directory guard or the group limit). */
  allowDeletes: boolean;
}

function allowHint(limit: keyof SafetyLimits): string {
  return (
    'To allow it for this one run, run again with --allow-deletes, or save the plan (plan --json FILE), review it and apply it with apply --plan FILE; ' +
    `to change the limit for every run, raise sync.limits.${limit}.`
  );
}

export function checkSafety(
  plan: Pick<Plan, 'deleteGroups' | 'createGroups' | 'stats'>,
  limits: SafetyLimits,
  options: SafetyOptions,
): SafetyViolation[] {
  const violations: SafetyViolation[] = [];
  const stats = plan.stats;
  const deletes = plan.deleteGroups.length;
  const removals = stats.membershipRemovals;
  const owned = stats.ownedGroups;

  // Empty-directory guard (never lifted by allowDeletes).
  if (limits.minDirectoryGroupsPercent > 0 && owned > 0) {
    const yielded = stats.desiredGroups + (stats.heldGroups ?? 0);
    const share = percent(yielded, owned);
    const tail =
      'This is what a wrong base DN or filter, or an incomplete export, looks like, so nothing is changed. ' +
      'If the directory really has that few groups, lower sync.limits.minDirectoryGroupsPercent (0 turns this check off); ' +
      '--allow-deletes and saved plans do not lift it.';
    if (yielded === 0) {
      violations.push({
        limit: 'minDirectoryGroupsPercent',
        message: `The directory yields no mapped groups, but the tenant has ${count(owned)} groups owned by qlik-group-sync. ${tail}`,
        actual: 0,
        allowed: limits.minDirectoryGroupsPercent,
      });
    } else if (yielded * 100 < limits.minDirectoryGroupsPercent * owned && (removals > 0 || deletes > 0)) {
      violations.push({
        limit: 'minDirectoryGroupsPercent',
        message:
          `The directory yields ${count(yielded)} mapped groups, ${share}% of the ${count(owned)} groups owned by qlik-group-sync, ` +
          `below sync.limits.minDirectoryGroupsPercent (${limits.minDirectoryGroupsPercent}%), and the plan removes or deletes. ${tail}`,
        actual: share,
        allowed: limits.minDirectoryGroupsPercent,
      });
    }
  }

  // Qlik's group limit (never lifted by allowDeletes).
  const creates = plan.createGroups.length;
  const ceiling = TENANT_GROUP_LIMIT - limits.groupHeadroom;
  if (creates > 0 && stats.tenantGroups + creates > ceiling) {
    const after = stats.tenantGroups + creates;
    violations.push({
      limit: 'groupHeadroom',
      message:
        `The plan creates ${count(creates)} groups, bringing the tenant to ${count(after)} groups; Qlik Cloud allows ${count(TENANT_GROUP_LIMIT)} and ` +
        `sync.limits.groupHeadroom keeps ${count(limits.groupHeadroom)} free, so the ceiling is ${count(ceiling)} (${count(after - ceiling)} over). ` +
        'Narrow directory.groups.include, delete groups that are no longer used, or lower sync.limits.groupHeadroom; --allow-deletes does not lift it.',
      actual: after,
      allowed: ceiling,
    });
  }

  if (options.allowDeletes) return violations;

  if (deletes > limits.maxGroupDeletes) {
    violations.push({
      limit: 'maxGroupDeletes',
      message: `The plan deletes ${count(deletes)} groups; sync.limits.maxGroupDeletes allows ${count(limits.maxGroupDeletes)} (${count(deletes - limits.maxGroupDeletes)} over). ${allowHint('maxGroupDeletes')}`,
      actual: deletes,
      allowed: limits.maxGroupDeletes,
    });
  }
  if (owned > 0 && deletes * 100 > limits.maxGroupDeletesPercent * owned) {
    const share = percent(deletes, owned);
    violations.push({
      limit: 'maxGroupDeletesPercent',
      message:
        `The plan deletes ${count(deletes)} of ${count(owned)} owned groups (${share}%); sync.limits.maxGroupDeletesPercent allows ${limits.maxGroupDeletesPercent}% ` +
        `(${Math.round((share - limits.maxGroupDeletesPercent) * 10) / 10} points over). ${allowHint('maxGroupDeletesPercent')}`,
      actual: share,
      allowed: limits.maxGroupDeletesPercent,
    });
  }
  if (removals > limits.maxMembershipRemovals) {
    violations.push({
      limit: 'maxMembershipRemovals',
      message:
        `The plan removes ${count(removals)} memberships; sync.limits.maxMembershipRemovals allows ${count(limits.maxMembershipRemovals)} ` +
        `(${count(removals - limits.maxMembershipRemovals)} over). ${allowHint('maxMembershipRemovals')}`,
      actual: removals,
      allowed: limits.maxMembershipRemovals,
    });
  }
  const ownedMemberships = stats.ownedMemberships;
  if (ownedMemberships > 0 && removals * 100 > limits.maxMembershipRemovalsPercent * ownedMemberships) {
    const share = percent(removals, ownedMemberships);
    violations.push({
      limit: 'maxMembershipRemovalsPercent',
      message:
        `The plan removes ${count(removals)} of ${count(ownedMemberships)} memberships of owned groups (${share}%); ` +
        `sync.limits.maxMembershipRemovalsPercent allows ${limits.maxMembershipRemovalsPercent}% ` +
        `(${Math.round((share - limits.maxMembershipRemovalsPercent) * 10) / 10} points over). ${allowHint('maxMembershipRemovalsPercent')}`,
      actual: share,
      allowed: limits.maxMembershipRemovalsPercent,
    });
  }
  if (stats.groupRemovals === undefined) {
    if (removals > 0) {
      violations.push({
        limit: 'maxRemovalsPerGroupPercent',
        message: `The plan removes memberships but carries no per-group counts, so sync.limits.maxRemovalsPerGroupPercent cannot be checked; make the plan again with this version. ${allowHint('maxRemovalsPerGroupPercent')}`,
        actual: removals,
        allowed: 0,
      });
    }
  } else {
    const over = stats.groupRemovals.filter(
      (g) => !g.deleted && g.members >= limits.perGroupMinMembers && g.removals * 100 > limits.maxRemovalsPerGroupPercent * g.members,
    );
    if (over.length > 0) {
      const worst = Math.max(...over.map((g) => percent(g.removals, g.members)));
      const shown = over.map((g) => `${g.name} (${count(g.removals)} of ${count(g.members)}, ${percent(g.removals, g.members)}%)`);
      violations.push({
        limit: 'maxRemovalsPerGroupPercent',
        message:
          `The plan removes more than sync.limits.maxRemovalsPerGroupPercent (${limits.maxRemovalsPerGroupPercent}%) of the members of ${over.length === 1 ? 'a group' : `${count(over.length)} groups`} ` +
          `with at least ${count(limits.perGroupMinMembers)} members: ${listNames(shown, 5)}. ${allowHint('maxRemovalsPerGroupPercent')}`,
        actual: worst,
        allowed: limits.maxRemovalsPerGroupPercent,
      });
    }
  }
  return violations;
}
