// A throwaway OpenLDAP server for tests and benchmarks: slapd.conf in a temporary folder, data
// preloaded with slapadd (fast, offline), ldap:// and ldaps:// on free loopback ports, TLS with a
// test CA. slapd runs in the foreground (`-d 0`) as a child of the test process, so `kill()` can
// SIGKILL it mid-read and an exiting test process takes it down. See LDAP-TESTING.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCertificates, type TestCertificates } from './certs.ts';
import { freePort, killOnExit, portOpen, stopChild, waitFor } from './servers.ts';

export interface SlapdOptions {
  /** Naming context (default `dc=example,dc=test`). Its entry is added unless the LDIF has it. */
  suffix?: string;
  /** LDIF text, or the path of an LDIF file, loaded with slapadd before start. */
  ldif?: string;
  /** Serve ldaps:// and StartTLS with a test certificate (default true). */
  tls?: boolean;
  /** Reuse certificates (default: new ones in the server's folder). */
  certificates?: TestCertificates;
  rootPassword?: string;
  /** Extra lines for the global section of slapd.conf (before `database`). */
  globalConfig?: string[];
  /** Extra lines for the database section (after the indexes, before the overlays). */
  databaseConfig?: string[];
}

export interface SlapdServer {
  /** `ldap://127.0.0.1:PORT` (StartTLS capable when tls is on). */
  url: string;
  /** `ldaps://127.0.0.1:PORT` (undefined when tls is off). */
  ldapsUrl: string | undefined;
  port: number;
  ldapsPort: number | undefined;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** CA that signed the server certificate (undefined when tls is off). */
  caFile: string | undefined;
  caPem: string | undefined;
  /** A CA that did not sign the server certificate. */
  otherCaFile: string | undefined;
  certificates: TestCertificates | undefined;
  /** The server's temporary folder (config, database, log). */
  dir: string;
  logFile: string;
  /** Pid of the running slapd (changes on restart). */
  readonly pid: number;
  /** SIGKILL (or `signal`) now and wait for the exit; the folder stays for restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same ports with the same data (after kill() or stop(false)). */
  restart(): Promise<void>;
  /** Graceful stop; removes the folder unless keepFiles. Safe to call twice. */
  stop(keepFiles?: boolean): Promise<void>;
}

const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis', 'dyngroup'];

function readLdif(ldif: string | undefined): string {
  if (ldif === undefined) return '';
  if (!ldif.includes('\n') && existsSync(ldif)) return readFileSync(ldif, 'utf8');
  return ldif;
}

function suffixEntry(suffix: string): string {
  const [firstRdn = ''] = suffix.split(',');
  const [type = '', value = ''] = firstRdn.split('=');
  if (type.trim().toLowerCase() === 'dc') {
    return `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${value.trim()}\no: ${value.trim()}\n`;
  }
  if (type.trim().toLowerCase() === 'o') return `dn: ${suffix}\nobjectClass: organization\no: ${value.trim()}\n`;
  throw new Error(`startSlapd: cannot make a suffix entry for ${suffix} (use dc= or o=, or put it in the LDIF)`);
}

function hasEntry(ldif: string, dn: string): boolean {
  const wanted = dn.replace(/\s+/g, '').toLowerCase();
  return ldif.split(/\r?\n/).some((line) => line.toLowerCase().startsWith('dn:') && line.slice(3).replace(/\s+/g, '').toLowerCase() === wanted);
}

export async function startSlapd(options: SlapdOptions = {}): Promise<SlapdServer> {
  const suffix = options.suffix ?? 'dc=example,dc=test';
  const rootDn = `cn=admin,${suffix}`;
  const rootPassword = options.rootPassword ?? 'slapd-test-secret';
  const tls = options.tls ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'qgs-slapd-'));
  const dbDir = join(dir, 'db');
  mkdirSync(dbDir);
  const certificates = tls ? (options.certificates ?? createTestCertificates(join(dir, 'certs'))) : undefined;
  const port = await freePort();
  const ldapsPort = tls ? await freePort() : undefined;
  const configFile = join(dir, 'slapd.conf');
  const logFile = join(dir, 'slapd.log');

  const config = [
    ...SCHEMAS.map((schema) => `include /etc/ldap/schema/${schema}.schema`),
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    'moduleload ppolicy',
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    ...(certificates ? [`TLSCertificateFile ${certificates.certFile}`, `TLSCertificateKeyFile ${certificates.keyFile}`] : []),
    'sizelimit unlimited',
    ...(options.globalConfig ?? []),
    'database mdb',
    `suffix "${suffix}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${dbDir}`,
    'maxsize 1073741824',
    'dbnosync',
    'index objectClass eq',
    'index cn,uid eq',
    'index member,memberOf,uniqueMember,memberUid eq',
    ...(options.databaseConfig ?? []),
    'overlay memberof',
    // ppolicy makes pwdAccountLockedTime known: the reader's OpenLDAP "disabled" test.
    'overlay ppolicy',
    '',
  ].join('\n');
  writeFileSync(configFile, config);

  let data = readLdif(options.ldif);
  if (!hasEntry(data, suffix)) data = `${suffixEntry(suffix)}\n${data}`;
  const dataFile = join(dir, 'data.ldif');
  writeFileSync(dataFile, data);
  try {
    execFileSync('slapadd', ['-q', '-f', configFile, '-l', dataFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }

  const urls = `ldap://127.0.0.1:${port}/${ldapsPort ? ` ldaps://127.0.0.1:${ldapsPort}/` : ''}`;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    const started = spawn('slapd', ['-d', '0', '-f', configFile, '-h', urls], { stdio: ['ignore', log, log] });
    closeSync(log);
    killOnExit(started);
    child = started;
    let exited: string | undefined;
    started.once('exit', (code, signal) => {
      exited = `slapd exited (${signal ?? code}): ${readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ')}`;
    });
    await waitFor(`slapd on port ${port}`, async () => (await portOpen(port)) && (ldapsPort === undefined || (await portOpen(ldapsPort))), {
      timeoutMs: 15_000,
      failed: () => exited,
    });
  };
  await launch();

  const server: SlapdServer = {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: ldapsPort ? `ldaps://127.0.0.1:${ldapsPort}` : undefined,
    port,
    ldapsPort,
    suffix,
    rootDn,
    rootPassword,
    caFile: certificates?.caFile,
    caPem: certificates?.caPem,
    otherCaFile: certificates?.otherCaFile,
    certificates,
    dir,
    logFile,
    get pid(): number {
      return child?.pid ?? -1;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child) await stopChild(child, signal);
    },
    async restart() {
      if (child) await stopChild(child);
      await launch();
    },
    async stop(keepFiles = false) {
      if (child) await stopChild(child);
      if (!keepFiles) rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
