// The reader against a real OpenLDAP server (slapd, started per file from a temporary folder):
// TLS (StartTLS and LDAPS with a CA file, wrong CA, wrong name), binds, plain-LDAP refusal,
// failover, paging, size limits, timeouts, a server killed or restarted mid-read, referrals,
// nested groups with a cycle, DNs with escaped commas and non-ASCII names, entryUUID ids, and the
// same snapshot from the live server as from the LDIF file it was loaded from.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryConfig } from '../../src/config/types.ts';
import { dnKey, probeDirectory, readDirectory, type DirectorySnapshot, type PageEvent } from '../../src/directory/index.ts';
import { ConfigError, DirectoryError, SyncError } from '../../src/errors.ts';
import { LdapSession } from '../../src/directory/connection.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { fixtureUuid, ldifEntry, openldapBulkLdif } from '../support/ldif-fixtures.ts';
import { freezeProcess, requireServer, thawProcess } from '../support/servers.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';
import { directoryConfig, type DirectoryConfigOverrides } from './config.ts';

/** Pages a search may be read ahead of its page hooks: the next one, asked for before the last page's hook runs. */
const READ_AHEAD = 1;
const SUFFIX = 'dc=example,dc=test';
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const BULK_USERS = 250;
const READER_DN = `cn=reader,${SUFFIX}`;
const READER_PASSWORD = 'reader-secret-0451';

const SMITH = `cn=Smith\\, John,${PEOPLE}`;
const ZOE = `cn=Zoë Ångström,${PEOPLE}`;
const userDn = (i: number): string => `uid=u${String(i).padStart(5, '0')},${PEOPLE}`;

function fixture(): string {
  const parts: string[] = [
    ldifEntry(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'example' }),
    ldifEntry(PEOPLE, { objectClass: 'organizationalUnit', ou: 'people' }),
    ldifEntry(GROUPS, { objectClass: 'organizationalUnit', ou: 'groups' }),
    ldifEntry(`ou=partners,${SUFFIX}`, { objectClass: 'organizationalUnit', ou: 'partners' }),
    ldifEntry(READER_DN, { objectClass: ['organizationalRole', 'simpleSecurityObject'], cn: 'reader', userPassword: READER_PASSWORD }),
  ];
  for (let i = 0; i < BULK_USERS; i++) {
    const uid = `u${String(i).padStart(5, '0')}`;
    parts.push(ldifEntry(userDn(i), { objectClass: 'inetOrgPerson', uid, cn: uid, sn: uid, mail: `${uid}@example.test`, displayName: `User ${i}`, entryUUID: fixtureUuid(userDn(i)) }));
  }
  parts.push(
    ldifEntry(SMITH, { objectClass: 'inetOrgPerson', uid: 'jsmith', cn: 'Smith, John', sn: 'Smith', mail: 'jsmith@example.test', displayName: 'John Smith', entryUUID: fixtureUuid(SMITH) }),
    ldifEntry(ZOE, { objectClass: 'inetOrgPerson', uid: 'zoe', cn: 'Zoë Ångström', sn: 'Ångström', mail: 'zoe@example.test', displayName: 'Zoë Ångström', entryUUID: fixtureUuid(ZOE) }),
    ldifEntry(`uid=locked,${PEOPLE}`, { objectClass: 'inetOrgPerson', uid: 'locked', cn: 'locked', sn: 'locked', mail: 'locked@example.test', displayName: 'Locked Out', pwdAccountLockedTime: '000001010000Z', entryUUID: fixtureUuid('locked') }),
    ldifEntry(`uid=pat,ou=partners,${SUFFIX}`, { objectClass: 'inetOrgPerson', uid: 'pat', cn: 'pat', sn: 'pat', mail: 'pat@partner.test', displayName: 'Pat Partner', entryUUID: fixtureUuid('pat') }),
    // Every bulk user; some member values in another case than the entries' DNs.
    ldifEntry(`cn=big,${GROUPS}`, {
      objectClass: 'groupOfNames',
      cn: 'big',
      description: 'All bulk users',
      member: Array.from({ length: BULK_USERS }, (_, i) => (i % 2 === 0 ? userDn(i) : userDn(i).toUpperCase().replace('UID=U', 'UID=u'))),
      entryUUID: fixtureUuid('big'),
    }),
    // a -> b -> a: a cycle; c -> a.
    ldifEntry(`cn=a,${GROUPS}`, { objectClass: 'groupOfNames', cn: 'a', member: [`cn=b,${GROUPS}`, SMITH], entryUUID: fixtureUuid('a') }),
    ldifEntry(`cn=b,${GROUPS}`, { objectClass: 'groupOfNames', cn: 'b', member: [`cn=a,${GROUPS}`, ZOE], entryUUID: fixtureUuid('b') }),
    ldifEntry(`cn=c,${GROUPS}`, { objectClass: 'groupOfNames', cn: 'c', member: [`cn=a,${GROUPS}`], entryUUID: fixtureUuid('c') }),
    // Escaped comma in the group's own name; members written with hex escapes.
    ldifEntry(`cn=Sales\\, EMEA,${GROUPS}`, {
      objectClass: 'groupOfNames',
      cn: 'Sales, EMEA',
      member: [`CN=Smith\\2C John,OU=People,DC=example,DC=test`, `cn=Zo\\C3\\AB \\C3\\85ngstr\\C3\\B6m,ou=people,dc=example,dc=test`],
      entryUUID: fixtureUuid('sales'),
    }),
    ldifEntry(`cn=posix,${GROUPS}`, { objectClass: 'posixGroup', cn: 'posix', gidNumber: '5000', memberUid: ['jsmith', 'ZOE'], entryUUID: fixtureUuid('posix') }),
    ldifEntry(`cn=unique,${GROUPS}`, { objectClass: 'groupOfUniqueNames', cn: 'unique', uniqueMember: [`uid=locked,${PEOPLE}`], entryUUID: fixtureUuid('unique') }),
    ldifEntry(`cn=with-partner,${GROUPS}`, { objectClass: 'groupOfNames', cn: 'with-partner', member: [`uid=pat,ou=partners,${SUFFIX}`, userDn(0)], entryUUID: fixtureUuid('with-partner') }),
  );
  return parts.join('');
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the read to fail, it returned a snapshot');
  return error;
}

const available = requireServer('slapd');

describe.skipIf(!available)('OpenLDAP (slapd)', () => {
  let server: SlapdServer;

  beforeAll(async () => {
    server = await startSlapd({
      suffix: SUFFIX,
      ldif: fixture(),
      // The reader account may fetch at most 100 entries per paged search: for the size-limit test.
      databaseConfig: [`limits dn.exact="${READER_DN}" size.prtotal=100`],
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const config = (overrides: DirectoryConfigOverrides = {}): DirectoryConfig =>
    directoryConfig({
      urls: [server.url],
      startTls: true,
      caFile: server.caFile,
      bindDn: server.rootDn,
      bindPassword: server.rootPassword,
      pageSize: 100,
      ...overrides,
      groups: { baseDns: [GROUPS], ...overrides.groups },
      users: { baseDns: [PEOPLE], ...overrides.users },
    });

  describe('a full read over StartTLS', () => {
    let snapshot: DirectorySnapshot;
    beforeAll(async () => {
      snapshot = await readDirectory(config());
    });

    it('returns every group and user, sorted, with entryUUID ids', () => {
      expect(snapshot.kind).toBe('openldap');
      expect(snapshot.source).toBe(server.url);
      expect(snapshot.groups.map((g) => g.name)).toEqual(['a', 'b', 'big', 'c', 'posix', 'Sales, EMEA', 'unique', 'with-partner']);
      expect(snapshot.users).toHaveLength(BULK_USERS + 3 + 1); // + jsmith, zoe, locked; + pat resolved from outside
      expect(snapshot.users.map((u) => u.key)).toEqual(snapshot.users.map((u) => u.key).sort());
      expect(snapshot.users.find((u) => u.key === dnKey(SMITH))!.id).toBe(fixtureUuid(SMITH));
      expect(snapshot.groups.find((g) => g.name === 'big')!.id).toBe(fixtureUuid('big'));
      expect(snapshot.warnings).toEqual([]);
    });

    it('reads a 250-member group fully, whatever the case of the member values', () => {
      const big = snapshot.groups.find((g) => g.name === 'big')!;
      expect(big.members).toHaveLength(BULK_USERS);
      expect(big.members).toEqual(Array.from({ length: BULK_USERS }, (_, i) => dnKey(userDn(i))).sort());
      expect(big.description).toBe('All bulk users');
    });

    it('returns nested groups with a cycle as a graph of direct members', () => {
      const members = (name: string): string[] => snapshot.groups.find((g) => g.name === name)!.members;
      expect(members('a')).toEqual([dnKey(`cn=b,${GROUPS}`), dnKey(SMITH)].sort());
      expect(members('b')).toEqual([dnKey(`cn=a,${GROUPS}`), dnKey(ZOE)].sort());
      expect(members('c')).toEqual([dnKey(`cn=a,${GROUPS}`)]);
    });

    it('matches DNs with escaped commas and non-ASCII names however the member values are escaped', () => {
      const sales = snapshot.groups.find((g) => g.name === 'Sales, EMEA')!;
      expect(sales.key).toBe(dnKey(`cn=Sales\\2C EMEA,${GROUPS}`));
      expect(sales.dn).toMatch(/^cn=Sales\\(2C|,) EMEA,/); // slapd returns it as cn=Sales\2C EMEA
      expect(sales.members).toEqual([dnKey(SMITH), dnKey(ZOE)].sort());
      const zoe = snapshot.users.find((u) => u.attributes.uid === 'zoe')!;
      expect(zoe.key).toBe(dnKey(ZOE));
      expect(zoe.attributes.displayName).toBe('Zoë Ångström');
    });

    it('resolves memberUid, uniqueMember and a member outside the user base', () => {
      const members = (name: string): string[] => snapshot.groups.find((g) => g.name === name)!.members;
      expect(members('posix')).toEqual([dnKey(SMITH), dnKey(ZOE)].sort());
      expect(members('unique')).toEqual([dnKey(`uid=locked,${PEOPLE}`)]);
      const pat = snapshot.users.find((u) => u.attributes.uid === 'pat')!;
      expect(pat.outsideBase).toBe(true);
      expect(members('with-partner')).toEqual([pat.key, dnKey(userDn(0))].sort());
    });

    it('marks a ppolicy-locked account disabled', () => {
      expect(snapshot.users.filter((u) => !u.enabled).map((u) => u.attributes.uid)).toEqual(['locked']);
    });

    it('gives the same snapshot over LDAPS', async () => {
      const overLdaps = await readDirectory(config({ urls: [server.ldapsUrl!], startTls: false }));
      expect({ ...overLdaps, source: '' }).toEqual({ ...snapshot, source: '' });
    });

    it('gives the same snapshot with small pages, reading across many pages', async () => {
      const pages: PageEvent[] = [];
      const paged = await readDirectory(config({ pageSize: 7 }), { onPage: (event) => void pages.push(event) });
      expect(paged).toEqual(snapshot);
      const userPages = pages.filter((p) => p.base === PEOPLE);
      expect(userPages.length).toBe(Math.ceil((BULK_USERS + 3) / 7));
      expect(userPages.every((p) => p.entries <= 7)).toBe(true);
      expect(userPages.at(-1)!.total).toBe(BULK_USERS + 3);
    });

    it('sends a filter with escaped UTF-8 (Zo\\c3\\ab) as the characters it stands for', async () => {
      const filter = '(&(objectClass=inetOrgPerson)(cn=Zo\\c3\\ab \\C3\\85ngstr*))';
      const read = await readDirectory(config({ users: { filter } }));
      expect(read.users.filter((u) => !u.outsideBase).map((u) => u.attributes.uid)).toEqual(['zoe']);
      const session = await LdapSession.open(server.url, config(), { logger: silentLogger() });
      try {
        const { entries } = await session.search({ base: ZOE, scope: 'base', filter, attributes: ['uid'], paged: false });
        expect(entries.map((e) => e.dn)).toEqual([ZOE]);
      } finally {
        await session.close();
      }
    });

    it('reports members outside the bases when told to ignore them', async () => {
      const ignoring = await readDirectory(config({ outsideMembers: 'ignore' }));
      expect(ignoring.users.some((u) => u.attributes.uid === 'pat')).toBe(false);
      expect(ignoring.warnings).toEqual([expect.objectContaining({ code: 'MEMBER_OUTSIDE_BASE', subject: `uid=pat,ou=partners,${SUFFIX}` })]);
    });
  });

  describe('TLS and binds', () => {
    it('rejects a server certificate from another CA (StartTLS and LDAPS)', async () => {
      for (const overrides of [{}, { urls: [server.ldapsUrl!], startTls: false }]) {
        const error = await failure(readDirectory(config({ ...overrides, caFile: server.otherCaFile })));
        expect(error).toBeInstanceOf(DirectoryError);
        expect((error as DirectoryError).code).toBe('DIRECTORY_TLS');
        expect(error.message).toContain('127.0.0.1');
      }
    });

    it('checks the server name', async () => {
      const error = await failure(readDirectory(config({ serverName: 'ldap.elsewhere.test' })));
      expect((error as DirectoryError).code).toBe('DIRECTORY_TLS');
      expect(error.message).toMatch(/ldap\.elsewhere\.test/);
      // The certificate carries DNS:localhost: that name is accepted for 127.0.0.1.
      await expect(readDirectory(config({ serverName: 'localhost' }))).resolves.toMatchObject({ kind: 'openldap' });
    });

    it('reads over TLS without a CA file only when verification is off', async () => {
      const error = await failure(readDirectory(config({ caFile: undefined })));
      expect((error as DirectoryError).code).toBe('DIRECTORY_TLS');
      await expect(readDirectory(config({ caFile: undefined, tlsVerify: false }))).resolves.toMatchObject({ kind: 'openldap' });
    });

    it('says clearly that a wrong password was rejected, without the password', async () => {
      const lines: string[] = [];
      const logger = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => void lines.push(line) } });
      const error = await failure(readDirectory(config({ bindDn: READER_DN, bindPassword: 'wrong-password-1234' }), { logger }));
      expect(error).toBeInstanceOf(DirectoryError);
      expect((error as DirectoryError).code).toBe('DIRECTORY_BIND');
      expect(error.message).toBe(`bind as ${READER_DN} to ${server.url} failed: invalid credentials`);
      expect(JSON.stringify(error) + String(error.stack) + lines.join('')).not.toContain('wrong-password-1234');
    });

    it('refuses plain ldap:// unless allowInsecure is set', async () => {
      const error = await failure(readDirectory(config({ startTls: false })));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/directory\.startTls: .*clear text/);
      const lines: string[] = [];
      const logger = createLogger({ level: 'warn', format: 'json', destination: { write: (line: string) => void lines.push(line) } });
      await expect(readDirectory(config({ startTls: false, allowInsecure: true }), { logger })).resolves.toMatchObject({ kind: 'openldap' });
      // Said once per read, though the read opens two connections (the group and user searches).
      expect(lines.filter((line) => line.includes('credentials and data travel in clear text'))).toHaveLength(1);
    });

    it('fails over to the next URL when one cannot be reached, and names every URL when none can', async () => {
      const closed = `ldap://127.0.0.1:1`;
      await expect(readDirectory(config({ urls: [closed, server.url] }))).resolves.toMatchObject({ source: server.url });
      const error = await failure(readDirectory(config({ urls: [closed, 'ldap://127.0.0.1:2'] })));
      expect((error as DirectoryError).code).toBe('DIRECTORY_CONNECT');
      expect(error.message).toMatch(/127\.0\.0\.1:1\b.*127\.0\.0\.1:2\b/);
    });

    it('probes for validate', async () => {
      const probe = await probeDirectory(config());
      expect(probe).toMatchObject({ kind: 'openldap', vendor: 'openldap', groupCount: 8, userCount: BULK_USERS + 3 });
      expect(probe.sampleGroups).toEqual(['a', 'b', 'big', 'c', 'posix', 'Sales, EMEA', 'unique', 'with-partner']);
    });
  });

  describe('fails closed', () => {
    it('aborts on a server size limit instead of returning the entries it got', async () => {
      const error = await failure(readDirectory(config({ bindDn: READER_DN, bindPassword: READER_PASSWORD, pageSize: 50 })));
      expect((error as DirectoryError).code).toBe('DIRECTORY_SEARCH');
      expect(error.message).toMatch(new RegExp(`search of "${PEOPLE}" with filter \\(objectClass=inetOrgPerson\\) on ${server.url.replace(/\./g, '\\.')} at page \\d+ failed: .*LDAP result 4`));
    });

    it('aborts when a base DN does not exist instead of reading it as empty', async () => {
      const error = await failure(readDirectory(config({ groups: { baseDns: [`ou=gone,${SUFFIX}`] } })));
      expect((error as DirectoryError).code).toBe('DIRECTORY_SEARCH');
      expect(error.message).toMatch(/search of "ou=gone,dc=example,dc=test" .* failed: .*LDAP result 32/);
    });

    it('aborts when an operation times out (server frozen mid-read)', async () => {
      let frozen = false;
      try {
        const error = await failure(
          readDirectory(config({ pageSize: 50, timeoutMs: 800 }), {
            onPage: async (event) => {
              if (event.base === PEOPLE && event.page === 1) {
                frozen = true;
                await freezeProcess(server.pid);
              }
            },
          }),
        );
        expect(frozen).toBe(true);
        expect((error as DirectoryError).code).toBe('DIRECTORY_SEARCH');
        // Pages are pipelined: whichever page was on its way at the freeze is the one that times out.
        const page = Number(/search of "ou=people,dc=example,dc=test" .* at page (\d+) timed out after 800 ms/.exec(error.message)?.[1]);
        expect(page).toBeGreaterThanOrEqual(2);
        expect(page).toBeLessThanOrEqual(2 + READ_AHEAD);
      } finally {
        if (frozen) thawProcess(server.pid);
      }
    });

    it('takes nothing in from the page on its way when the search fails (the page hook throws)', async () => {
      // The next page is asked for before the hook of the last one runs; the search fails in the
      // hook, and what the server still sends of the next page must not reach the entry callback.
      const cfg = config({ pageSize: 20 });
      const session = await LdapSession.open(server.url, cfg, {
        logger: silentLogger(),
        onPage: (event) => {
          if (event.page === 1) throw new Error('hook failed');
        },
      });
      try {
        let taken = 0;
        const error = await failure(session.searchEach({ base: PEOPLE, scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'], paged: true }, () => void taken++));
        expect(error.message).toContain('hook failed');
        // A base read on the same connection afterwards gives the rest of the second page time to come.
        await session.search({ base: PEOPLE, scope: 'base', filter: '(objectClass=*)', attributes: ['ou'], paged: false });
        expect(taken).toBe(20);
      } finally {
        await session.close();
      }
    });

    it('aborts when the abort signal fires', async () => {
      const controller = new AbortController();
      const error = await failure(
        readDirectory(config({ pageSize: 20 }), { signal: controller.signal, onPage: (event) => (event.page === 2 ? controller.abort() : undefined) }),
      );
      expect(error).toBeInstanceOf(SyncError);
      expect((error as SyncError).code).toBe('ABORTED');
    });
  });
});

describe.skipIf(!available)('OpenLDAP killed or restarted mid-read', () => {
  const USERS = 3000;
  let server: SlapdServer;
  beforeAll(async () => {
    server = await startSlapd({ suffix: SUFFIX, ldif: openldapBulkLdif({ suffix: SUFFIX, users: USERS, groups: 20, membersPerGroup: 10 }) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const config = (): DirectoryConfig =>
    directoryConfig({
      urls: [server.url],
      startTls: true,
      caFile: server.caFile,
      bindDn: server.rootDn,
      bindPassword: server.rootPassword,
      pageSize: 100,
      groups: { baseDns: [GROUPS] },
      users: { baseDns: [PEOPLE] },
    });

  it('throws when the server is killed after the first page: no snapshot', async () => {
    const pages: PageEvent[] = [];
    const error = await failure(
      readDirectory(config(), {
        onPage: async (event) => {
          pages.push(event);
          if (event.base === PEOPLE && event.page === 1) await server.kill('SIGKILL');
        },
      }),
    );
    // Pages are pipelined: the page already on its way when the server died may still be taken
    // in; the read fails all the same.
    expect(pages.filter((p) => p.base === PEOPLE).length).toBeLessThanOrEqual(2);
    expect(error).toBeInstanceOf(DirectoryError);
    expect((error as DirectoryError).code).toBe('DIRECTORY_CONNECT');
    expect(error.message).toContain(server.url);
    expect(error.message).toMatch(/lost/);
  });

  it('throws when the server is killed while a page is on its way', async () => {
    await server.restart();
    const error = await failure(
      readDirectory(config(), {
        onPage: (event) => {
          // Not awaited: the next page request goes out while the server dies.
          if (event.base === PEOPLE && event.page === 2) void server.kill('SIGKILL');
        },
      }),
    );
    expect((error as DirectoryError).code).toBe('DIRECTORY_CONNECT');
    expect(error.message).toMatch(new RegExp(`lost during the search of "${PEOPLE}" with filter \\(objectClass=inetOrgPerson\\) on ${server.url.replace(/\./g, '\\.')} at page \\d+`));
  });

  it('throws when the server comes back between pages (no silent reconnect)', async () => {
    await server.restart();
    const complete = await readDirectory(config());
    expect(complete.users).toHaveLength(USERS);
    const error = await failure(
      readDirectory(config(), {
        onPage: async (event) => {
          if (event.base === PEOPLE && event.page === 3) await server.restart();
        },
      }),
    );
    expect((error as DirectoryError).code).toBe('DIRECTORY_CONNECT');
    // The first page asked for of the restarted server fails: page 4, or a later one by as many
    // pages as the reader reads ahead.
    // Whether the server's notice of disconnection or the closed socket comes first, the error
    // names the search and the page: "lost during the search ... at page N", or "lost; page N of
    // the search ... not attempted".
    expect(error.message).toContain(`search of "${PEOPLE}"`);
    const page = Number(/\bpage (\d+)\b/.exec(error.message)?.[1]);
    expect(page).toBeGreaterThanOrEqual(4);
    expect(page).toBeLessThanOrEqual(4 + READ_AHEAD);
  });
});

/** Established TCP connections from this machine to `url`'s port, once closing ones are gone (up to 2 s). */
async function settledConnections(url: string): Promise<number> {
  const port = Number(new URL(url).port).toString(16).toUpperCase().padStart(4, '0');
  const count = (): number =>
    readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[2]?.endsWith(`:${port}`) && fields[3] === '01').length;
  for (let waited = 0; waited < 2000 && count() > 0; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return count();
}

describe.skipIf(!available)('referrals', () => {
  let home: SlapdServer;
  let remote: SlapdServer;
  beforeAll(async () => {
    remote = await startSlapd({
      suffix: SUFFIX,
      ldif: [
        ldifEntry(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'example' }),
        ldifEntry(PEOPLE, { objectClass: 'organizationalUnit', ou: 'people' }),
        ldifEntry(`ou=remote,${PEOPLE}`, { objectClass: 'organizationalUnit', ou: 'remote' }),
        ldifEntry(`uid=faraway,ou=remote,${PEOPLE}`, { objectClass: 'inetOrgPerson', uid: 'faraway', cn: 'f', sn: 'f', mail: 'f@x', displayName: 'F', entryUUID: fixtureUuid('faraway') }),
        ldifEntry(GROUPS, { objectClass: 'organizationalUnit', ou: 'groups' }),
        ldifEntry(`ou=remote,${GROUPS}`, { objectClass: 'organizationalUnit', ou: 'remote' }),
        ldifEntry(`cn=far-team,ou=remote,${GROUPS}`, { objectClass: 'groupOfNames', cn: 'far-team', member: `uid=faraway,ou=remote,${PEOPLE}`, entryUUID: fixtureUuid('far-team') }),
      ].join(''),
    });
    home = await startSlapd({
      suffix: SUFFIX,
      certificates: remote.certificates,
      rootPassword: remote.rootPassword,
      ldif: [
        ldifEntry(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'example' }),
        ldifEntry(PEOPLE, { objectClass: 'organizationalUnit', ou: 'people' }),
        ldifEntry(GROUPS, { objectClass: 'organizationalUnit', ou: 'groups' }),
        ldifEntry(`uid=near,${PEOPLE}`, { objectClass: 'inetOrgPerson', uid: 'near', cn: 'n', sn: 'n', mail: 'n@x', displayName: 'N', entryUUID: fixtureUuid('near') }),
        ldifEntry(`ou=remote,${PEOPLE}`, { objectClass: ['referral', 'extensibleObject'], ou: 'remote', ref: `${remote.url}/ou=remote,${PEOPLE}` }),
        ldifEntry(`ou=remote,${GROUPS}`, { objectClass: ['referral', 'extensibleObject'], ou: 'remote', ref: `${remote.url}/ou=remote,${GROUPS}` }),
      ].join(''),
    });
  });
  afterAll(async () => {
    await home?.stop();
    await remote?.stop();
  });

  const config = (followReferrals: boolean): DirectoryConfig =>
    directoryConfig({
      urls: [home.url],
      startTls: true,
      caFile: home.caFile,
      bindDn: home.rootDn,
      bindPassword: home.rootPassword,
      followReferrals,
      groups: { baseDns: [GROUPS] },
      users: { baseDns: [PEOPLE] },
    });

  it('ignores continuation references unless configured, and says so in a warning per search', async () => {
    const snapshot = await readDirectory(config(false));
    expect(snapshot.users.map((u) => u.attributes.uid)).toEqual(['near']);
    expect(snapshot.warnings.map((w) => [w.code, w.subject])).toEqual([
      ['REFERRAL_NOT_FOLLOWED', GROUPS],
      ['REFERRAL_NOT_FOLLOWED', PEOPLE],
    ]);
    expect(snapshot.warnings[1]!.message).toContain(`a continuation reference (${remote.url}/ou=remote,${PEOPLE}??sub) that was not followed (directory.followReferrals is off)`);
  });

  it('a read of an entry held by another server (LDAP result 10) fails with what to do about it', async () => {
    const session = await LdapSession.open(home.url, config(false), { logger: silentLogger() });
    try {
      const error = await session.search({ base: `uid=faraway,ou=remote,${PEOPLE}`, scope: 'base', filter: '(objectClass=*)', attributes: ['uid'], paged: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DIRECTORY_SEARCH', message: expect.stringMatching(/\(LDAP result 10\); the entry is held by another server .* directory\.outsideMembers to ignore$/) });
    } finally {
      await session.close();
    }
  });

  it('follows them with the same TLS settings and credentials when configured', async () => {
    const snapshot = await readDirectory(config(true));
    expect(snapshot.users.map((u) => u.attributes.uid).sort()).toEqual(['faraway', 'near']);
    expect(snapshot.groups.map((g) => [g.name, g.members])).toEqual([['far-team', [dnKey(`uid=faraway,ou=remote,${PEOPLE}`)]]]);
    expect(snapshot.warnings).toEqual([]);
  });

  it('gives each search that follows a referral to the same server a connection of its own, and closes them all', async () => {
    // The group and the user search both end in a referral to the remote server, at about the
    // same time: each pages on a connection of its own (OpenLDAP keeps one paged search per
    // connection), and none is left open after the read.
    for (let run = 0; run < 5; run++) {
      const snapshot = await readDirectory(config(true));
      expect(snapshot.groups.map((g) => g.name)).toEqual(['far-team']);
      expect(snapshot.users).toHaveLength(2);
      expect(await settledConnections(remote.url)).toBe(0);
    }
  });
});

describe.skipIf(!available)('the demo directory on slapd', () => {
  it('gives the same groups and users as reading the LDIF file', async () => {
    const demo = new URL('../../config/demo/directory.ldif', import.meta.url).pathname;
    const server = await startSlapd({ suffix: 'dc=example,dc=com', ldif: demo });
    try {
      const base = directoryConfig({
        groups: { baseDns: ['ou=groups,dc=example,dc=com'] },
        users: { baseDns: ['ou=people,dc=example,dc=com'] },
      });
      const live = await readDirectory({ ...base, urls: [server.ldapsUrl!], caFile: server.caFile, bindDn: server.rootDn, bindPassword: server.rootPassword });
      const file = await readDirectory({ ...base, source: 'ldif', ldifFile: demo });
      // slapd writes an escaped comma as \2C in the DNs it returns; the keys are the same.
      const withoutDn = <T extends { dn: string }>(items: T[]): Array<Omit<T, 'dn'>> => items.map(({ dn: _dn, ...rest }) => rest);
      expect(withoutDn(live.groups)).toEqual(withoutDn(file.groups));
      expect(withoutDn(live.users)).toEqual(withoutDn(file.users));
      expect(live.users.map((u) => dnKey(u.dn))).toEqual(file.users.map((u) => dnKey(u.dn)));
      expect(live.warnings).toEqual(file.warnings);
    } finally {
      await server.stop();
    }
  });
});
