// A plan with nothing in it but the parts a test gives, for the applier's tests.
import { PLAN_VERSION, type Plan } from '../../src/reconcile/plan.ts';

export function plan(parts: Partial<Plan>): Plan {
  return {
    version: PLAN_VERSION,
    basis: { directory: 'd', tenant: 't' },
    mode: 'sync',
    createGroups: [],
    updateGroups: [],
    deleteGroups: [],
    createUsers: [],
    memberships: [],
    warnings: [],
    stats: {
      ownedGroups: 0,
      ownedMemberships: 0,
      desiredGroups: 0,
      desiredMemberships: 0,
      tenantGroups: 0,
      membershipAdds: 0,
      membershipRemovals: 0,
      writeRequests: 0,
    },
    ...parts,
  };
}
