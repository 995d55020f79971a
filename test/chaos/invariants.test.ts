// The chaos checks themselves, on hand-made tenant states and logs: each must catch what it is for
// (a suite whose checks cannot fail proves nothing) and stay quiet about what is allowed.
import { describe, expect, it } from 'vitest';
import type { MembershipLogEntry } from '../../src/emulator/model/events.ts';
import type { TenantState } from '../../src/emulator/model/state.ts';
import { foreignChanges, foreignLogEntries, identityChanges, ownedMemberships, wrongfulRemovals, type Memberships } from './invariants.ts';

type Group = TenantState['groups'][number];
type User = TenantState['users'][number];
const T = '2025-01-01T00:00:00.000Z';

const group = (id: string, name: string, extra: Partial<Group> = {}): Group => ({
  id,
  name,
  providerType: 'custom',
  status: 'active',
  roleIds: [],
  createdAt: T,
  lastUpdatedAt: T,
  description: `Managed by qlik-group-sync from cn=${name}. [qgs:id=uuid-${id}]`,
  ...extra,
});
const user = (id: string, subject: string, groupIds: string[]): User => ({ id, subject, name: subject, status: 'active', roleIds: [], groupIds, createdAt: T, lastUpdatedAt: T });
const state = (groups: Group[], users: User[]): TenantState => ({
  format: 'qlik-group-sync/emulator-state',
  version: 1,
  tenantId: 't',
  exportedAt: T,
  settings: { autoCreateGroups: true, syncIdpGroups: true },
  everyone: { roleIds: [] },
  roles: [],
  groups,
  users,
});
const memberships = (entries: Record<string, string[]>): Memberships => new Map(Object.entries(entries).map(([k, v]) => [k, new Set(v)]));
let seq = 0;
const removal = (userId: string, groupId: string, groupName: string, providerType: 'custom' | 'idp' = 'custom'): MembershipLogEntry => ({
  seq: ++seq,
  time: T,
  userId,
  groupId,
  groupName,
  op: 'remove',
  providerType,
  cause: 'patch',
  actorId: 'bridge',
});

const sales = group('idp1', 'Sales', { providerType: 'idp', description: undefined, idpId: 'x' });
const manual = group('man1', 'CG-Manual', { description: 'made by hand' });
const a = group('g1', 'CG-a');
const b = group('g2', 'CG-b');
const start = state([sales, manual, a, b], [user('u1', 'alice', ['idp1', 'g1', 'man1']), user('u2', 'bob', ['g1', 'g2'])]);

describe('chaos invariants', () => {
  it('owned memberships leave out a prefixed group without the marker', () => {
    expect([...ownedMemberships(start).keys()].sort()).toEqual(['CG-a', 'CG-b']);
    expect([...ownedMemberships(start).get('CG-a')!].sort()).toEqual(['alice', 'bob']);
  });

  it('a removal of a pair the directory holds is wrongful, one it dropped is not; renamed groups are followed by id', () => {
    const before = memberships({ 'CG-a': ['alice', 'bob'], 'CG-b': ['bob'] });
    const after = memberships({ 'CG-a2': ['alice'], 'CG-b': ['bob', 'alice'] });
    const end = state([sales, manual, { ...a, name: 'CG-a2' }, b], [user('u1', 'alice', ['idp1', 'g1', 'man1', 'g2']), user('u2', 'bob', ['g2'])]);
    const log = [removal('u2', 'g1', 'CG-a'), removal('u1', 'g1', 'CG-a'), removal('u1', 'g2', 'CG-b')];
    const problems = wrongfulRemovals(log, { before, after, start, end });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('alice in CG-a2 was removed');
    expect(problems[0]).toContain('held it before and after');
    expect(problems[1]).toContain('alice in CG-b was removed');
    expect(problems[1]).toContain('holds it after the edits');
    expect(wrongfulRemovals([removal('u2', 'g1', 'CG-a')], { before, after, start, end })).toEqual([]);
  });

  it('writes to IdP and hand-made groups are caught, in the log and in the end state', () => {
    const end = state([sales, manual, a, b], [user('u1', 'alice', ['g1']), user('u2', 'bob', ['g1', 'g2'])]);
    expect(foreignLogEntries([removal('u1', 'idp1', 'Sales', 'idp'), removal('u1', 'man1', 'CG-Manual')], start, end)).toHaveLength(2);
    expect(foreignLogEntries([removal('u2', 'g1', 'CG-a')], start, end)).toEqual([]);
    expect(foreignChanges(start, end)).toEqual(['user alice changed outside its owned memberships']);
    const renamedIdp = state([{ ...sales, name: 'Sales2' }, manual, a, b], start.users);
    expect(foreignChanges(start, renamedIdp)).toEqual(['non-owned group Sales (idp) was changed']);
  });

  it('owned memberships, new owned groups and new users in owned groups are allowed changes', () => {
    const c = group('g3', 'CG-c');
    const end = state([sales, manual, a, c], [user('u1', 'alice', ['idp1', 'man1', 'g3']), user('u2', 'bob', []), user('u3', 'carol', ['g3'])]);
    expect(foreignChanges(start, end)).toEqual([]);
    const intruder = state([sales, manual, a, b], [...start.users, user('u3', 'carol', ['idp1'])]);
    expect(foreignChanges(start, intruder)).toEqual(['new user carol is in non-owned groups idp1']);
  });

  it('a renamed group must keep its id, a deleted one must go', () => {
    const renames = new Map([['CG-a', 'CG-a2']]);
    const deleted = new Set(['CG-b']);
    expect(identityChanges(start, state([{ ...a, name: 'CG-a2' }], []), renames, deleted)).toEqual([]);
    const recreated = state([{ ...a, id: 'g9', name: 'CG-a2' }, b], []);
    expect(identityChanges(start, recreated, renames, deleted)).toEqual([
      'CG-a: its tenant id g1 is gone (expected as CG-a2)',
      'CG-b: its directory group was deleted but it is still there (as CG-b)',
    ]);
  });
});
