// The whole reader (snapshot building included) on the LDIF file source: the demo directory, and
// small exports for each membership rule (outside members, dangling and skipped members, cycles,
// memberUid, uniqueMember, AD exports, derived ids).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dnKey, probeDirectory, readDirectory, type DirectorySnapshot } from '../../src/directory/index.ts';
import { derivedId } from '../../src/directory/ldif-source.ts';
import { encodeObjectGuid } from '../../src/directory/vendors.ts';
import { ConfigError, DirectoryError } from '../../src/errors.ts';
import { directoryConfig, type DirectoryConfigOverrides } from './config.ts';

const DEMO = new URL('../../config/demo/directory.ldif', import.meta.url).pathname;
const DEMO_RENAMED = new URL('../../config/demo/directory-renamed.ldif', import.meta.url).pathname;
const BASE = 'dc=example,dc=com';

const dir = mkdtempSync(join(tmpdir(), 'qgs-ldif-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

function ldifFile(text: string): string {
  const file = join(dir, `export-${++fileCount}.ldif`);
  writeFileSync(file, text);
  return file;
}

function read(ldifFileOrText: string, overrides: DirectoryConfigOverrides = {}): Promise<DirectorySnapshot> {
  const ldifFile = ldifFileOrText.includes('\n') ? ldifFile_(ldifFileOrText) : ldifFileOrText;
  return readDirectory(
    directoryConfig({
      source: 'ldif',
      ldifFile,
      ...overrides,
      groups: { baseDns: [`ou=groups,${BASE}`], ...overrides.groups },
      users: { baseDns: [`ou=people,${BASE}`], ...overrides.users },
    }),
  );
}
const ldifFile_ = ldifFile;

function group(snapshot: DirectorySnapshot, name: string) {
  const found = snapshot.groups.find((g) => g.name === name);
  if (!found) throw new Error(`no group ${name} in ${snapshot.groups.map((g) => g.name).join(', ')}`);
  return found;
}

const userKey = (uid: string): string => dnKey(`uid=${uid},ou=people,${BASE}`);
const groupKey = (cn: string): string => dnKey(`cn=${cn},ou=groups,${BASE}`);

function person(uid: string, extra = '', ou = 'people'): string {
  return `dn: uid=${uid},ou=${ou},${BASE}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\nsn: ${uid}\nmail: ${uid}@example.com\ndisplayName: ${uid}\nentryUUID: ${derivedId(`user ${uid}`)}\n${extra}\n`;
}

function groupOfNames(cn: string, members: string[], ou = 'groups'): string {
  return `dn: cn=${cn},ou=${ou},${BASE}\nobjectClass: groupOfNames\ncn: ${cn}\nentryUUID: ${derivedId(`group ${cn}`)}\n${members.map((m) => `member: ${m}\n`).join('')}\n`;
}

describe('the demo directory', () => {
  it('reads every group with its direct members, every user, sorted, without warnings', async () => {
    const snapshot = await read(DEMO);
    expect(snapshot.kind).toBe('ldif');
    expect(snapshot.source).toBe(DEMO);
    expect(snapshot.warnings).toEqual([]);
    expect(snapshot.groups.map((g) => g.name)).toEqual(['analytics-admins', 'analytics-viewers', 'auditors', 'finance', 'sales', 'sales-emea']);
    expect(snapshot.users).toHaveLength(12);
    expect(snapshot.groups.map((g) => g.key)).toEqual([...snapshot.groups.map((g) => g.key)].sort());
    expect(snapshot.users.map((u) => u.key)).toEqual([...snapshot.users.map((u) => u.key)].sort());

    // Direct members only (nesting is the desired-state step's job), as normalised DNs.
    expect(group(snapshot, 'analytics-viewers').members).toEqual([groupKey('auditors'), groupKey('sales'), userKey('mallory')].sort());
    expect(group(snapshot, 'sales').members).toEqual([groupKey('sales-emea'), userKey('carol'), userKey('dave'), userKey('erin')].sort());
    // `UID=Bob,OU=People,DC=Example,DC=Com` in the export names uid=bob.
    expect(group(snapshot, 'analytics-admins').members).toEqual([userKey('alice'), userKey('bob')]);
    // A DN with an escaped comma and non-ASCII characters.
    const siobhan = snapshot.users.find((u) => u.attributes.uid === 'siobhan')!;
    expect(siobhan.dn).toBe(`cn=O'Brien\\, Siobhán,ou=people,${BASE}`);
    expect(group(snapshot, 'sales-emea').members).toContain(siobhan.key);
    expect(snapshot.users.find((u) => u.attributes.uid === 'zoe')!.attributes.displayName).toBe('Zoë Ångström');

    const mallory = snapshot.users.find((u) => u.attributes.uid === 'mallory')!;
    expect(mallory.enabled).toBe(false);
    expect(snapshot.users.filter((u) => !u.enabled)).toHaveLength(1);
    expect(mallory.attributes).toEqual({ uid: 'mallory', mail: 'mallory@example.com', displayName: 'Mallory Moore' });
    expect(group(snapshot, 'sales').description).toBe('Sales department');
    expect(snapshot.groups.every((g) => /^[0-9a-f-]{36}$/.test(g.id))).toBe(true);
    expect(snapshot.groups.every((g) => g.outsideBase === undefined)).toBe(true);
  });

  it('sees the second state: a rename keeps the id, a removal, a disabled user', async () => {
    const before = await read(DEMO);
    const after = await read(DEMO_RENAMED);
    const emea = group(before, 'sales-emea');
    const europe = group(after, 'sales-europe');
    expect(europe.id).toBe(emea.id);
    expect(europe.members).toEqual(emea.members);
    expect(group(after, 'sales').members).not.toContain(userKey('carol'));
    expect(group(after, 'sales').members).toContain(europe.key);
    expect(after.users.find((u) => u.attributes.uid === 'dave')!.enabled).toBe(false);
  });

  it('is deterministic', async () => {
    expect(JSON.stringify(await read(DEMO))).toBe(JSON.stringify(await read(DEMO)));
  });

  it('probes counts and samples for validate', async () => {
    const probe = await probeDirectory(
      directoryConfig({ source: 'ldif', ldifFile: DEMO, groups: { baseDns: [`ou=groups,${BASE}`] }, users: { baseDns: [BASE] } }),
    );
    expect(probe).toMatchObject({ kind: 'ldif', vendor: 'openldap', groupCount: 6, userCount: 12 });
    expect(probe.sampleGroups[0]).toBe('analytics-admins');
    expect(probe.sampleUsers).toHaveLength(10);
  });
});

describe('members outside the bases', () => {
  const text = [
    `dn: ${BASE}\nobjectClass: organization\no: x\nentryUUID: ${derivedId('base')}\n`,
    person('alice'),
    person('carl', '', 'contractors'),
    person('olga', '', 'contractors'),
    groupOfNames('staff', [`uid=alice,ou=people,${BASE}`, `uid=carl,ou=contractors,${BASE}`, `cn=partners,ou=other,${BASE}`]),
    // Outside the group base; nests back into staff (a cycle across the base boundary) and into itself.
    groupOfNames('partners', [`uid=olga,ou=contractors,${BASE}`, `cn=staff,ou=groups,${BASE}`, `cn=partners,ou=other,${BASE}`], 'other'),
  ].join('\n');

  it('resolves them (outsideBase) and follows nested groups without looping', async () => {
    const snapshot = await read(text, { outsideMembers: 'resolve' });
    expect(snapshot.warnings).toEqual([]);
    const partners = group(snapshot, 'partners');
    expect(partners.outsideBase).toBe(true);
    expect(partners.members).toEqual([dnKey(`cn=partners,ou=other,${BASE}`), groupKey('staff'), dnKey(`uid=olga,ou=contractors,${BASE}`)].sort());
    expect(group(snapshot, 'staff').outsideBase).toBeUndefined();
    const outsideUsers = snapshot.users.filter((u) => u.outsideBase).map((u) => u.attributes.uid);
    expect(outsideUsers).toEqual(['carl', 'olga']);
    expect(snapshot.users.find((u) => u.attributes.uid === 'alice')!.outsideBase).toBeUndefined();
  });

  it('ignores them with a MEMBER_OUTSIDE_BASE warning naming each DN', async () => {
    const snapshot = await read(text, { outsideMembers: 'ignore' });
    expect(group(snapshot, 'staff').members).toEqual([userKey('alice')]);
    expect(snapshot.groups.map((g) => g.name)).toEqual(['staff']);
    expect(snapshot.warnings.map((w) => [w.code, w.subject])).toEqual([
      ['MEMBER_OUTSIDE_BASE', `cn=partners,ou=other,${BASE}`],
      ['MEMBER_OUTSIDE_BASE', `uid=carl,ou=contractors,${BASE}`],
    ]);
  });
});

describe('membership rules', () => {
  it('reports dangling members and members whose entry was skipped, and keeps them out', async () => {
    const text = [
      person('alice'),
      // no mail: skipped (mail is a configured attribute)
      `dn: uid=nomail,ou=people,${BASE}\nobjectClass: inetOrgPerson\nuid: nomail\ncn: n\nsn: n\ndisplayName: n\nentryUUID: ${derivedId('nomail')}\n`,
      `dn: uid=noid,ou=people,${BASE}\nobjectClass: inetOrgPerson\nuid: noid\ncn: n\nsn: n\nmail: n@x\ndisplayName: n\nentryUUID: not-a-uuid\n`,
      groupOfNames('g', [`uid=alice,ou=people,${BASE}`, `uid=ghost,ou=people,${BASE}`, `uid=nomail,ou=people,${BASE}`, `uid=noid,ou=people,${BASE}`]),
    ].join('\n');
    const snapshot = await read(text);
    expect(group(snapshot, 'g').members).toEqual([userKey('alice')]);
    expect(snapshot.users.map((u) => u.attributes.uid)).toEqual(['alice']);
    const codes = snapshot.warnings.map((w) => `${w.code} ${w.subject}`);
    expect(codes).toEqual(
      [
        `ENTRY_SKIPPED uid=noid,ou=people,${BASE}`,
        `ENTRY_SKIPPED uid=nomail,ou=people,${BASE}`,
        `MEMBER_SKIPPED uid=noid,ou=people,${BASE}`,
        `MEMBER_SKIPPED uid=nomail,ou=people,${BASE}`,
        `MEMBER_UNRESOLVED uid=ghost,ou=people,${BASE}`,
      ].sort(),
    );
    expect(snapshot.warnings.find((w) => w.code === 'ENTRY_SKIPPED' && w.subject?.startsWith('uid=nomail'))!.message).toMatch(/missing mail/);
  });

  it('warns about entries that share an id, naming the first holder, groups before users, whatever the order read', async () => {
    const shared = derivedId('one id');
    const withId = (entry: string, id: string): string => entry.replace(/entryUUID: .*/, `entryUUID: ${id}`);
    const entries = [
      withId(person('carol'), shared),
      person('alice'),
      withId(person('bob'), derivedId('user alice')),
      withId(groupOfNames('g', [`uid=alice,ou=people,${BASE}`]), shared),
    ];
    for (const order of [entries, [...entries].reverse()]) {
      const snapshot = await read(order.join('\n'));
      // Every entry is kept (the planner refuses what it cannot tell apart); each later holder is named.
      expect(snapshot.users.map((u) => u.attributes.uid).sort()).toEqual(['alice', 'bob', 'carol']);
      const duplicates = snapshot.warnings.filter((w) => w.code === 'DUPLICATE_ID').map((w) => w.message);
      expect(duplicates.sort()).toEqual(
        [
          `cn=g,ou=groups,${BASE} and uid=carol,ou=people,${BASE} have the same id ${shared}`,
          `${order === entries ? 'uid=alice' : 'uid=bob'},ou=people,${BASE} and ${order === entries ? 'uid=bob' : 'uid=alice'},ou=people,${BASE} have the same id ${derivedId('user alice')}`,
        ].sort(),
      );
    }
    // No warning when every id is unique.
    expect((await read([person('alice'), person('bob')].join('\n'))).warnings).toEqual([]);
  });

  it('only the attributes matching needs are required: a user without mail is still a member when matched by uid', async () => {
    const text = [
      person('alice'),
      `dn: uid=nomail,ou=people,${BASE}\nobjectClass: inetOrgPerson\nuid: nomail\ncn: n\nsn: n\nentryUUID: ${derivedId('nomail')}\n`,
      `dn: cn=nouid,ou=people,${BASE}\nobjectClass: inetOrgPerson\ncn: nouid\nsn: n\nmail: n@x\nentryUUID: ${derivedId('nouid')}\n`,
      groupOfNames('g', [`uid=alice,ou=people,${BASE}`, `uid=nomail,ou=people,${BASE}`, `cn=nouid,ou=people,${BASE}`]),
    ].join('\n');
    const snapshot = await read(text, { users: { requiredAttributes: ['uid'] } });
    expect(group(snapshot, 'g').members).toEqual([userKey('alice'), userKey('nomail')].sort());
    const nomail = snapshot.users.find((u) => u.attributes.uid === 'nomail')!;
    expect(nomail.attributes).toEqual({ uid: 'nomail' });
    expect(snapshot.warnings.map((w) => `${w.code} ${w.subject}`)).toEqual([`ENTRY_SKIPPED cn=nouid,ou=people,${BASE}`, `MEMBER_SKIPPED cn=nouid,ou=people,${BASE}`]);
    expect(snapshot.warnings[0]!.message).toMatch(/missing uid$/);
  });

  it('returns groups that nest each other (a cycle) with their direct members', async () => {
    const text = [
      person('alice'),
      groupOfNames('a', [`cn=b,ou=groups,${BASE}`, `uid=alice,ou=people,${BASE}`]),
      groupOfNames('b', [`cn=a,ou=groups,${BASE}`]),
      groupOfNames('self', [`cn=self,ou=groups,${BASE}`]),
    ].join('\n');
    const snapshot = await read(text);
    expect(group(snapshot, 'a').members).toEqual([groupKey('b'), userKey('alice')].sort());
    expect(group(snapshot, 'b').members).toEqual([groupKey('a')]);
    expect(group(snapshot, 'self').members).toEqual([groupKey('self')]);
  });

  it('resolves posixGroup memberUid through uid, and strips the optional UID of uniqueMember', async () => {
    const text = [
      person('alice'),
      person('Bob'),
      `dn: cn=posix,ou=groups,${BASE}\nobjectClass: posixGroup\ncn: posix\ngidNumber: 5000\nmemberUid: alice\nmemberUid: BOB\nmemberUid: nobody\nentryUUID: ${derivedId('posix')}\n`,
      `dn: cn=unique,ou=groups,${BASE}\nobjectClass: groupOfUniqueNames\ncn: unique\nuniqueMember: uid=alice,ou=people,${BASE}#'0101'B\nentryUUID: ${derivedId('unique')}\n`,
    ].join('\n');
    const snapshot = await read(text);
    expect(group(snapshot, 'posix').members).toEqual([userKey('alice'), userKey('bob')].sort());
    expect(group(snapshot, 'unique').members).toEqual([userKey('alice')]);
    expect(snapshot.warnings.map((w) => `${w.code} ${w.subject}`)).toEqual(['MEMBER_UNRESOLVED nobody']);
  });

  it('applies the configured filters and member attribute', async () => {
    const text = [person('alice'), person('bob'), groupOfNames('app-x', [`uid=alice,ou=people,${BASE}`]), groupOfNames('other', [`uid=bob,ou=people,${BASE}`])].join('\n');
    const snapshot = await read(text, { groups: { filter: '(&(objectClass=groupOfNames)(cn=app-*))' }, users: { filter: '(uid=alice)', attributes: ['uid'] } });
    expect(snapshot.groups.map((g) => g.name)).toEqual(['app-x']);
    expect(snapshot.users.map((u) => u.attributes)).toEqual([{ uid: 'alice' }]);
  });
});

describe('vendors and ids in exports', () => {
  it('reads an AD export: objectGUID ids, disabled bit, objectCategory filter', async () => {
    const base = 'DC=corp,DC=example';
    const guid = (n: number): string => `0000000${n}-1111-2222-3333-444455556666`;
    const user = (cn: string, uac: number, n: number): string =>
      `dn: CN=${cn},OU=Users,${base}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\nobjectCategory: CN=Person,CN=Schema,CN=Configuration,${base}\ncn: ${cn}\nsAMAccountName: ${cn.toLowerCase().replace(/\W/g, '')}\nuserPrincipalName: ${cn.toLowerCase().replace(/\W/g, '')}@corp.example\nuserAccountControl: ${uac}\nobjectGUID:: ${encodeObjectGuid(guid(n)).toString('base64')}\n`;
    const text = [
      user('Smith\\, John', 512, 1),
      user('Disabled Dan', 514, 2),
      `dn: CN=Computer1,OU=Users,${base}\nobjectClass: user\nobjectClass: computer\nobjectCategory: CN=Computer,CN=Schema,CN=Configuration,${base}\ncn: Computer1\nuserAccountControl: 4096\nobjectGUID:: ${encodeObjectGuid(guid(3)).toString('base64')}\n`,
      `dn: CN=Staff,OU=Groups,${base}\nobjectClass: group\ncn: Staff\nobjectGUID:: ${encodeObjectGuid(guid(4)).toString('base64')}\nmember: CN=Smith\\2C John,OU=Users,${base}\nmember: CN=Disabled Dan,OU=Users,${base}\n`,
    ].join('\n');
    const snapshot = await readDirectory(
      directoryConfig({
        source: 'ldif',
        ldifFile: ldifFile(text),
        groups: { baseDns: [`OU=Groups,${base}`] },
        users: { baseDns: [`OU=Users,${base}`], attributes: ['sAMAccountName', 'userPrincipalName'] },
      }),
    );
    expect(snapshot.users.map((u) => [u.id, u.attributes.sAMAccountName, u.enabled])).toEqual([
      [guid(2), 'disableddan', false],
      [guid(1), 'smithjohn', true],
    ]);
    expect(snapshot.groups[0]!.id).toBe(guid(4));
    expect(snapshot.groups[0]!.members).toEqual(snapshot.users.map((u) => u.key));
    expect(snapshot.warnings).toEqual([]);
  });

  it('reads memberUid in an AD export as uid values, not DNs', async () => {
    const base = 'DC=corp,DC=example';
    const guid = (n: number): string => `0000000${n}-1111-2222-3333-444455556666`;
    const text = [
      `dn: CN=Ann,OU=Users,${base}\nobjectClass: user\nobjectCategory: CN=Person,CN=Schema,CN=Configuration,${base}\ncn: Ann\nuid: ann\nobjectGUID:: ${encodeObjectGuid(guid(1)).toString('base64')}\n`,
      `dn: CN=Unix,OU=Groups,${base}\nobjectClass: group\ncn: Unix\nmemberUid: ann\nobjectGUID:: ${encodeObjectGuid(guid(2)).toString('base64')}\n`,
    ].join('\n');
    const readText = (ldif: string) =>
      readDirectory(
        directoryConfig({
          source: 'ldif',
          kind: 'activeDirectory',
          ldifFile: ldifFile(ldif),
          groups: { baseDns: [`OU=Groups,${base}`], memberAttribute: 'memberUid' },
          users: { baseDns: [`OU=Users,${base}`], attributes: ['uid'] },
        }),
      );
    const snapshot = await readText(text);
    expect(snapshot.groups[0]!.members).toEqual([dnKey(`CN=Ann,OU=Users,${base}`)]);
    expect(snapshot.warnings).toEqual([]);
    // AD cuts memberUid into ranges as it does member: a cut one is not an empty group.
    const ranged = text.replace('memberUid: ann\n', 'memberUid;range=0-0: ann\n');
    await expect(readText(ranged)).rejects.toMatchObject({ code: 'DIRECTORY_INCOMPLETE', message: expect.stringContaining(`CN=Unix,OU=Groups,${base} holds only part of memberUid`) });
    const whole = await readText(text.replace('memberUid: ann\n', 'memberUid;range=0-*: ann\n'));
    expect(whole.groups[0]!.members).toEqual([dnKey(`CN=Ann,OU=Users,${base}`)]);
  });

  it('derives stable ids from DNs when an export has neither objectGUID nor entryUUID, and says so once', async () => {
    const text = `dn: uid=a,ou=people,${BASE}\nobjectClass: inetOrgPerson\nuid: a\nmail: a@x\ndisplayName: A\n\ndn: cn=g,ou=groups,${BASE}\nobjectClass: groupOfNames\ncn: g\nmember: uid=a,ou=people,${BASE}\n`;
    const first = await read(text);
    const second = await read(text);
    expect(first.users[0]!.id).toBe(derivedId(userKey('a')));
    expect(first.groups[0]!.id).toBe(second.groups[0]!.id);
    expect(first.warnings.map((w) => w.code)).toEqual(['ID_DERIVED']);
  });
});

describe('failures', () => {
  it('an AD export cut by range retrieval (member;range=0-1) fails the read; a range ending in * is whole', async () => {
    const cut = `${person('a')}${person('b')}${person('c')}dn: cn=big,ou=groups,${BASE}\nobjectClass: groupOfNames\ncn: big\nentryUUID: ${derivedId('group big')}\nmember;range=0-1: uid=a,ou=people,${BASE}\nmember;range=0-1: uid=b,ou=people,${BASE}\n`;
    await expect(read(cut)).rejects.toMatchObject({
      code: 'DIRECTORY_INCOMPLETE',
      message: expect.stringContaining(`cn=big,ou=groups,${BASE} holds only part of member (values 0-1, cut`),
    });
    const whole = await read(cut.replaceAll('member;range=0-1:', 'member;range=0-*:'));
    expect(group(whole, 'big').members).toEqual([userKey('a'), userKey('b')]);
  });

  it('a missing file, a duplicate DN, a bad filter or no file configured are errors', async () => {
    await expect(read(join(dir, 'missing.ldif'))).rejects.toMatchObject({ code: 'DIRECTORY_LDIF', message: expect.stringContaining('missing.ldif') });
    const duplicate = `${person('a')}\ndn: UID=A,ou=people,${BASE}\nobjectClass: inetOrgPerson\n`;
    await expect(read(duplicate)).rejects.toMatchObject({ code: 'DIRECTORY_LDIF', message: expect.stringMatching(/:11: entry .* already appears at line 1/) });
    await expect(read(person('a'), { groups: { filter: '(cn=unbalanced' } })).rejects.toBeInstanceOf(DirectoryError);
    await expect(readDirectory(directoryConfig({ source: 'ldif', groups: { baseDns: [BASE] }, users: { baseDns: [BASE] } }))).rejects.toBeInstanceOf(ConfigError);
    const bases = await readDirectory(directoryConfig({ source: 'ldif', ldifFile: DEMO, users: { baseDns: ['not a dn'] } })).catch((e: unknown) => e);
    expect((bases as ConfigError).problems).toEqual([
      { path: 'directory.groups.baseDns', message: 'at least one base DN is required' },
      { path: 'directory.users.baseDns[0]', message: 'not a DN: not a dn' },
    ]);
  });
});
