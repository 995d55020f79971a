import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, checkSafety } from '../../src/reconcile/safety.ts';
import { PLAN_VERSION, type Plan, type PlanStats } from '../../src/reconcile/plan.ts';

function plan(stats: Partial<PlanStats>, counts: { deletes?: number; creates?: number } = {}): Plan {
  return {
    version: PLAN_VERSION,
    basis: { directory: 'd', tenant: 't' },
    mode: 'sync',
    createGroups: Array.from({ length: counts.creates ?? 0 }, (_, i) => ({ sourceId: `s${i}`, sourceDn: 'cn=x', name: `CG-N${i}`, description: '', roles: [], memberCount: 0 })),
    updateGroups: [],
    deleteGroups: Array.from({ length: counts.deletes ?? 0 }, (_, i) => ({ groupId: `g${i}`, name: `CG-D${i}`, sourceId: `x${i}`, memberCount: 0 })),
    createUsers: [],
    memberships: [],
    warnings: [],
    stats: {
      ownedGroups: 100,
      ownedMemberships: 100_000,
      desiredGroups: 100,
      desiredMemberships: 100_000,
      tenantGroups: 200,
      membershipAdds: 0,
      membershipRemovals: 0,
      writeRequests: 0,
      heldGroups: 0,
      groupRemovals: [],
      ...stats,
    },
  };
}

const limits = { ...DEFAULT_LIMITS };
const HINT = /--allow-deletes.*apply --plan/;

describe('checkSafety', () => {
  it('passes a plan within every limit', () => {
    expect(checkSafety(plan({ membershipRemovals: 10 }, { deletes: 1, creates: 3 }), limits, { allowDeletes: false })).toEqual([]);
  });

  it('exports the documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxGroupDeletes: 5,
      maxGroupDeletesPercent: 20,
      maxMembershipRemovals: 1000,
      maxMembershipRemovalsPercent: 10,
      maxRemovalsPerGroupPercent: 50,
      perGroupMinMembers: 10,
      minDirectoryGroupsPercent: 50,
      groupHeadroom: 100,
    });
  });

  it('maxGroupDeletes: names the limit, the excess and how to allow it', () => {
    const [v, ...rest] = checkSafety(plan({}, { deletes: 7 }), limits, { allowDeletes: false });
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ limit: 'maxGroupDeletes', actual: 7, allowed: 5 });
    expect(v!.message).toContain('deletes 7 groups; sync.limits.maxGroupDeletes allows 5 (2 over)');
    expect(v!.message).toMatch(HINT);
    expect(v!.message).toContain('raise sync.limits.maxGroupDeletes');
  });

  it('maxGroupDeletesPercent: a share of the owned groups', () => {
    const violations = checkSafety(plan({ ownedGroups: 10, desiredGroups: 10 }, { deletes: 3 }), limits, { allowDeletes: false });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ limit: 'maxGroupDeletesPercent', actual: 30, allowed: 20 });
    expect(violations[0]!.message).toContain('deletes 3 of 10 owned groups (30%)');
    expect(violations[0]!.message).toContain('10 points over');
    expect(violations[0]!.message).toMatch(HINT);
  });

  it('maxMembershipRemovals: a count', () => {
    const violations = checkSafety(plan({ membershipRemovals: 1500 }), limits, { allowDeletes: false });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ limit: 'maxMembershipRemovals', actual: 1500, allowed: 1000 });
    expect(violations[0]!.message).toContain('removes 1,500 memberships; sync.limits.maxMembershipRemovals allows 1,000 (500 over)');
  });

  it('maxMembershipRemovalsPercent: a share of the owned memberships', () => {
    const violations = checkSafety(plan({ ownedMemberships: 2000, membershipRemovals: 300 }), limits, { allowDeletes: false });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ limit: 'maxMembershipRemovalsPercent', actual: 15, allowed: 10 });
    expect(violations[0]!.message).toContain('removes 300 of 2,000 memberships of owned groups (15%)');
  });

  it('maxRemovalsPerGroupPercent: large groups only, deleted groups left to the deletion limits', () => {
    const groupRemovals = [
      { groupId: 'a', name: 'CG-Big', members: 40, removals: 30, deleted: false },
      { groupId: 'b', name: 'CG-Small', members: 4, removals: 4, deleted: false },
      { groupId: 'c', name: 'CG-Gone', members: 50, removals: 50, deleted: true },
      { groupId: 'd', name: 'CG-Fine', members: 40, removals: 20, deleted: false },
    ];
    const violations = checkSafety(plan({ membershipRemovals: 104, groupRemovals }, { deletes: 1 }), limits, { allowDeletes: false });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ limit: 'maxRemovalsPerGroupPercent', actual: 75, allowed: 50 });
    expect(violations[0]!.message).toContain('CG-Big (30 of 40, 75%)');
    expect(violations[0]!.message).not.toContain('CG-Small');
    expect(violations[0]!.message).not.toContain('CG-Gone');
    expect(violations[0]!.message).toMatch(HINT);
  });

  it('a plan without per-group counts is not waved through', () => {
    const p = plan({ membershipRemovals: 3 });
    delete p.stats.groupRemovals;
    expect(checkSafety(p, limits, { allowDeletes: false }).map((v) => v.limit)).toEqual(['maxRemovalsPerGroupPercent']);
  });

  it('allowDeletes lifts the deletion and removal limits', () => {
    const groupRemovals = [{ groupId: 'a', name: 'CG-Big', members: 40, removals: 40, deleted: false }];
    const p = plan({ ownedGroups: 10, desiredGroups: 10, membershipRemovals: 5000, ownedMemberships: 6000, groupRemovals }, { deletes: 9 });
    expect(checkSafety(p, limits, { allowDeletes: false }).map((v) => v.limit)).toEqual([
      'maxGroupDeletes',
      'maxGroupDeletesPercent',
      'maxMembershipRemovals',
      'maxMembershipRemovalsPercent',
      'maxRemovalsPerGroupPercent',
    ]);
    expect(checkSafety(p, limits, { allowDeletes: true })).toEqual([]);
  });

  it('empty directory: blocked even with no changes, and allowDeletes does not lift it', () => {
    for (const allowDeletes of [false, true]) {
      const violations = checkSafety(plan({ desiredGroups: 0, ownedGroups: 25 }), limits, { allowDeletes });
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatchObject({ limit: 'minDirectoryGroupsPercent', actual: 0, allowed: 50 });
      expect(violations[0]!.message).toContain('yields no mapped groups, but the tenant has 25 groups owned by qlik-group-sync');
      expect(violations[0]!.message).toContain('lower sync.limits.minDirectoryGroupsPercent');
      expect(violations[0]!.message).toContain('--allow-deletes and saved plans do not lift it');
    }
  });

  it('near-empty directory: blocked when the plan removes or deletes', () => {
    const thin = { desiredGroups: 10, heldGroups: 5, ownedGroups: 40 };
    expect(checkSafety(plan(thin), limits, { allowDeletes: true })).toEqual([]);
    const violations = checkSafety(plan({ ...thin, membershipRemovals: 1 }), limits, { allowDeletes: true });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ limit: 'minDirectoryGroupsPercent', actual: 37.5, allowed: 50 });
    expect(violations[0]!.message).toContain('yields 15 mapped groups, 37.5% of the 40 groups owned');
  });

  it('the empty-directory guard is off at 0%', () => {
    expect(checkSafety(plan({ desiredGroups: 0, ownedGroups: 25 }), { ...limits, minDirectoryGroupsPercent: 0 }, { allowDeletes: false })).toEqual([]);
  });

  it('first runs (nothing owned) are not blocked by any percentage', () => {
    const first = plan({ ownedGroups: 0, ownedMemberships: 0, desiredGroups: 3, tenantGroups: 0 }, { creates: 3 });
    expect(checkSafety(first, limits, { allowDeletes: false })).toEqual([]);
  });

  it("Qlik's group limit minus the headroom, not lifted by allowDeletes", () => {
    const violations = checkSafety(plan({ tenantGroups: 9_890 }, { creates: 20 }), limits, { allowDeletes: true });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ limit: 'groupHeadroom', actual: 9_910, allowed: 9_900 });
    expect(violations[0]!.message).toContain('bringing the tenant to 9,910 groups');
    expect(violations[0]!.message).toContain('(10 over)');
    expect(violations[0]!.message).toContain('sync.limits.groupHeadroom');
    // Already over, but creating nothing: nothing to block.
    expect(checkSafety(plan({ tenantGroups: 9_990 }), limits, { allowDeletes: false })).toEqual([]);
  });
});
