import { describe, expect, it } from 'vitest';
import { desiredState } from '../../src/reconcile/desired.ts';
import { config, directory, dirGroup, dirUser, groupDn, TenantBuilder, type ConfigOverrides } from './fixtures.ts';
import type { DirectorySnapshot } from '../../src/directory/snapshot.ts';
import type { TenantSnapshot } from '../../src/tenant/snapshot.ts';

function desired(dir: DirectorySnapshot, tenant: TenantSnapshot, overrides: ConfigOverrides = {}) {
  const c = config(overrides);
  return desiredState(dir, tenant, c.mapping, {
    include: c.directory.groups.include,
    exclude: c.directory.groups.exclude,
    nestedGroups: c.directory.nestedGroups,
    disabledUsers: c.directory.disabledUsers,
  });
}

describe('desiredState', () => {
  it('matches users by a subject template, attribute names and subjects case-insensitively', () => {
    const jdoe = dirUser('jdoe', { attributes: { sAMAccountName: 'JDoe' } });
    const t = new TenantBuilder();
    const tenantUser = t.user('corp\\jdoe');
    const d = desired(directory([dirGroup('Sales', [jdoe])], [jdoe]), t.snapshot(), {
      mapping: { user: { subjectTemplate: 'CORP\\{samaccountname}' } },
    });
    expect(d.groups[0]!.memberUserIds).toEqual([tenantUser.id]);
    expect(d.warnings).toEqual([]);
  });

  it('matches users by email when asked', () => {
    const jdoe = dirUser('jdoe', { attributes: { mail: 'John.Doe@Example.com' } });
    const t = new TenantBuilder();
    const tenantUser = t.user('auth0|123', [], { email: 'john.doe@example.com' });
    const d = desired(directory([dirGroup('Sales', [jdoe])], [jdoe]), t.snapshot(), { mapping: { user: { matchBy: 'email' } } });
    expect(d.groups[0]!.memberUserIds).toEqual([tenantUser.id]);
  });

  it('renders the name template from the group, and skips (holds) a group missing a placeholder value', () => {
    const dir = directory([dirGroup('Sales', [], { description: 'EU' }), dirGroup('Ops')], []);
    const d = desired(dir, new TenantBuilder().snapshot(), { mapping: { nameTemplate: '{name}-{Description}' } });
    expect(d.groups.map((g) => g.name)).toEqual(['CG-Sales-EU']);
    expect(d.heldSourceIds).toEqual(['guid-ops']);
    expect(d.warnings).toEqual([expect.objectContaining({ code: 'TEMPLATE_VALUE_MISSING', subject: groupDn('Ops') })]);
    expect(d.warnings[0]!.message).toContain('{Description}');
  });

  it('aggregates users missing from the tenant into one warning with a count and the first ten', () => {
    const users = Array.from({ length: 15 }, (_, i) => dirUser(`user${String(i).padStart(2, '0')}`));
    const d = desired(directory([dirGroup('Sales', users)], users), new TenantBuilder().snapshot());
    const w = d.warnings.filter((x) => x.code === 'USER_NOT_IN_TENANT');
    expect(w).toHaveLength(1);
    expect(w[0]!.message).toMatch(/^15 members of mapped groups are not a Qlik user yet/);
    expect(w[0]!.message).toContain('user00@example.com, user01@example.com');
    expect(w[0]!.message).toContain('user09@example.com and 5 more');
    expect(w[0]!.message).not.toContain('user10@example.com');
  });

  it('does not report directory users who are in no mapped group', () => {
    const d = desired(directory([dirGroup('Sales', [])], [dirUser('loner')]), new TenantBuilder().snapshot());
    expect(d.warnings).toEqual([]);
  });

  it('plans users to create with subject, email and name, unless the subject or email is taken', () => {
    const erin = dirUser('erin');
    const frank = dirUser('frank');
    const t = new TenantBuilder();
    t.user('someone-else', [], { status: 'deleted', email: 'frank@example.com' });
    const d = desired(directory([dirGroup('Sales', [erin, frank])], [erin, frank]), t.snapshot(), { mapping: { createUsers: true } });
    expect(d.createUsers).toEqual([{ subject: 'erin@example.com', email: 'erin@example.com', name: 'ERIN', sourceId: 'uid-erin' }]);
    expect(d.groups[0]!.newMemberSubjects).toEqual(['erin@example.com']);
    expect(d.warnings.map((w) => w.code)).toEqual(['USER_CREATE_CONFLICT']);
    expect(d.warnings[0]!.message).toContain('frank@example.com');
  });

  it('reports members without the key attribute once', () => {
    const nobody = dirUser('nobody', { attributes: {} });
    const d = desired(directory([dirGroup('Sales', [nobody])], [nobody]), new TenantBuilder().snapshot());
    expect(d.warnings).toEqual([expect.objectContaining({ code: 'USER_ATTRIBUTE_MISSING' })]);
    expect(d.warnings[0]!.message).toContain('{userPrincipalName}');
  });

  it('skips a group with more roles than Qlik allows', () => {
    const roleNames = Array.from({ length: 101 }, (_, i) => `Role${i}`);
    const d = desired(directory([dirGroup('Sales')], []), new TenantBuilder(roleNames).snapshot(), {
      mapping: { roles: [{ group: '*', roles: roleNames }] },
    });
    expect(d.groups).toEqual([]);
    expect(d.warnings.map((w) => w.code)).toEqual(['TOO_MANY_ROLES']);
  });

  it('unites the roles of every matching rule, sorted', () => {
    const d = desired(directory([dirGroup('Sales-EU')], []), new TenantBuilder().snapshot(), {
      mapping: { roles: [{ group: 'Sales-*', roles: ['TenantAdmin', 'Developer'] }, { group: '/eu$/i', roles: ['Developer', 'AnalyticsAdmin'] }, { group: 'Ops', roles: ['SharedSpaceCreator'] }] },
    });
    expect(d.groups[0]!.roles).toEqual(['AnalyticsAdmin', 'Developer', 'TenantAdmin']);
  });

  it('passes the directory read warnings on, and skips groups sharing an id', () => {
    const dir = directory([dirGroup('A', [], { id: 'same' }), dirGroup('B', [], { id: 'same' })], []);
    dir.warnings.push({ code: 'MEMBER_UNRESOLVED', message: 'x', subject: 'cn=a' });
    const d = desired(dir, new TenantBuilder().snapshot());
    expect(d.groups).toEqual([]);
    expect(d.heldSourceIds).toEqual(['same']);
    expect(d.warnings.map((w) => w.code).sort()).toEqual(['DUPLICATE_SOURCE_ID', 'DUPLICATE_SOURCE_ID', 'MEMBER_UNRESOLVED']);
  });
});
