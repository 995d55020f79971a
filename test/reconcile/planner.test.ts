// Planner cases as a table of named fixtures (external-dns's plan_test.go, ssosync's diff tests):
// each gives a directory, a tenant and options, the plan expected as one line per change, and how
// many applied rounds it takes until a plan has no changes (the "second round" case, with the plan
// applied to an in-memory tenant that enforces the API's rules).
import { describe, expect, it } from 'vitest';
import type { DirectorySnapshot } from '../../src/directory/snapshot.ts';
import { hasChanges } from '../../src/reconcile/plan.ts';
import { DEFAULT_LIMITS, checkSafety } from '../../src/reconcile/safety.ts';
import type { TenantSnapshot } from '../../src/tenant/snapshot.ts';
import {
  applied,
  directory,
  dirGroup,
  dirUser,
  groupDn,
  groupKey,
  plan,
  sourceIdOf,
  summary,
  TenantBuilder,
  type ConfigOverrides,
} from './fixtures.ts';

interface Case {
  name: string;
  build: () => { dir: DirectorySnapshot; tenant: TenantSnapshot; options?: ConfigOverrides };
  expected: string[];
  /** Applied rounds until the plan is empty (default 1: the second plan is empty). */
  rounds?: number;
}

const alice = dirUser('alice');
const bob = dirUser('bob');
const carol = dirUser('carol');
const dave = dirUser('dave');
const people = [alice, bob, carol, dave];

/** A tenant with the four people as users, and a way to add groups before them. */
function tenantWith(setup: (t: TenantBuilder) => Record<string, import('../../src/tenant/snapshot.ts').TenantGroup[]> = () => ({})): TenantSnapshot {
  const t = new TenantBuilder();
  const memberships = setup(t);
  for (const p of people) t.user(`${p.attributes['userPrincipalName']}`, memberships[p.attributes['userPrincipalName']!.split('@')[0]!] ?? []);
  return t.snapshot();
}

const cases: Case[] = [
  {
    name: 'first sync: groups created, members added by group name',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice, bob]), dirGroup('Ops', [carol])], people),
      tenant: tenantWith(),
      options: { mapping: { roles: [{ group: 'Sales', roles: ['Developer'] }] } },
    }),
    expected: [
      '+group CG-Ops roles=[] members=1',
      '+group CG-Sales roles=[Developer] members=2',
      'patch alice@example.com +CG-Sales*',
      'patch bob@example.com +CG-Sales*',
      'patch carol@example.com +CG-Ops*',
    ],
  },
  {
    name: 'in step: nothing to do, role order does not matter',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice, bob])], people),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales', { roles: ['SharedSpaceCreator', 'Developer'] });
        return { alice: [sales], bob: [sales] };
      }),
      options: { mapping: { roles: [{ group: 'Sales', roles: ['Developer'] }, { group: 'S*', roles: ['SharedSpaceCreator', 'Developer'] }] } },
    }),
    expected: [],
  },
  {
    name: 'rename: same source id, new directory name; the group keeps its id',
    build: () => ({
      dir: directory([dirGroup('Sales-EU', [alice], { id: sourceIdOf('Sales') })], people),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales');
        return { alice: [sales] };
      }),
    }),
    expected: ['~group CG-Sales rename=CG-Sales-EU description'],
  },
  {
    name: 'role change: the role set is replaced as a whole',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice])], people),
      tenant: tenantWith((t) => ({ alice: [t.owned('CG-Sales', { roles: ['Developer'] })] })),
      options: { mapping: { roles: [{ group: 'Sales', roles: ['SharedSpaceCreator'] }, { group: '/^sal/i', roles: ['Developer'] }] } },
    }),
    expected: ['~group CG-Sales roles=[Developer]->[Developer,SharedSpaceCreator]'],
  },
  {
    name: 'member moved between groups: one patch with the add and the remove',
    build: () => ({
      dir: directory([dirGroup('Sales', [bob]), dirGroup('Ops', [alice])], people),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales');
        const ops = t.owned('CG-Ops');
        return { alice: [sales], bob: [sales, ops] };
      }),
    }),
    expected: ['patch alice@example.com +CG-Ops -CG-Sales', 'patch bob@example.com -CG-Ops'],
  },
  {
    name: 'user disabled in the directory: removed from the group',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice, bob])], [dirUser('alice', { enabled: false }), bob, carol, dave]),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales');
        return { alice: [sales], bob: [sales] };
      }),
    }),
    expected: ['patch alice@example.com -CG-Sales'],
  },
  {
    name: 'user disabled, disabledUsers include: still a member',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice, bob])], [dirUser('alice', { enabled: false }), bob, carol, dave]),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales');
        return { alice: [sales], bob: [sales] };
      }),
      options: { disabledUsers: 'include' },
    }),
    expected: [],
  },
  {
    name: 'group gone from the directory, deletions off: left alone with its members',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice])], people),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales');
        const old = t.owned('CG-Old');
        return { alice: [sales, old], bob: [old] };
      }),
    }),
    expected: ['!ORPHANED_GROUP CG-Old'],
  },
  {
    name: 'group gone from the directory, deleteGroups on: every member removed (also those not in the directory), then deleted',
    build: () => {
      const t = new TenantBuilder();
      const sales = t.owned('CG-Sales');
      const old = t.owned('CG-Old');
      t.user('alice@example.com', [sales, old]);
      t.user('zed@elsewhere.com', [old]);
      return { dir: directory([dirGroup('Sales', [alice])], people), tenant: t.snapshot(), options: { deleteGroups: true } };
    },
    expected: ['-group CG-Old members=2', 'patch alice@example.com -CG-Old', 'patch zed@elsewhere.com -CG-Old'],
  },
  {
    name: 'IdP memberships untouched, also when the IdP group has the same name',
    build: () => {
      const t = new TenantBuilder();
      const idpSales = t.idp('CG-Sales');
      const idpAll = t.idp('Everyone-in-Okta');
      t.user('alice@example.com', [idpSales, idpAll]);
      t.user('bob@example.com', [idpAll]);
      return { dir: directory([dirGroup('Sales', [alice])], people), tenant: t.snapshot() };
    },
    expected: ['+group CG-Sales roles=[] members=1', 'patch alice@example.com +CG-Sales*'],
  },
  {
    name: 'a CG- custom group without the marker is never touched, and its name is not taken over',
    build: () => {
      const t = new TenantBuilder();
      const manual = t.group('CG-Manual', { description: 'made by hand' });
      const marked = t.group('Finance', { description: 'copied [qgs:id=guid-finance]' });
      t.user('alice@example.com', [manual, marked]);
      t.user('bob@example.com', [manual]);
      return { dir: directory([dirGroup('Manual', [bob]), dirGroup('Finance', [alice])], people), tenant: t.snapshot() };
    },
    expected: [
      '+group CG-Finance roles=[] members=1',
      'patch alice@example.com +CG-Finance*',
      `!NAME_TAKEN ${groupDn('Manual')}`,
      '!UNOWNED_MARKER Finance',
    ],
  },
  {
    name: 'name too long: that group skipped and its owned group left alone, the rest goes on',
    build: () => {
      const long = 'L'.repeat(254);
      return {
        dir: directory([dirGroup(long, [alice], { id: sourceIdOf('Long') }), dirGroup('Sales', [bob])], people),
        tenant: tenantWith((t) => ({ carol: [t.owned('CG-Long')] })),
      };
    },
    expected: ['+group CG-Sales roles=[] members=1', 'patch bob@example.com +CG-Sales*', `!NAME_TOO_LONG ${groupDn('L'.repeat(254))}`],
  },
  {
    name: 'two directory groups map to one name: both skipped',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice], { ou: 'EU', id: 'guid-eu' }), dirGroup('Sales', [bob], { ou: 'US', id: 'guid-us' }), dirGroup('Ops', [carol])], people),
      tenant: tenantWith(),
    }),
    expected: [
      '+group CG-Ops roles=[] members=1',
      'patch carol@example.com +CG-Ops*',
      `!NAME_COLLISION ${groupDn('Sales', 'EU')}`,
      `!NAME_COLLISION ${groupDn('Sales', 'US')}`,
    ],
  },
  {
    name: 'two directory groups map to one name: the one holding it keeps it',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice, bob], { ou: 'EU', id: 'guid-eu' }), dirGroup('Sales', [bob], { ou: 'US', id: 'guid-us' })], people),
      tenant: tenantWith((t) => ({ alice: [t.owned('CG-Sales', { source: 'guid-eu', dn: groupDn('Sales', 'EU') })] })),
    }),
    expected: ['patch bob@example.com +CG-Sales', `!NAME_COLLISION ${groupDn('Sales', 'US')}`],
  },
  {
    name: 'names that differ only in case: both kept, reported',
    build: () => ({ dir: directory([dirGroup('Sales', [alice]), dirGroup('SALES', [bob], { ou: 'Other', id: 'guid-upper' })], people), tenant: tenantWith() }),
    expected: [
      '+group CG-SALES roles=[] members=1',
      '+group CG-Sales roles=[] members=1',
      'patch alice@example.com +CG-Sales*',
      'patch bob@example.com +CG-SALES*',
      '!NAME_CASE_COLLISION CG-SALES',
      '!NAME_CASE_COLLISION CG-Sales',
    ],
  },
  {
    name: 'ambiguous user: neither tenant user gains or loses a membership',
    build: () => {
      const t = new TenantBuilder();
      const sales = t.owned('CG-Sales');
      const ops = t.owned('CG-Ops');
      t.user('alice@example.com', [sales], { email: 'a1@example.com' });
      t.user('ALICE@example.com', [], { email: 'a2@example.com' });
      t.user('bob@example.com', [sales]);
      return { dir: directory([dirGroup('Sales', [bob]), dirGroup('Ops', [alice, bob])], people), tenant: t.snapshot() };
    },
    expected: ['patch bob@example.com +CG-Ops', '!AMBIGUOUS_USER alice@example.com'],
  },
  {
    name: 'ambiguous user in a group the plan deletes: removed from that group only',
    build: () => {
      const t = new TenantBuilder();
      const sales = t.owned('CG-Sales');
      const old = t.owned('CG-Old');
      t.user('alice@example.com', [sales, old], { email: 'a1@example.com' });
      t.user('Alice@Example.com', [], { email: 'a2@example.com' });
      return { dir: directory([dirGroup('Sales', [])], people), tenant: t.snapshot(), options: { deleteGroups: true } };
    },
    expected: ['-group CG-Old members=1', 'patch alice@example.com -CG-Old', '!AMBIGUOUS_USER alice@example.com'],
  },
  {
    name: 'two directory users match one tenant user: it is held',
    build: () => {
      const t = new TenantBuilder();
      const sales = t.owned('CG-Sales');
      t.user('alice@example.com', [sales]);
      t.user('bob@example.com');
      const twin = dirUser('alice2', { attributes: { userPrincipalName: 'Alice@Example.com' } });
      return { dir: directory([dirGroup('Sales', [bob]), dirGroup('Ops', [alice])], [alice, twin, bob]), tenant: t.snapshot() };
    },
    expected: ['+group CG-Ops roles=[] members=0', 'patch bob@example.com +CG-Sales', '!AMBIGUOUS_USER alice@example.com'],
  },
  {
    name: 'nested groups with a cycle: every group in the cycle has the union',
    build: () => ({
      dir: directory(
        [
          dirGroup('A', [alice, groupKey('B')]),
          dirGroup('B', [bob, groupKey('A')]),
          dirGroup('C', [carol, groupKey('A')]),
        ],
        people,
      ),
      tenant: tenantWith(),
    }),
    expected: [
      '+group CG-A roles=[] members=2',
      '+group CG-B roles=[] members=2',
      '+group CG-C roles=[] members=3',
      'patch alice@example.com +CG-A* +CG-B* +CG-C*',
      'patch bob@example.com +CG-A* +CG-B* +CG-C*',
      'patch carol@example.com +CG-C*',
      `!GROUP_CYCLE ${groupDn('A')}`,
    ],
  },
  {
    name: 'nestedGroups off: direct user members only, no cycle to report',
    build: () => ({
      dir: directory([dirGroup('A', [alice, groupKey('B')]), dirGroup('B', [bob, groupKey('A')])], people),
      tenant: tenantWith(),
      options: { nestedGroups: false },
    }),
    expected: ['+group CG-A roles=[] members=1', '+group CG-B roles=[] members=1', 'patch alice@example.com +CG-A*', 'patch bob@example.com +CG-B*'],
  },
  {
    name: 'nested group outside the bases passes its members on but is not mapped itself',
    build: () => ({
      dir: directory([dirGroup('A', [alice, groupKey('Inner')]), dirGroup('Inner', [bob], { outsideBase: true })], people),
      tenant: tenantWith(),
    }),
    expected: ['+group CG-A roles=[] members=2', 'patch alice@example.com +CG-A*', 'patch bob@example.com +CG-A*'],
  },
  {
    name: 'create-only: creates and adds only; no removal, no role change, no rename, no delete',
    build: () => ({
      dir: directory([dirGroup('Sales-EU', [alice, bob], { id: sourceIdOf('Sales') }), dirGroup('Ops', [carol])], people),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales', { roles: ['TenantAdmin'] });
        const old = t.owned('CG-Old');
        return { alice: [sales], dave: [sales, old] };
      }),
      options: { mode: 'create-only', deleteGroups: true },
    }),
    expected: [
      '+group CG-Ops roles=[] members=1',
      'patch bob@example.com +CG-Sales',
      'patch carol@example.com +CG-Ops*',
      '!MODE_SKIPPED',
      '!ORPHANED_GROUP CG-Old',
    ],
  },
  {
    name: 'no-deletes: everything but the deletion',
    build: () => ({
      dir: directory([dirGroup('Sales-EU', [alice, bob], { id: sourceIdOf('Sales') }), dirGroup('Ops', [carol])], people),
      tenant: tenantWith((t) => {
        const sales = t.owned('CG-Sales', { roles: ['TenantAdmin'] });
        const old = t.owned('CG-Old');
        return { alice: [sales], dave: [sales, old] };
      }),
      options: { mode: 'no-deletes', deleteGroups: true },
    }),
    expected: [
      '+group CG-Ops roles=[] members=1',
      '~group CG-Sales rename=CG-Sales-EU roles=[TenantAdmin]->[] description',
      'patch bob@example.com +CG-Sales-EU',
      'patch carol@example.com +CG-Ops*',
      'patch dave@example.com -CG-Sales',
      '!ORPHANED_GROUP CG-Old',
    ],
  },
  {
    name: 'users to create: created, then given their groups',
    build: () => {
      const erin = dirUser('erin');
      return {
        dir: directory([dirGroup('Sales', [alice, erin])], [...people, erin, dirUser('frank')]),
        tenant: tenantWith((t) => ({ alice: [t.owned('CG-Sales')] })),
        options: { mapping: { createUsers: true } },
      };
    },
    expected: ['+user erin@example.com', 'patch erin@example.com* +CG-Sales'],
  },
  {
    name: 'users to create with the same email (unique in a tenant): neither is created',
    build: () => {
      const erin = dirUser('erin');
      const shared = dirUser('erin2', { attributes: { userPrincipalName: 'erin2@example.com', mail: 'Erin@Example.com', displayName: 'E2' } });
      const gil = dirUser('gil');
      return {
        dir: directory([dirGroup('Sales', [alice, erin, shared, gil])], [...people, erin, shared, gil]),
        tenant: tenantWith((t) => ({ alice: [t.owned('CG-Sales')] })),
        options: { mapping: { createUsers: true } },
      };
    },
    expected: ['+user gil@example.com', 'patch gil@example.com* +CG-Sales', '!AMBIGUOUS_USER erin@example.com'],
  },
  {
    name: 'users not in the tenant, createUsers off: one warning with the count',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice, dirUser('erin'), dirUser('frank')])], [...people, dirUser('erin'), dirUser('frank')]),
      tenant: tenantWith(),
    }),
    expected: ['+group CG-Sales roles=[] members=1', 'patch alice@example.com +CG-Sales*', '!USER_NOT_IN_TENANT'],
  },
  {
    name: 'unknown role (names are case-sensitive): group skipped, owned group left alone',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice])], people),
      tenant: tenantWith((t) => ({ dave: [t.owned('CG-Sales')] })),
      options: { mapping: { roles: [{ group: 'Sales', roles: ['developer'] }] } },
    }),
    expected: [`!UNKNOWN_ROLE ${groupDn('Sales')}`],
  },
  {
    name: 'group excluded by a pattern: its owned group left alone, even with deleteGroups',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice]), dirGroup('Temp-1', [bob])], people),
      tenant: tenantWith((t) => ({ dave: [t.owned('CG-Temp-1')] })),
      options: { exclude: ['Temp-*'], deleteGroups: true },
    }),
    expected: ['+group CG-Sales roles=[] members=1', 'patch alice@example.com +CG-Sales*', '!GROUP_OUT_OF_SCOPE CG-Temp-1'],
  },
  {
    name: 'include patterns select groups; exclude wins',
    build: () => ({
      dir: directory([dirGroup('Qlik-Sales', [alice]), dirGroup('Qlik-Test', [bob]), dirGroup('Other', [carol])], people),
      tenant: tenantWith(),
      options: { include: ['Qlik-*', '/^other$/'], exclude: ['*-Test'] },
    }),
    expected: ['+group CG-Qlik-Sales roles=[] members=1', 'patch alice@example.com +CG-Qlik-Sales*'],
  },
  {
    name: 'deleted tenant users are ignored',
    build: () => {
      const t = new TenantBuilder();
      const sales = t.owned('CG-Sales');
      t.user('alice@example.com', [sales], { status: 'deleted' });
      t.user('bob@example.com', [sales]);
      return { dir: directory([dirGroup('Sales', [alice, bob])], people), tenant: t.snapshot() };
    },
    // alice's only tenant user is deleted: she is not matched (and her old membership is not touched).
    expected: ['!USER_NOT_IN_TENANT'],
  },
  {
    name: 'rename chain: a rename waits until the name is freed by another rename',
    build: () => ({
      dir: directory([dirGroup('B', [alice], { id: sourceIdOf('A') }), dirGroup('C', [bob], { id: sourceIdOf('B') })], people),
      tenant: tenantWith((t) => ({ alice: [t.owned('CG-A', { dn: groupDn('B') })], bob: [t.owned('CG-B', { dn: groupDn('C') })] })),
    }),
    expected: ['~group CG-B rename=CG-C', '!RENAME_DEFERRED CG-A'],
    rounds: 2,
  },
  {
    name: 'rename cycle: two groups swap names through a temporary name',
    build: () => ({
      dir: directory([dirGroup('B', [alice], { id: sourceIdOf('A') }), dirGroup('A', [bob], { id: sourceIdOf('B') })], people),
      tenant: tenantWith((t) => ({ alice: [t.owned('CG-A', { dn: groupDn('B') })], bob: [t.owned('CG-B', { dn: groupDn('A') })] })),
    }),
    expected: ['~group CG-A rename=CG-B (renaming)', '!RENAME_DEFERRED CG-B', '!RENAME_VIA_TEMPORARY_NAME CG-A'],
    rounds: 3,
  },
  {
    name: 'a directory group recreated with a new id: the old one is deleted first, the new one created next run',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice], { id: 'guid-new' })], people),
      tenant: tenantWith((t) => ({ alice: [t.owned('CG-Sales')] })),
      options: { deleteGroups: true },
    }),
    expected: ['-group CG-Sales members=1', 'patch alice@example.com -CG-Sales', '!CREATE_DEFERRED CG-Sales'],
    rounds: 2,
  },
  {
    name: 'a directory group recreated with a new id, deletions off: the old group keeps the name',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice], { id: 'guid-new' })], people),
      tenant: tenantWith((t) => ({ alice: [t.owned('CG-Sales')] })),
    }),
    expected: ['!NAME_TAKEN CG-Sales', '!ORPHANED_GROUP CG-Sales'],
  },
  {
    name: 'two owned groups with one marker: neither is changed',
    build: () => ({
      dir: directory([dirGroup('Sales', [alice, bob])], people),
      tenant: tenantWith((t) => ({ alice: [t.owned('CG-Sales'), t.owned('CG-Sales-copy', { source: sourceIdOf('Sales') })], carol: [] })),
      options: { deleteGroups: true },
    }),
    expected: ['!DUPLICATE_MARKER CG-Sales'],
  },
];

describe('computePlan', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { dir, tenant, options } = c.build();
      const first = plan(dir, tenant, options);
      expect(summary(first)).toEqual(c.expected);

      // Apply and plan again until nothing is left to do.
      let current = tenant;
      let next = first;
      for (let round = 1; round <= (c.rounds ?? 1); round++) {
        current = applied(current, next);
        next = plan(dir, current, options);
      }
      expect(summary(next).filter((line) => !line.startsWith('!'))).toEqual([]);
      expect(hasChanges(next)).toBe(false);
    });
  }
});

describe('the empty-directory guard on a computed plan', () => {
  // Two owned groups that share a marker are left alone (DUPLICATE_MARKER); when the read did not
  // find their directory group they are not something the directory yielded.
  const copies = (t: TenantBuilder) => ({
    alice: [t.owned('CG-Sales'), t.owned('CG-Sales-copy', { source: sourceIdOf('Sales') })],
    carol: [t.owned('CG-Ops')],
  });

  it('an empty read is blocked, copies of a group it did not find notwithstanding', () => {
    for (const deleteGroups of [true, false]) {
      const p = plan(directory([], []), tenantWith(copies), { deleteGroups });
      expect(p.stats.heldGroups).toBe(0);
      const violations = checkSafety(p, DEFAULT_LIMITS, { allowDeletes: true });
      expect(violations.map((v) => v.limit)).toEqual(['minDirectoryGroupsPercent']);
      expect(violations[0]!.message).toContain('yields no mapped groups, but the tenant has 3 groups owned');
    }
  });

  it('a held group (its rule names an unknown role) counts once, however many copies share its marker', () => {
    const p = plan(directory([dirGroup('Sales', [alice])], people), tenantWith(copies), { deleteGroups: true, mapping: { roles: [{ group: 'Sales', roles: ['NoSuchRole'] }] } });
    expect(p.stats).toMatchObject({ desiredGroups: 0, heldGroups: 1, ownedGroups: 3 });
  });

  it('a read that finds the duplicated group counts it once, among the desired groups', () => {
    const p = plan(directory([dirGroup('Sales', [alice]), dirGroup('Ops', [carol])], people), tenantWith(copies), { deleteGroups: true });
    expect(p.stats).toMatchObject({ desiredGroups: 2, heldGroups: 0, ownedGroups: 3 });
    expect(checkSafety(p, DEFAULT_LIMITS, { allowDeletes: false })).toEqual([]);
  });
});
