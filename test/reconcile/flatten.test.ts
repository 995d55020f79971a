import { describe, expect, it } from 'vitest';
import type { DirectoryGroup, DirectoryUser } from '../../src/directory/snapshot.ts';
import { flattenMembers } from '../../src/reconcile/flatten.ts';

const user = (n: number, enabled = true): DirectoryUser => ({ id: `u${n}`, dn: `uid=u${n}`, key: `uid=u${n}`, attributes: {}, enabled });
const group = (name: string, members: string[]): DirectoryGroup => ({ id: name, dn: `cn=${name}`, key: `cn=${name}`, name, members });

function names(result: ReturnType<typeof flattenMembers>, groups: DirectoryGroup[], users: DirectoryUser[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [i, members] of result.members) out[groups[i]!.name] = [...members].map((u) => users[u]!.id);
  return out;
}

describe('flattenMembers', () => {
  const users = [0, 1, 2, 3, 4].map((n) => user(n));

  it('follows nesting transitively, each user once', () => {
    const groups = [group('a', ['cn=b', 'uid=u0']), group('b', ['cn=c', 'uid=u1']), group('c', ['uid=u2', 'uid=u1'])];
    const result = flattenMembers({ groups, users }, { nestedGroups: true });
    expect(names(result, groups, users)).toEqual({ a: ['u0', 'u1', 'u2'], b: ['u1', 'u2'], c: ['u1', 'u2'] });
    expect(result.warnings).toEqual([]);
  });

  it('gives every group of a cycle the union, and reports the cycle once', () => {
    const groups = [
      group('a', ['cn=b', 'uid=u0']),
      group('b', ['cn=c', 'uid=u1']),
      group('c', ['cn=a', 'uid=u2']),
      group('top', ['cn=a', 'uid=u3']),
      group('self', ['cn=self', 'uid=u4']),
    ];
    const result = flattenMembers({ groups, users }, { nestedGroups: true });
    expect(names(result, groups, users)).toEqual({
      a: ['u0', 'u1', 'u2'],
      b: ['u0', 'u1', 'u2'],
      c: ['u0', 'u1', 'u2'],
      top: ['u0', 'u1', 'u2', 'u3'],
      self: ['u4'],
    });
    expect(result.warnings.map((w) => w.code)).toEqual(['GROUP_CYCLE', 'GROUP_CYCLE']);
    expect(result.warnings.map((w) => w.message).join('\n')).toContain('a, b, c');
    expect(result.warnings.map((w) => w.message).join('\n')).toContain('self');
  });

  it('ignores nested groups when nestedGroups is off', () => {
    const groups = [group('a', ['cn=b', 'uid=u0']), group('b', ['cn=a', 'uid=u1'])];
    const result = flattenMembers({ groups, users }, { nestedGroups: false });
    expect(names(result, groups, users)).toEqual({ a: ['u0'], b: ['u1'] });
    expect(result.warnings).toEqual([]);
  });

  it('leaves out users the filter rejects, and unknown member keys', () => {
    const some = [user(0), user(1, false)];
    const groups = [group('a', ['uid=u0', 'uid=u1', 'uid=ghost', 'cn=ghost'])];
    const result = flattenMembers({ groups, users: some }, { nestedGroups: true, isMember: (u) => u.enabled });
    expect(names(result, groups, some)).toEqual({ a: ['u0'] });
  });

  it('computes only the groups asked for (and what they nest)', () => {
    const groups = [group('a', ['cn=b']), group('b', ['uid=u1']), group('c', ['uid=u2'])];
    const result = flattenMembers({ groups, users }, { nestedGroups: true, groups: [0] });
    expect(names(result, groups, users)).toEqual({ a: ['u1'] });
  });

  it('handles deep chains without recursion limits', () => {
    const depth = 20_000;
    const groups = Array.from({ length: depth }, (_, i) => group(`g${i}`, i + 1 < depth ? [`cn=g${i + 1}`, `uid=u${i % 5}`] : ['uid=u4']));
    const result = flattenMembers({ groups, users }, { nestedGroups: true, groups: [0] });
    expect([...result.members.get(0)!]).toEqual([0, 1, 2, 3, 4]);
  });
});
