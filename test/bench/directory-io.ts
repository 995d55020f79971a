// The model on a real OpenLDAP server: written as LDIF for slapadd (in chunks: the L directory is
// about 80 MB of text), and changed over LDAP for the churn step, the way a directory changes in
// production (entries added and deleted, member values added and removed, groups renamed).
import { closeSync, openSync, writeSync } from 'node:fs';
import { Attribute, Change, Client } from 'ldapts';
import { fixtureUuid, ldifEntry } from '../support/ldif-fixtures.ts';
import type { DirectoryChanges } from './churn.ts';
import type { BenchDirectory } from './model.ts';
import { displayNameOf, mailOf } from './tenant-state.ts';

export const SUFFIX = 'dc=bench,dc=test';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;

export const userDn = (uid: string): string => `uid=${uid},${PEOPLE}`;
export const groupDn = (cn: string): string => `cn=${cn},${GROUPS}`;

function userAttributes(directory: BenchDirectory, index: number): Record<string, string | string[]> {
  const uid = directory.users[index]!;
  return { objectClass: 'inetOrgPerson', uid, cn: displayNameOf(index), sn: String(index), mail: mailOf(uid), displayName: displayNameOf(index) };
}

function groupMembers(directory: BenchDirectory, index: number): string[] {
  const group = directory.groups[index]!;
  return [
    ...group.users.filter((u) => directory.users[u] !== undefined).map((u) => userDn(directory.users[u]!)),
    ...group.subgroups.filter((s) => directory.groups[s] !== undefined).map((s) => groupDn(directory.groups[s]!.cn)),
  ];
}

/** Writes the whole directory (suffix, two OUs, users, groups) as LDIF to `file`; returns its size in bytes. */
export function writeLdif(directory: BenchDirectory, file: string): number {
  const fd = openSync(file, 'w');
  let bytes = 0;
  let buffer: string[] = [];
  let buffered = 0;
  const put = (text: string): void => {
    buffer.push(text);
    buffered += text.length;
    if (buffered > 4_000_000) flush();
  };
  const flush = (): void => {
    bytes += writeSync(fd, buffer.join(''));
    buffer = [];
    buffered = 0;
  };
  try {
    put(ldifEntry(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'bench', o: 'bench' }));
    put(ldifEntry(PEOPLE, { objectClass: 'organizationalUnit', ou: 'people' }));
    put(ldifEntry(GROUPS, { objectClass: 'organizationalUnit', ou: 'groups' }));
    directory.users.forEach((uid, i) => {
      if (uid === undefined) return;
      const dn = userDn(uid);
      put(ldifEntry(dn, { ...userAttributes(directory, i), entryUUID: fixtureUuid(dn) }));
    });
    directory.groups.forEach((group, i) => {
      if (!group) return;
      const dn = groupDn(group.cn);
      put(ldifEntry(dn, { objectClass: 'groupOfNames', cn: group.cn, description: `Benchmark group ${i}`, member: groupMembers(directory, i), entryUUID: fixtureUuid(dn) }));
    });
    flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * Applies `changes` (from `before` to `after`) to the server: new users, member values, renames,
 * group deletions and creations, then the leavers' entries. Returns the LDAP operations sent.
 */
export async function applyChanges(url: string, bindDn: string, password: string, after: BenchDirectory, before: BenchDirectory, changes: DirectoryChanges): Promise<number> {
  const client = new Client({ url });
  let operations = 0;
  try {
    await client.bind(bindDn, password);
    for (const u of changes.addUsers) {
      await client.add(userDn(after.users[u]!), userAttributes(after, u));
      operations++;
    }
    for (const change of changes.memberChanges) {
      const modifications: Change[] = [];
      const dns = (list: number[], model: BenchDirectory): string[] => list.map((u) => userDn(model.users[u]!));
      if (change.add.length > 0) modifications.push(new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: dns(change.add, after) }) }));
      if (change.remove.length > 0) modifications.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: dns(change.remove, before) }) }));
      await client.modify(groupDn(change.cn), modifications);
      operations++;
    }
    for (const rename of changes.renames) {
      await client.modifyDN(groupDn(rename.from), `cn=${rename.to}`);
      operations++;
    }
    for (const del of changes.deleteGroups) {
      await client.del(groupDn(del.cn));
      operations++;
    }
    for (const g of changes.addGroups) {
      const group = after.groups[g]!;
      await client.add(groupDn(group.cn), { objectClass: 'groupOfNames', cn: group.cn, description: `Benchmark group ${g}`, member: groupMembers(after, g) });
      operations++;
    }
    for (const u of changes.deleteUsers) {
      await client.del(userDn(before.users[u]!));
      operations++;
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
  return operations;
}
