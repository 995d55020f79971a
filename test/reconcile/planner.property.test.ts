// The planner's contract, checked on random worlds: directories with random nesting (cycles and
// self-nesting included), disabled users, look-alike subjects, long names and name collisions;
// tenants with IdP groups, foreign `CG-` groups, owned groups (some orphaned, some sharing a
// marker), users with IdP memberships, deleted users. Each plan is applied to an in-memory tenant
// that rejects anything the API would (duplicate adds, IdP ops, name conflicts, deleting a group
// with members), with group updates in a random order because the applier runs them concurrently.
//
// Properties:
//   1. the API accepts every operation of every plan;
//   2. nothing outside the owned groups changes: foreign groups and every membership in them;
//   3. the plans converge: the second plan is empty unless the first deferred something to a later
//      run, and within a few runs it is empty anyway;
//   4. at that point owned state equals desired state (names, roles, descriptions, members),
//      except where a warning says why not (a name held by a group the bridge may not touch, a
//      duplicated marker, an ambiguous user), and groups held this run are exactly as they were.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SyncMode } from '../../src/config/types.ts';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/directory/snapshot.ts';
import { desiredState } from '../../src/reconcile/desired.ts';
import { isOwned, ownedDescription, ownerSourceId } from '../../src/reconcile/ownership.ts';
import { hasChanges, type Plan } from '../../src/reconcile/plan.ts';
import { buildPlan } from '../../src/reconcile/build-plan.ts';
import type { TenantGroup, TenantSnapshot, TenantUser } from '../../src/tenant/snapshot.ts';
import { config, ROLE_NAMES, type ConfigOverrides } from './fixtures.ts';
import { InMemoryTenant } from './in-memory-tenant.ts';

const SUBJECTS = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];
const COMMON_NAMES = ['Sales', 'Ops', 'Dev', 'Admins'];
const GROUP_NAMES = [...COMMON_NAMES, 'sales', 'Temp-1', 'L'.repeat(255)];
/** Mostly a few common names (so renames, swaps and collisions happen), sometimes an odd one. */
const groupName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...COMMON_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...GROUP_NAMES) });
const caseOf = (text: string, upper: boolean): string => (upper ? text.toUpperCase() : text);

interface World {
  directory: DirectorySnapshot;
  tenant: TenantSnapshot;
  options: ConfigOverrides;
  updateKeys: number[];
}

const userArb = fc.record({
  subject: fc.constantFrom(...SUBJECTS),
  upper: fc.constantFrom(false, false, false, true),
  enabled: fc.constantFrom(true, true, true, false),
  missing: fc.constantFrom(false, false, false, false, false, true),
});

const groupArb = fc.record({
  name: groupName,
  outsideBase: fc.constantFrom(false, false, false, true),
  userMembers: fc.array(fc.nat(8), { maxLength: 5 }),
  groupMembers: fc.array(fc.nat(8), { maxLength: 2 }),
});

const tenantUserArb = fc.record({
  subject: fc.constantFrom(...SUBJECTS, 'zed', 'yan'),
  upper: fc.constantFrom(false, false, false, true),
  status: fc.constantFrom<TenantUser['status']>('active', 'active', 'active', 'invited', 'disabled', 'deleted'),
  groups: fc.array(fc.nat(12), { maxLength: 5 }),
});

const world: fc.Arbitrary<World> = fc
  .record({
    // Mostly distinct subjects and group names; sometimes one duplicate (ambiguity, name collisions).
    users: fc
      .tuple(fc.uniqueArray(userArb, { selector: (u) => u.subject, maxLength: 6 }), fc.option(userArb, { freq: 4 }))
      .map(([list, extra]) => (extra ? [...list, extra] : list)),
    groups: fc
      .tuple(fc.uniqueArray(groupArb, { selector: (g) => g.name, maxLength: 6 }), fc.option(groupArb, { freq: 4 }))
      .map(([list, extra]) => (extra ? [...list, extra] : list)),
    idpGroups: fc.uniqueArray(fc.constantFrom('CG-Sales', 'Okta-All', 'CG-Ops', 'Admins'), { maxLength: 3 }),
    foreignGroups: fc.uniqueArray(fc.constantFrom('CG-Dev', 'CG-Manual', 'Finance', 'CG-Admins'), { maxLength: 2 }),
    ownedGroups: fc.array(
      fc.record({
        name: groupName,
        source: fc.oneof({ weight: 4, arbitrary: fc.nat(5).map((i) => `d${i}`) }, { weight: 1, arbitrary: fc.nat(2).map((i) => `gone-${i}`) }),
        roles: fc.subarray(ROLE_NAMES, { maxLength: 2 }),
      }),
      { maxLength: 5 },
    ),
    tenantUsers: fc
      .tuple(fc.uniqueArray(tenantUserArb, { selector: (u) => u.subject, maxLength: 8 }), fc.option(tenantUserArb, { freq: 4 }))
      .map(([list, extra]) => (extra ? [...list, extra] : list)),
    mode: fc.constantFrom<SyncMode>('sync', 'sync', 'no-deletes', 'create-only'),
    deleteGroups: fc.boolean(),
    createUsers: fc.boolean(),
    nestedGroups: fc.boolean(),
    disabledUsers: fc.constantFrom<'exclude' | 'include'>('exclude', 'include'),
    roleRules: fc.array(
      fc.record({
        group: fc.constantFrom('*', 'Sales', '/^o/i', 'Dev*', 'Admins'),
        roles: fc.oneof({ weight: 6, arbitrary: fc.subarray(ROLE_NAMES, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.constant<string[]>(['developer']) }),
      }),
      { maxLength: 3 },
    ),
    exclude: fc.subarray(['Temp-*', '/^adm/i']),
    updateKeys: fc.array(fc.integer(), { minLength: 16, maxLength: 16 }),
  })
  .map((w) => {
    const users: DirectoryUser[] = w.users.map((u, i) => ({
      id: `du${i}`,
      dn: `uid=u${i},ou=people,dc=x`,
      key: `uid=u${i},ou=people,dc=x`,
      attributes: u.missing ? ({} as Record<string, string>) : { userPrincipalName: caseOf(`${u.subject}@x.com`, u.upper), mail: `u${i}@dir.x.com`, displayName: `U ${i}` },
      enabled: u.enabled,
    }));
    const groupKeys = w.groups.map((_, i) => `cn=g${i},ou=groups,dc=x`);
    const groups: DirectoryGroup[] = w.groups.map((g, i) => ({
      id: `d${i}`,
      dn: `cn=g${i},ou=groups,dc=x`,
      key: groupKeys[i]!,
      name: g.name,
      members: [
        ...new Set([
          ...g.userMembers.filter((m) => m < users.length).map((m) => users[m]!.key),
          ...g.groupMembers.filter((m) => m < groupKeys.length).map((m) => groupKeys[m]!),
        ]),
      ].sort(),
      ...(g.outsideBase ? { outsideBase: true } : {}),
    }));
    const directory: DirectorySnapshot = { kind: 'openldap', source: 'ldap://x', groups, users, warnings: [] };

    let seq = 0;
    const id = (): string => (++seq).toString(16).padStart(24, '0');
    const roles = ROLE_NAMES.map((name) => ({ id: id(), name, type: 'default' as const, level: 'user' as const }));
    const tenantGroups: TenantGroup[] = [];
    const customNames = new Set<string>();
    for (const name of w.idpGroups) tenantGroups.push({ id: id(), name, providerType: 'idp', status: 'active', assignedRoles: [] });
    for (const name of w.foreignGroups) {
      customNames.add(name);
      tenantGroups.push({ id: id(), name, providerType: 'custom', status: 'active', description: 'made by hand', assignedRoles: [] });
    }
    for (const g of w.ownedGroups) {
      const name = `CG-${g.name}`.slice(0, 256);
      if (customNames.has(name)) continue; // the API keeps custom names unique
      customNames.add(name);
      tenantGroups.push({
        id: id(),
        name,
        providerType: 'custom',
        status: 'active',
        description: ownedDescription(`cn=old,dc=x`, g.source),
        assignedRoles: g.roles.map((r) => ({ id: roles.find((x) => x.name === r)!.id, name: r })),
      });
    }
    const subjects = new Set<string>();
    const tenantUsers: TenantUser[] = [];
    w.tenantUsers.forEach((u, i) => {
      const subject = caseOf(`${u.subject}@x.com`, u.upper);
      if (subjects.has(subject)) return;
      subjects.add(subject);
      const assigned = [...new Set(u.groups.filter((g) => g < tenantGroups.length))].map((g) => tenantGroups[g]!);
      tenantUsers.push({
        id: id(),
        subject,
        email: `t${i}@tenant.x.com`,
        status: u.status,
        assignedGroups: assigned.map((g) => ({ id: g.id, name: g.name, providerType: g.providerType })),
      });
    });
    const tenant: TenantSnapshot = { tenantUrl: 'https://t.example', groups: tenantGroups, roles, users: tenantUsers };
    const options: ConfigOverrides = {
      mode: w.mode,
      deleteGroups: w.deleteGroups,
      nestedGroups: w.nestedGroups,
      disabledUsers: w.disabledUsers,
      exclude: w.exclude,
      mapping: { createUsers: w.createUsers, roles: w.roleRules },
    };
    return { directory, tenant, options, updateKeys: w.updateKeys };
  });

const DEFERRALS = new Set(['RENAME_DEFERRED', 'CREATE_DEFERRED', 'RENAME_VIA_TEMPORARY_NAME']);

function planFor(w: World, tenant: TenantSnapshot): Plan {
  return buildPlan(w.directory, tenant, config(w.options));
}

/** Everything about a tenant that the bridge must never change. */
function foreignState(tenant: TenantSnapshot, prefix: string): unknown {
  const foreign = new Set(tenant.groups.filter((g) => !isOwned(g, prefix)).map((g) => g.id));
  return {
    groups: tenant.groups.filter((g) => foreign.has(g.id)).sort((a, b) => (a.id < b.id ? -1 : 1)),
    // Users the bridge created have no foreign memberships, so they do not show up here.
    memberships: tenant.users
      .map((u) => [u.id, u.assignedGroups.filter((a) => foreign.has(a.id)).map((a) => a.id).sort()] as const)
      .filter(([, ids]) => ids.length > 0)
      .sort(),
  };
}

function membersOf(tenant: TenantSnapshot, groupId: string): string[] {
  return tenant.users.filter((u) => u.status !== 'deleted' && u.assignedGroups.some((a) => a.id === groupId)).map((u) => u.id).sort();
}

describe('computePlan on random worlds', () => {
  it('applies cleanly, touches nothing it does not own, converges, and reaches the desired state', () => {
    fc.assert(
      fc.property(world, (w) => {
        const prefix = 'CG-';
        const before = w.tenant;
        const order = (n: number): number[] =>
          Array.from({ length: n }, (_, i) => i).sort((a, b) => w.updateKeys[a % 16]! - w.updateKeys[b % 16]! || a - b);

        // Plan, apply, repeat until a plan has no changes.
        let tenant = before;
        let plan = planFor(w, tenant);
        const first = plan;
        let rounds = 0;
        while (hasChanges(plan)) {
          expect(rounds, 'plans keep changing').toBeLessThan(8);
          const memory = new InMemoryTenant(tenant);
          memory.apply(plan, { updateOrder: order }); // 1. throws on anything the API would reject
          tenant = memory.snapshot();
          rounds += 1;
          if (rounds === 1 && !first.warnings.some((x) => DEFERRALS.has(x.code))) {
            plan = planFor(w, tenant);
            expect(hasChanges(plan), 'second plan has changes though the first deferred nothing').toBe(false);
            continue;
          }
          plan = planFor(w, tenant);
        }

        // 2. Foreign state unchanged; every group the bridge created is owned.
        expect(foreignState(tenant, prefix)).toEqual(foreignState(before, prefix));
        const beforeIds = new Set(before.groups.map((g) => g.id));
        for (const g of tenant.groups) if (!beforeIds.has(g.id)) expect(isOwned(g, prefix)).toBe(true);

        // 4. Owned state is the desired state.
        const desired = desiredState(w.directory, tenant, config(w.options).mapping, {
          include: [],
          exclude: w.options.exclude ?? [],
          nestedGroups: w.options.nestedGroups ?? true,
          disabledUsers: w.options.disabledUsers ?? 'exclude',
        });
        const owned = tenant.groups.filter((g) => isOwned(g, prefix));
        const bySource = new Map<string, TenantGroup[]>();
        for (const g of owned) bySource.set(ownerSourceId(g)!, [...(bySource.get(ownerSourceId(g)!) ?? []), g]);
        const customNames = new Set(tenant.groups.filter((g) => g.providerType === 'custom').map((g) => g.name));
        const heldUsers = new Set(desired.heldUserIds);
        const mode = w.options.mode ?? 'sync';
        for (const d of desired.groups) {
          const list = bySource.get(d.sourceId) ?? [];
          if (list.length > 1) continue; // DUPLICATE_MARKER: left alone
          if (list.length === 0) {
            // Only a name held by a group the bridge may not touch keeps it from being created.
            expect(customNames.has(d.name), `${d.name} was not created`).toBe(true);
            continue;
          }
          const g = list[0]!;
          const members = membersOf(tenant, g.id).filter((id) => !heldUsers.has(id));
          expect(d.newMemberSubjects).toEqual([]);
          if (mode === 'create-only') {
            expect(members).toEqual(expect.arrayContaining(d.memberUserIds));
            continue;
          }
          expect(members).toEqual(d.memberUserIds);
          expect(g.assignedRoles.map((r) => r.name).sort()).toEqual(d.roles);
          expect(g.description).toBe(d.description);
          if (g.name !== d.name) expect(customNames.has(d.name), `${g.name} was not renamed to ${d.name}`).toBe(true);
        }

        // Held users (ambiguous matches) are in the same owned groups as before, less deleted ones.
        const heldBefore = desiredState(w.directory, before, config(w.options).mapping, {
          include: [],
          exclude: w.options.exclude ?? [],
          nestedGroups: w.options.nestedGroups ?? true,
          disabledUsers: w.options.disabledUsers ?? 'exclude',
        }).heldUserIds;
        const ownedBefore = new Set(before.groups.filter((g) => isOwned(g, prefix)).map((g) => g.id));
        const stillThere = new Set(tenant.groups.map((g) => g.id));
        for (const id of heldBefore) {
          const was = before.users.find((u) => u.id === id)!.assignedGroups.filter((a) => ownedBefore.has(a.id) && stillThere.has(a.id));
          const now = tenant.users.find((u) => u.id === id)!.assignedGroups.filter((a) => ownedBefore.has(a.id) || !beforeIds.has(a.id));
          expect(now.map((a) => a.id).sort(), `held user ${id}`).toEqual(was.map((a) => a.id).sort());
        }

        // Owned groups held this run, and orphans the policy keeps, are exactly as they were.
        const desiredSources = new Set(desired.groups.map((d) => d.sourceId));
        const held = new Set(desired.heldSourceIds);
        for (const g of before.groups.filter((x) => isOwned(x, prefix))) {
          const source = ownerSourceId(g)!;
          const after = tenant.groups.find((x) => x.id === g.id);
          const keep = held.has(source) || (bySource.get(source)?.length ?? 0) > 1 || !(mode === 'sync' && w.options.deleteGroups);
          if (desiredSources.has(source) && !held.has(source) && (bySource.get(source)?.length ?? 0) <= 1) continue;
          if (keep) {
            expect(after, `${g.name} disappeared`).toEqual(g);
            expect(membersOf(tenant, g.id)).toEqual(membersOf(before, g.id));
          } else {
            expect(after, `${g.name} should have been deleted`).toBeUndefined();
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('renames any permutation of names (chains, swaps, cycles) without a conflict, and converges', () => {
    const names = ['A', 'B', 'C', 'D', 'E'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) =>
          fc.tuple(fc.shuffledSubarray(names, { minLength: n, maxLength: n }), fc.shuffledSubarray(names, { minLength: n, maxLength: n })),
        ),
        fc.array(fc.integer(), { minLength: 16, maxLength: 16 }),
        ([was, now], keys) => {
          const groups: DirectoryGroup[] = now.map((name, i) => ({ id: `d${i}`, dn: `cn=${name},dc=x`, key: `cn=${name.toLowerCase()},dc=x`, name, members: [] }));
          const directory: DirectorySnapshot = { kind: 'openldap', source: 'x', groups, users: [], warnings: [] };
          const tenantGroups: TenantGroup[] = was.map((name, i) => ({
            id: `${i}`.padStart(24, '0'),
            name: `CG-${name}`,
            providerType: 'custom',
            status: 'active',
            description: ownedDescription(`cn=${now[i]},dc=x`, `d${i}`),
            assignedRoles: [],
          }));
          let tenant: TenantSnapshot = { tenantUrl: 'https://t', groups: tenantGroups, roles: [], users: [] };
          const order = (n: number): number[] => Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a % 16]! - keys[b % 16]! || a - b);
          for (let round = 0; ; round++) {
            const p = buildPlan(directory, tenant, config());
            if (!hasChanges(p)) break;
            expect(round, 'renames keep going').toBeLessThan(2 * names.length);
            const memory = new InMemoryTenant(tenant);
            memory.apply(p, { updateOrder: order });
            tenant = memory.snapshot();
          }
          // Same ids (space assignments kept), directory names.
          const byId = new Map(tenant.groups.map((g) => [g.id, g.name]));
          was.forEach((_, i) => expect(byId.get(`${i}`.padStart(24, '0'))).toBe(`CG-${now[i]}`));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives byte-identical plans for identical inputs', () => {
    fc.assert(
      fc.property(world, (w) => {
        const a = JSON.stringify(planFor(w, w.tenant));
        const b = JSON.stringify(planFor(structuredClone(w), structuredClone(w.tenant)));
        expect(a).toBe(b);
      }),
      { numRuns: 100 },
    );
  });
});
