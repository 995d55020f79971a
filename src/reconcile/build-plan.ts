// Desired state and plan in one call, from the configuration: what the runner needs between
// reading both sides and checking safety. Pure, like the two steps it joins.
import type { Config } from '../config/types.ts';
import type { DirectorySnapshot } from '../directory/snapshot.ts';
import type { TenantSnapshot } from '../tenant/snapshot.ts';
import { desiredState, type DesiredState } from './desired.ts';
import type { Plan } from './plan.ts';
import { computePlan } from './planner.ts';

/**
 * Changes the desired state before planning; pure too. `migrate` uses it to give adopted groups
 * the roles of the IdP groups they replace. It must keep the desired state's invariants (names
 * unique and prefixed, roles known to the tenant, lists sorted).
 */
export type DesiredTransform = (desired: DesiredState, tenant: TenantSnapshot) => DesiredState;

export interface BuildPlanOptions {
  transformDesired?: DesiredTransform;
}

export function buildPlan(
  directory: DirectorySnapshot,
  tenant: TenantSnapshot,
  config: Pick<Config, 'directory' | 'mapping' | 'sync'>,
  options: BuildPlanOptions = {},
): Plan {
  let desired = desiredState(directory, tenant, config.mapping, {
    include: config.directory.groups.include,
    exclude: config.directory.groups.exclude,
    nestedGroups: config.directory.nestedGroups,
    disabledUsers: config.directory.disabledUsers,
  });
  if (options.transformDesired) desired = options.transformDesired(desired, tenant);
  return computePlan(desired, tenant, { mode: config.sync.mode, deleteGroups: config.sync.deleteGroups });
}
