// The reader against a real Samba Active Directory domain controller (one per file: Samba takes
// the fixed ports 389/636): StartTLS and LDAPS with a CA file, a wrong CA, a wrong password, the
// bind Samba refuses without TLS, vendor detection, objectGUID ids checked against the server's
// own text form, a 2,000-member group read fully through range retrieval (member and memberUid),
// disabled accounts, nested groups with a cycle, DNs with escaped commas and non-ASCII names,
// members outside the bases, paging.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryConfig } from '../../src/config/types.ts';
import { dnKey, readDirectory, type DirectorySnapshot, type PageEvent } from '../../src/directory/index.ts';
import { ConfigError, DirectoryError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { ldifEntry } from '../support/ldif-fixtures.ts';
import { startSamba, type SambaServer } from '../support/samba.ts';
import { requireServer } from '../support/servers.ts';
import { directoryConfig, type DirectoryConfigOverrides } from './config.ts';

const BASE = 'DC=example,DC=test';
const PEOPLE = `OU=People,${BASE}`;
const GROUPS = `OU=Groups,${BASE}`;
const PARTNERS = `OU=Partners,${BASE}`;
const UNIX = `OU=Unix,${BASE}`;
const BIG = 2000;
const SMITH = `CN=Smith\\, John,${PEOPLE}`;
const ZOE = `CN=Zoë Ångström,${PEOPLE}`;
const userDn = (i: number): string => `CN=User ${String(i).padStart(4, '0')},${PEOPLE}`;

function user(dn: string, sam: string, extra: Record<string, string> = {}): string {
  return ldifEntry(dn, {
    objectClass: 'user',
    sAMAccountName: sam,
    userPrincipalName: `${sam}@example.test`,
    uid: sam,
    mail: `${sam}@example.test`,
    displayName: extra.displayName ?? sam,
    userAccountControl: extra.userAccountControl ?? '512',
  });
}

function fixture(): { ldif: string; modifyLdif: string } {
  const parts = [
    ldifEntry(PEOPLE, { objectClass: 'organizationalUnit', ou: 'People' }),
    ldifEntry(GROUPS, { objectClass: 'organizationalUnit', ou: 'Groups' }),
    ldifEntry(PARTNERS, { objectClass: 'organizationalUnit', ou: 'Partners' }),
    ldifEntry(UNIX, { objectClass: 'organizationalUnit', ou: 'Unix' }),
  ];
  for (let i = 0; i < BIG; i++) parts.push(user(userDn(i), `u${String(i).padStart(4, '0')}`));
  parts.push(
    user(SMITH, 'jsmith', { displayName: 'John Smith' }),
    user(ZOE, 'zoe', { displayName: 'Zoë Ångström' }),
    user(`CN=Dora Disabled,${PEOPLE}`, 'dora', { userAccountControl: '514' }),
    user(`CN=Pat Partner,${PARTNERS}`, 'pat'),
    ldifEntry(`CN=Big,${GROUPS}`, { objectClass: 'group', sAMAccountName: 'big', description: 'Two thousand members', member: Array.from({ length: BIG }, (_, i) => userDn(i)) }),
    // RFC 2307 in AD: the same 2,000 members by uid, past the 1,500 values AD gives per attribute.
    ldifEntry(`CN=Unix Big,${UNIX}`, { objectClass: ['group', 'posixGroup'], sAMAccountName: 'unix-big', gidNumber: '5000', memberUid: Array.from({ length: BIG }, (_, i) => `u${String(i).padStart(4, '0')}`) }),
    ldifEntry(`CN=A,${GROUPS}`, { objectClass: 'group', sAMAccountName: 'group-a', member: [SMITH] }),
    ldifEntry(`CN=B,${GROUPS}`, { objectClass: 'group', sAMAccountName: 'group-b', member: [`CN=A,${GROUPS}`, ZOE] }),
    ldifEntry(`CN=Sales\\, EMEA,${GROUPS}`, { objectClass: 'group', sAMAccountName: 'sales-emea', member: [SMITH, ZOE, `CN=Dora Disabled,${PEOPLE}`] }),
    ldifEntry(`CN=With Partner,${GROUPS}`, { objectClass: 'group', sAMAccountName: 'with-partner', member: [`CN=Pat Partner,${PARTNERS}`, userDn(0)] }),
  );
  // A nests B, B nests A: a cycle (linked attributes need both groups to exist first).
  const modifyLdif = `dn: CN=A,${GROUPS}\nchangetype: modify\nadd: member\nmember: CN=B,${GROUPS}\n-\n`;
  return { ldif: parts.join(''), modifyLdif };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the read to fail, it returned a snapshot');
  return error;
}

const available = requireServer('samba');

describe.skipIf(!available)('Active Directory (Samba DC)', () => {
  let samba: SambaServer;
  let snapshot: DirectorySnapshot;
  const debugLines: string[] = [];
  const pages: PageEvent[] = [];

  const config = (overrides: DirectoryConfigOverrides = {}): DirectoryConfig =>
    directoryConfig({
      urls: [samba.url],
      startTls: true,
      caFile: samba.caFile,
      bindDn: samba.bindDn,
      bindPassword: samba.adminPassword,
      pageSize: 500,
      ...overrides,
      groups: { baseDns: [GROUPS], ...overrides.groups },
      users: { baseDns: [PEOPLE], attributes: ['sAMAccountName', 'userPrincipalName', 'mail', 'displayName'], ...overrides.users },
    });

  beforeAll(async () => {
    samba = await startSamba(fixture());
    const logger = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => void debugLines.push(line) } });
    snapshot = await readDirectory(config(), { logger, onPage: (event) => void pages.push(event) });
  });
  afterAll(async () => {
    await samba?.stop();
  });

  it('detects Active Directory from the root DSE', () => {
    expect(snapshot.kind).toBe('activeDirectory');
    expect(snapshot.source).toBe(samba.url);
  });

  it('reads the 2,000-member group fully through range retrieval', () => {
    const big = snapshot.groups.find((g) => g.name === 'Big')!;
    expect(big.members).toHaveLength(BIG);
    expect(big.members).toEqual(Array.from({ length: BIG }, (_, i) => dnKey(userDn(i))).sort());
    expect(big.description).toBe('Two thousand members');
    // It took an explicit first range and at least one follow-up request.
    const ranged = debugLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((r) => r.msg === 'range retrieval completed');
    expect(ranged).toMatchObject({ dn: `CN=Big,${GROUPS}`, requests: ['member;range=1500-*'], values: { member: BIG } });
  });

  it('reads a 2,000-value memberUid group fully through range retrieval too', async () => {
    // Windows cuts every multi-valued attribute at 1,500 values, asked for in ranges or not; read
    // without ranges, such a group came back empty. Samba cuts only where a range is asked for, so
    // this shows the reader asks for memberUid in ranges and completes it.
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => void lines.push(line) } });
    const unix = await readDirectory(config({ groups: { baseDns: [UNIX], memberAttribute: 'memberUid' } }), { logger });
    expect(unix.groups.map((g) => g.name)).toEqual(['Unix Big']);
    expect(unix.groups[0]!.members).toEqual(Array.from({ length: BIG }, (_, i) => dnKey(userDn(i))).sort());
    const ranged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((r) => r.msg === 'range retrieval completed');
    expect(ranged).toMatchObject({ dn: `CN=Unix Big,${UNIX}`, requests: ['memberUid;range=1500-*'], values: { memberUid: BIG } });
  });

  it('has Samba cut member at the range the reader asks for (the behaviour relied on above)', () => {
    const out = execFileSync(
      'ldapsearch',
      ['-LLL', '-o', 'ldif-wrap=no', '-H', samba.ldapsUrl, '-D', samba.bindDn, '-w', samba.adminPassword, '-b', `CN=Big,${GROUPS}`, '-s', 'base', '(objectClass=*)', 'member;range=0-1499'],
      { env: { ...process.env, LDAPTLS_CACERT: samba.caFile } },
    ).toString();
    expect(out.split('\n').filter((line) => line.startsWith('member;range=0-1499: '))).toHaveLength(1500);
  });

  it('decodes objectGUID to the form the server itself prints', () => {
    const smith = snapshot.users.find((u) => u.key === dnKey(SMITH))!;
    // The extended-DN control (value: ExtendedDNFlag 1, string form) makes the DC prefix each DN with <GUID=...>.
    const out = execFileSync(
      'ldapsearch',
      ['-LLL', '-o', 'ldif-wrap=no', '-E', '!1.2.840.113556.1.4.529=::MAMCAQE=', '-H', samba.ldapsUrl, '-D', samba.bindDn, '-w', samba.adminPassword, '-b', PEOPLE, '(sAMAccountName=jsmith)', '1.1'],
      { env: { ...process.env, LDAPTLS_CACERT: samba.caFile } },
    ).toString();
    const dnLine = out.split('\n').find((line) => line.startsWith('dn'))!;
    const text = dnLine.startsWith('dn:: ') ? Buffer.from(dnLine.slice(5), 'base64').toString('utf8') : dnLine.slice(4);
    const guid = /<GUID=([0-9a-f-]{36})>/i.exec(text)?.[1];
    expect(guid).toBeDefined();
    expect(smith.id).toBe(guid!.toLowerCase());
    expect(new Set(snapshot.users.map((u) => u.id)).size).toBe(snapshot.users.length);
  });

  it('marks accounts with userAccountControl bit 2 disabled', () => {
    expect(snapshot.users.filter((u) => !u.enabled).map((u) => u.attributes.sAMAccountName)).toEqual(['dora']);
  });

  it('keeps sAMAccountName and userPrincipalName as configured', () => {
    const zoe = snapshot.users.find((u) => u.key === dnKey(ZOE))!;
    expect(zoe.attributes).toEqual({ sAMAccountName: 'zoe', userPrincipalName: 'zoe@example.test', mail: 'zoe@example.test', displayName: 'Zoë Ångström' });
  });

  it('matches DNs with escaped commas and non-ASCII names', () => {
    const sales = snapshot.groups.find((g) => g.name === 'Sales, EMEA')!;
    expect(sales.key).toBe(dnKey(`CN=Sales\\, EMEA,${GROUPS}`));
    expect(sales.members).toEqual([dnKey(SMITH), dnKey(ZOE), dnKey(`CN=Dora Disabled,${PEOPLE}`)].sort());
  });

  it('returns nested groups with a cycle as a graph of direct members', () => {
    const members = (name: string): string[] => snapshot.groups.find((g) => g.name === name)!.members;
    expect(members('A')).toEqual([dnKey(`CN=B,${GROUPS}`), dnKey(SMITH)].sort());
    expect(members('B')).toEqual([dnKey(`CN=A,${GROUPS}`), dnKey(ZOE)].sort());
  });

  it('resolves a member outside the user base', () => {
    const pat = snapshot.users.find((u) => u.attributes.sAMAccountName === 'pat')!;
    expect(pat.outsideBase).toBe(true);
    expect(snapshot.groups.find((g) => g.name === 'With Partner')!.members).toEqual([pat.key, dnKey(userDn(0))].sort());
    expect(snapshot.warnings).toEqual([]);
  });

  it('reads users across pages', () => {
    const userPages = pages.filter((p) => p.base === PEOPLE);
    expect(userPages.length).toBeGreaterThanOrEqual(Math.ceil((BIG + 3) / 500));
    expect(userPages.at(-1)!.total).toBe(BIG + 3);
    expect(snapshot.users).toHaveLength(BIG + 3 + 1);
  });

  it('gives the same snapshot over LDAPS', async () => {
    const overLdaps = await readDirectory(config({ urls: [samba.ldapsUrl], startTls: false, pageSize: 1000 }));
    expect({ ...overLdaps, source: '' }).toEqual({ ...snapshot, source: '' });
  });

  it('rejects a certificate from another CA', async () => {
    const error = await failure(readDirectory(config({ caFile: samba.otherCaFile })));
    expect((error as DirectoryError).code).toBe('DIRECTORY_TLS');
  });

  it('says clearly that a wrong password was rejected', async () => {
    const error = await failure(readDirectory(config({ bindPassword: 'not-the-password-42' })));
    expect((error as DirectoryError).code).toBe('DIRECTORY_BIND');
    expect(error.message).toMatch(new RegExp(`^bind as ${samba.bindDn} to ${samba.url.replace(/\./g, '\\.')} failed: invalid credentials`));
    expect(error.message).not.toContain('not-the-password-42');
  });

  it('reports the DC refusing a simple bind without TLS', async () => {
    expect(await failure(readDirectory(config({ startTls: false })))).toBeInstanceOf(ConfigError);
    const error = await failure(readDirectory(config({ startTls: false, allowInsecure: true })));
    expect((error as DirectoryError).code).toBe('DIRECTORY_BIND');
    expect(error.message).toMatch(/failed: the server answered: .*(Strong|Confidentiality|encryption)/i);
  });
});
