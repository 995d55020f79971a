import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/render/human.ts';
import { directory, dirGroup, dirUser, plan, sourceIdOf, TenantBuilder } from '../reconcile/fixtures.ts';

const alice = dirUser('alice');
const bob = dirUser('bob');
const erin = dirUser('erin');

function mixedPlan() {
  const t = new TenantBuilder();
  const sales = t.owned('CG-Sales', { roles: ['Developer'] });
  const old = t.owned('CG-Old');
  const ops = t.owned('CG-Ops');
  t.user('alice@example.com', [sales, old]);
  t.user('bob@example.com', [ops]);
  const dir = directory(
    [dirGroup('Sales-EU', [alice], { id: sourceIdOf('Sales') }), dirGroup('Ops', [alice, erin]), dirGroup('Dev', [bob, erin])],
    [alice, bob, erin],
  );
  return plan(dir, t.snapshot(), {
    deleteGroups: true,
    mapping: { createUsers: true, roles: [{ group: 'Sales-*', roles: ['Developer', 'TenantAdmin'] }] },
  });
}

describe('renderPlan', () => {
  it('says "No changes." and nothing else for an empty plan', () => {
    const t = new TenantBuilder();
    t.user('alice@example.com', [t.owned('CG-Sales')]);
    const text = renderPlan(plan(directory([dirGroup('Sales', [alice])], [alice]), t.snapshot()), { writesPerMinute: 100 });
    expect(text).toBe('No changes. The tenant matches the directory.\n');
  });

  it('keeps the warnings when there are no changes', () => {
    const t = new TenantBuilder();
    t.owned('CG-Old');
    const text = renderPlan(plan(directory([], []), t.snapshot()), { writesPerMinute: 100 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('No changes. The tenant matches the directory.');
    expect(lines).toContain('Warnings (1):');
    expect(lines.some((l) => l.startsWith('  ! ORPHANED_GROUP: CG-Old'))).toBe(true);
    expect(text).not.toContain('Plan:');
  });

  it('lists groups sorted by name with + ~ - markers, users to create, and each user\'s adds and removes', () => {
    const lines = renderPlan(mixedPlan(), { writesPerMinute: 100 }).split('\n');
    const groups = lines.slice(lines.indexOf('Groups:') + 1, lines.indexOf('', lines.indexOf('Groups:')));
    expect(groups.filter((l) => /^  [+~-] /.test(l))).toEqual(['  + CG-Dev', '  - CG-Old', '  ~ CG-Sales']);
    expect(groups).toContain('      name: CG-Sales -> CG-Sales-EU');
    expect(groups).toContain('      roles: Developer -> Developer, TenantAdmin');
    expect(groups).toContain('      roles: (none)');
    expect(groups).toContain('      members: 2');
    expect(groups).toContain('      deleted (1 member removed first); its directory group is gone');

    expect(lines.slice(lines.indexOf('Users to create:'), lines.indexOf('Users to create:') + 2)).toEqual([
      'Users to create:',
      '  + erin@example.com (ERIN)',
    ]);

    const memberships = lines.slice(lines.indexOf('Memberships:') + 1, lines.indexOf('', lines.indexOf('Memberships:')));
    expect(memberships).toEqual([
      '  ~ alice@example.com',
      '      + CG-Ops',
      '      - CG-Old',
      '  ~ bob@example.com',
      '      + CG-Dev (new group)',
      '      - CG-Ops',
      '  + erin@example.com (new user)',
      '      + CG-Dev (new group)',
      '      + CG-Ops',
    ]);
  });

  it('ends with the totals and the write estimate', () => {
    const lines = renderPlan(mixedPlan(), { writesPerMinute: 100 }).trimEnd().split('\n');
    expect(lines.at(-2)).toBe('Plan: 1 groups to create, 1 to update, 1 to delete; 1 users to create; 3 membership patches (+4 / -2 memberships).');
    expect(lines.at(-1)).toBe('Write requests: 7 (under a minute at 100 writes/minute).');
  });

  it('caps long sections and says how many more', () => {
    const users = Array.from({ length: 30 }, (_, i) => dirUser(`user${String(i).padStart(2, '0')}`));
    const t = new TenantBuilder();
    for (const u of users) t.user(`${u.attributes['userPrincipalName']}`);
    const built = plan(directory([dirGroup('Sales', users)], users), t.snapshot());
    const text = renderPlan(built, { writesPerMinute: 10, maxListed: 5 });
    const lines = text.split('\n');
    const memberships = lines.slice(lines.indexOf('Memberships:') + 1, lines.indexOf('', lines.indexOf('Memberships:')));
    expect(memberships.filter((l) => l.startsWith('  ~ '))).toHaveLength(5);
    expect(memberships.at(-1)).toBe('  ... and 25 more');
    expect(text).toContain('Write requests: 31 (about 4 min at 10 writes/minute).');
    expect(renderPlan(built, { writesPerMinute: 1 })).toContain('Write requests: 31 (about 31 min at 1 writes/minute).');
    expect(renderPlan(built, { writesPerMinute: 100 })).toContain('Write requests: 31 (under a minute at 100 writes/minute).');
  });

  it('colours the markers only when asked', () => {
    expect(renderPlan(mixedPlan(), { writesPerMinute: 100 })).not.toContain('\u001b[');
    const coloured = renderPlan(mixedPlan(), { writesPerMinute: 100, color: true });
    expect(coloured).toContain('\u001b[32m+\u001b[0m CG-Dev');
    expect(coloured).toContain('\u001b[31m-\u001b[0m CG-Old');
  });

  it('says which mode limits the plan', () => {
    const t = new TenantBuilder();
    t.user('alice@example.com');
    const text = renderPlan(plan(directory([dirGroup('Sales', [alice])], [alice]), t.snapshot(), { mode: 'create-only' }), { writesPerMinute: 100 });
    expect(text.split('\n')[0]).toBe('sync.mode is create-only: only group and user creations and membership additions are planned.');
  });

  it('renders identical plans identically', () => {
    expect(renderPlan(mixedPlan(), { writesPerMinute: 100 })).toBe(renderPlan(mixedPlan(), { writesPerMinute: 100 }));
  });
});
