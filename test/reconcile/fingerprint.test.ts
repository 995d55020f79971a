import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/reconcile/fingerprint.ts';
import { directory, dirGroup, dirUser, TenantBuilder } from './fixtures.ts';

describe('fingerprint', () => {
  const alice = dirUser('alice');
  const bob = dirUser('bob');

  it('is a sha256 that ignores order, the directory source and read warnings', () => {
    const a = directory([dirGroup('Sales', [alice, bob]), dirGroup('Ops', [bob])], [alice, bob]);
    const b = structuredClone(a);
    b.groups.reverse();
    b.users.reverse();
    b.groups[1]!.members.reverse();
    b.source = 'ldaps://dc2.example.com';
    b.warnings.push({ code: 'X', message: 'y' });
    expect(fingerprint(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fingerprint(b)).toBe(fingerprint(a));
  });

  it('changes with any content the plan reads', () => {
    const a = directory([dirGroup('Sales', [alice])], [alice, bob]);
    const changes = [
      (d: typeof a) => (d.groups[0]!.name = 'Sales2'),
      (d: typeof a) => d.groups[0]!.members.push(bob.key),
      (d: typeof a) => (d.users[0]!.enabled = false),
      (d: typeof a) => (d.users[0]!.attributes['mail'] = 'new@example.com'),
      (d: typeof a) => (d.users[0]!.id = 'other'),
    ];
    for (const change of changes) {
      const b = structuredClone(a);
      change(b);
      expect(fingerprint(b)).not.toBe(fingerprint(a));
    }
  });

  it('covers the tenant: URL, groups, roles, users and memberships, in any order', () => {
    const t = new TenantBuilder();
    const g = t.owned('CG-Sales');
    const h = t.idp('Okta');
    t.user('alice@example.com', [g, h]);
    const a = t.snapshot();
    const b = structuredClone(a);
    b.users[0]!.assignedGroups.reverse();
    b.groups.reverse();
    expect(fingerprint(b)).toBe(fingerprint(a));
    const c = structuredClone(a);
    c.users[0]!.assignedGroups.pop();
    expect(fingerprint(c)).not.toBe(fingerprint(a));
    const d = structuredClone(a);
    d.tenantUrl = 'https://other.eu.qlikcloud.com';
    expect(fingerprint(d)).not.toBe(fingerprint(a));
    expect(fingerprint(a)).not.toBe(fingerprint(directory([], [])));
  });
});
