// The plan: a plain, serialisable, sorted value describing every write a run would make.
// The planner produces it, safety checks it, the renderer shows it, the applier executes it.
import type { Warning } from '../directory/snapshot.ts';
import type { GroupRef } from '../tenant/snapshot.ts';

export const PLAN_VERSION = 1;

export interface PlanGroupCreate {
  /** Directory immutable id of the source group. */
  sourceId: string;
  sourceDn: string;
  name: string;
  /** Includes the ownership marker. */
  description: string;
  /** Role names. */
  roles: string[];
  /** Number of desired members (for the human plan). */
  memberCount: number;
}

export interface PlanGroupUpdate {
  groupId: string;
  sourceId: string;
  /** Current name in the tenant. */
  name: string;
  rename?: { from: string; to: string };
  description?: { from: string; to: string };
  roles?: { from: string[]; to: string[] };
}

export interface PlanGroupDelete {
  groupId: string;
  name: string;
  sourceId: string;
  /** Members the bridge removes first (their removals are in `memberships`). */
  memberCount: number;
}

export interface PlanUserCreate {
  subject: string;
  email?: string;
  name?: string;
  /** Directory immutable id of the source user. */
  sourceId: string;
}

export interface PlanMembershipPatch {
  /** Tenant user id; absent for a user created by this plan (resolved by subject at apply time). */
  userId?: string;
  subject: string;
  /** Groups to add, sorted by name. A ref without id is a group created by this plan. */
  add: GroupRef[];
  /** Groups to remove (ids of owned custom groups), sorted by name. */
  remove: { id: string; name: string }[];
}

export interface Plan {
  version: typeof PLAN_VERSION;
  /** Fingerprints of the two snapshots the plan was made from; `apply --plan` refuses if either changed. */
  basis: { directory: string; tenant: string };
  mode: 'sync' | 'create-only' | 'no-deletes';
  createGroups: PlanGroupCreate[];
  updateGroups: PlanGroupUpdate[];
  deleteGroups: PlanGroupDelete[];
  createUsers: PlanUserCreate[];
  memberships: PlanMembershipPatch[];
  warnings: Warning[];
  /** Counts the safety checks and the renderer use. */
  stats: PlanStats;
}

export interface PlanStats {
  /** Owned groups in the tenant before the plan. */
  ownedGroups: number;
  /** Memberships of owned groups in the tenant before the plan. */
  ownedMemberships: number;
  /** Desired groups after mapping. */
  desiredGroups: number;
  desiredMemberships: number;
  /** All groups (IdP + custom) in the tenant before the plan. */
  tenantGroups: number;
  membershipAdds: number;
  membershipRemovals: number;
  /** Write requests the plan needs: the minimum the API allows. */
  writeRequests: number;
  /** Directory groups the read found whose owned groups are left exactly as they are (out of scope, or skipped by a warning); each counted once. */
  heldGroups?: number;
  /** Every owned group the plan removes members from, with its current size (per-group safety limit); sorted by name. */
  groupRemovals?: PlanGroupRemovals[];
}

export interface PlanGroupRemovals {
  groupId: string;
  /** Current name in the tenant. */
  name: string;
  /** Members before the plan. */
  members: number;
  removals: number;
  /** True when the group is deleted by the plan (all its members are removed first). */
  deleted: boolean;
}

export function hasChanges(plan: Plan): boolean {
  return (
    plan.createGroups.length > 0 ||
    plan.updateGroups.length > 0 ||
    plan.deleteGroups.length > 0 ||
    plan.createUsers.length > 0 ||
    plan.memberships.length > 0
  );
}

/** The minimum number of write requests a plan needs: one per create/update/delete and one PATCH per user. */
export function writeRequestCount(plan: Pick<Plan, 'createGroups' | 'updateGroups' | 'deleteGroups' | 'createUsers' | 'memberships'>): number {
  return (
    plan.createGroups.length +
    plan.updateGroups.length +
    plan.deleteGroups.length +
    plan.createUsers.length +
    plan.memberships.length
  );
}
