// The reconcile engine's public surface: pure functions from snapshots to a checked plan.
export { PLAN_VERSION, hasChanges, writeRequestCount } from './plan.ts';
export type {
  Plan,
  PlanGroupCreate,
  PlanGroupDelete,
  PlanGroupRemovals,
  PlanGroupUpdate,
  PlanMembershipPatch,
  PlanStats,
  PlanUserCreate,
} from './plan.ts';
export { DESCRIPTION_MAX_LENGTH, isOwned, ownedDescription, ownerSourceId } from './ownership.ts';
export { flattenMembers } from './flatten.ts';
export type { FlatMembership, FlattenOptions } from './flatten.ts';
export { matchUsers } from './match-users.ts';
export type { MatchOptions, UserMatch, UserTarget } from './match-users.ts';
export { GROUP_NAME_MAX_LENGTH, GROUP_ROLES_MAX, desiredState } from './desired.ts';
export type { DesiredGroup, DesiredOptions, DesiredState } from './desired.ts';
export { computePlan } from './planner.ts';
export type { PlanOptions } from './planner.ts';
export { policyFor } from './policy.ts';
export type { Policy } from './policy.ts';
export { DEFAULT_LIMITS, TENANT_GROUP_LIMIT, checkSafety } from './safety.ts';
export type { SafetyOptions } from './safety.ts';
export { fingerprint } from './fingerprint.ts';
export { buildPlan } from './build-plan.ts';
export type { BuildPlanOptions, DesiredTransform } from './build-plan.ts';
export { compilePattern, compilePatterns } from './patterns.ts';
export type { NameMatcher } from './patterns.ts';
export { renderTemplate, foldAttributes } from './template.ts';
export type { TemplateResult } from './template.ts';
export { adoptIdpRoles, findAdoptions, rolesConfigSnippet } from './migrate.ts';
export type { Adoption } from './migrate.ts';
