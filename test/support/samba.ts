// A throwaway Samba Active Directory domain controller for tests and benchmarks (LDAP-TESTING.md):
// provisioned into a temporary folder, loaded offline with ldbadd, TLS with a test certificate that
// carries subject alternative names, LDAP on the fixed ports 389/636 of loopback.
//
// Provisioning plus loading takes seconds, so the result is cached as a template folder under the
// system temp folder, keyed by a hash of everything that shapes it (Samba version, realm, password,
// LDIF); each start copies the template. Samba's ports are fixed, so a cross-process lock lets one
// instance run at a time: a second start waits for the first to stop.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { createTestCertificates, type TestCertificates } from './certs.ts';
import { killOnExit, portOpen, processAlive, stopChild, waitFor } from './servers.ts';

export interface SambaOptions {
  /** AD-style LDIF (text, or the path of a file) added offline with `ldbadd` after provisioning. */
  ldif?: string;
  /** Change records applied with `ldbmodify` after the LDIF (e.g. groups nesting each other). */
  modifyLdif?: string;
  /** Kerberos realm (default `EXAMPLE.TEST`); the base DN follows from it (`DC=example,DC=test`). */
  realm?: string;
  /** NetBIOS domain (default `EXAMPLE`). */
  domain?: string;
  adminPassword?: string;
  certificates?: TestCertificates;
  /** Samba refuses simple binds without TLS unless this is false (default true, as in AD). */
  requireStrongAuth?: boolean;
  /** How long to wait for another test's Samba to stop (default 110 s). */
  lockTimeoutMs?: number;
  /** Reuse a cached provisioned template (default true). */
  useTemplateCache?: boolean;
}

export interface SambaServer {
  /** `ldap://127.0.0.1:389` (StartTLS). */
  url: string;
  /** `ldaps://127.0.0.1:636`. */
  ldapsUrl: string;
  baseDn: string;
  /** `CN=Administrator,CN=Users,<base>`. */
  bindDn: string;
  adminPassword: string;
  realm: string;
  caFile: string;
  caPem: string;
  otherCaFile: string;
  certificates: TestCertificates;
  dir: string;
  logFile: string;
  readonly pid: number;
  /** Kill now (SIGKILL by default) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stop, remove the folder, release the port lock. Safe to call twice. */
  stop(): Promise<void>;
}

const LDAP_PORT = 389;
const LDAPS_PORT = 636;
const LOCK_DIR = join(tmpdir(), 'qgs-samba-ports.lock');

function readLdif(ldif: string | undefined): string {
  if (ldif === undefined) return '';
  if (!ldif.includes('\n') && existsSync(ldif)) return readFileSync(ldif, 'utf8');
  return ldif;
}

function run(command: string, args: string[], what: string): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    const text = `${e.stderr?.toString() ?? ''}\n${e.stdout?.toString() ?? ''}`.trim();
    throw new Error(`${what} failed: ${text.split('\n').slice(-8).join(' | ')}`);
  }
}

function sambaVersion(): string {
  return execFileSync('samba', ['--version']).toString().trim();
}

/** Provisions (and loads) a template folder once per fixture; returns its path. */
function template(realm: string, domain: string, adminPassword: string, ldif: string, modifyLdif: string, useCache: boolean): string {
  const hash = createHash('sha256').update(JSON.stringify([sambaVersion(), realm, domain, adminPassword, ldif, modifyLdif])).digest('hex').slice(0, 16);
  const finalDir = join(tmpdir(), `qgs-samba-template-${hash}`);
  if (useCache && existsSync(join(finalDir, 'READY'))) return finalDir;

  const buildDir = mkdtempSync(join(tmpdir(), 'qgs-samba-build-'));
  run(
    'samba-tool',
    [
      'domain', 'provision', `--targetdir=${buildDir}`, '--use-rfc2307', `--realm=${realm}`, `--domain=${domain}`,
      '--server-role=dc', '--dns-backend=NONE', `--adminpass=${adminPassword}`,
      '--option=interfaces=lo', '--option=bind interfaces only=yes',
    ],
    'samba-tool domain provision',
  );
  if (ldif.trim() !== '') {
    const dataFile = join(buildDir, 'data.ldif');
    writeFileSync(dataFile, ldif);
    run('ldbadd', ['--nosync', '-H', join(buildDir, 'private', 'sam.ldb'), dataFile], 'ldbadd');
    rmSync(dataFile);
  }
  if (modifyLdif.trim() !== '') {
    const changeFile = join(buildDir, 'changes.ldif');
    writeFileSync(changeFile, modifyLdif);
    run('ldbmodify', ['--nosync', '-H', join(buildDir, 'private', 'sam.ldb'), changeFile], 'ldbmodify');
    rmSync(changeFile);
  }
  writeFileSync(join(buildDir, 'TEMPLATE_PATH'), buildDir);
  writeFileSync(join(buildDir, 'READY'), '');
  if (!useCache) return buildDir;
  try {
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(buildDir, finalDir);
    return finalDir;
  } catch {
    // Another process published the same template meanwhile: use its copy.
    rmSync(buildDir, { recursive: true, force: true });
    return finalDir;
  }
}

async function acquirePortLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'owner'), String(process.pid));
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSafe(join(LOCK_DIR, 'owner')));
      if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`startSamba: ports 389/636 held by test process ${owner} for ${timeoutMs} ms (${LOCK_DIR})`);
      await sleep(250);
    }
  }
}

/** Whether process `pid` is a Samba process (samba or a daemon it starts) with a file open under `prefix` (one of our run folders). */
function isOurSamba(pid: string, prefix: string): boolean {
  try {
    if (!/\/(samba|smbd|winbindd)$/.test(readlinkSync(`/proc/${pid}/exe`))) return false;
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(prefix);
      } catch {
        return false;
      }
    });
  } catch {
    return false; // gone, or not ours to look at
  }
}

/**
 * Kills Samba servers that an earlier test process started and never stopped: one killed before
 * its exit hook ran (a test runner ending a worker on a hook timeout) leaves Samba's own processes
 * behind, holding the fixed ports. They are known by their open files in a run folder of ours.
 * Called with the port lock held, so no live test process is using one.
 */
async function killLeftovers(): Promise<void> {
  const prefix = join(tmpdir(), 'qgs-samba-');
  const pids = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && isOurSamba(pid, prefix));
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (pids.length === 0) return;
  await waitFor('leftover samba to free its ports', async () => !(await portOpen(LDAP_PORT)) && !(await portOpen(LDAPS_PORT)), { timeoutMs: 10_000 }).catch(() => undefined);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function writeSmbConf(runDir: string, templateDir: string, certificates: TestCertificates, requireStrongAuth: boolean): string {
  const templatePath = readFileSync(join(templateDir, 'TEMPLATE_PATH'), 'utf8');
  const provisioned = readFileSync(join(templateDir, 'etc', 'smb.conf'), 'utf8').split(templatePath).join(runDir);
  const global: string[] = [];
  for (const line of provisioned.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[') && trimmed !== '[global]') break;
    if (/^(server services|log file|logging|max log size|panic action|passwd|unix password sync|pam|obey pam|usershare|map to guest)\b/.test(trimmed)) continue;
    global.push(line);
  }
  global.push(
    '\tserver services = ldap, cldap, kdc',
    `\tpid directory = ${join(runDir, 'run')}`,
    `\tlog file = ${join(runDir, 'log', 'samba.log')}`,
    '\tlog level = 0',
    '\ttls enabled = yes',
    `\ttls keyfile = ${certificates.keyFile}`,
    `\ttls certfile = ${certificates.certFile}`,
    '\ttls cafile = ',
    ...(requireStrongAuth ? [] : ['\tldap server require strong auth = no']),
    '',
  );
  const file = join(runDir, 'etc', 'smb.conf');
  writeFileSync(file, global.join('\n'));
  return file;
}

async function ldapReady(baseDn: string, bindDn: string, password: string, caPem: string): Promise<boolean> {
  const client = new Client({ url: `ldaps://127.0.0.1:${LDAPS_PORT}`, connectTimeout: 2_000, timeout: 5_000, tlsOptions: { ca: [caPem], servername: 'localhost' } });
  try {
    await client.bind(bindDn, password);
    await client.search(baseDn, { scope: 'base', attributes: ['dn'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export async function startSamba(options: SambaOptions = {}): Promise<SambaServer> {
  const realm = (options.realm ?? 'EXAMPLE.TEST').toUpperCase();
  const domain = options.domain ?? 'EXAMPLE';
  const adminPassword = options.adminPassword ?? 'Samba-Test-Adm1n!';
  const baseDn = realm.toLowerCase().split('.').map((part) => `DC=${part}`).join(',');
  const bindDn = `CN=Administrator,CN=Users,${baseDn}`;
  const ldif = readLdif(options.ldif);

  const templateDir = template(realm, domain, adminPassword, ldif, readLdif(options.modifyLdif), options.useTemplateCache ?? true);
  const release = await acquirePortLock(options.lockTimeoutMs ?? 110_000);
  let runDir: string | undefined;
  let child: ChildProcess | undefined;
  try {
    await killLeftovers();
    for (const port of [LDAP_PORT, LDAPS_PORT]) {
      if (await portOpen(port)) throw new Error(`startSamba: port ${port} is already in use on 127.0.0.1 (a system slapd or samba?)`);
    }
    runDir = mkdtempSync(join(tmpdir(), 'qgs-samba-'));
    cpSync(templateDir, runDir, { recursive: true });
    if (options.useTemplateCache === false) rmSync(templateDir, { recursive: true, force: true });
    for (const sub of ['run', 'log', 'cache']) mkdirSync(join(runDir, sub), { recursive: true });
    const certificates = options.certificates ?? createTestCertificates(join(runDir, 'certs'));
    const smbConf = writeSmbConf(runDir, templateDir, certificates, options.requireStrongAuth ?? true);
    const logFile = join(runDir, 'log', 'stdout.log');
    const log = openSync(logFile, 'a');
    const started = spawn('samba', ['-s', smbConf, '--foreground', '--no-process-group'], { stdio: ['ignore', log, log] });
    closeSync(log);
    killOnExit(started);
    child = started;
    let exited: string | undefined;
    started.once('exit', (code, signal) => {
      exited = `samba exited (${signal ?? code}): ${readFileSafe(logFile).trim().split('\n').slice(-6).join(' | ')}`;
    });
    await waitFor('samba LDAP', () => ldapReady(baseDn, bindDn, adminPassword, certificates.caPem), {
      timeoutMs: 30_000,
      intervalMs: 200,
      failed: () => exited,
    });

    const dir = runDir;
    let stopped = false;
    return {
      url: `ldap://127.0.0.1:${LDAP_PORT}`,
      ldapsUrl: `ldaps://127.0.0.1:${LDAPS_PORT}`,
      baseDn,
      bindDn,
      adminPassword,
      realm,
      caFile: certificates.caFile,
      caPem: certificates.caPem,
      otherCaFile: certificates.otherCaFile,
      certificates,
      dir,
      logFile,
      get pid(): number {
        return started.pid ?? -1;
      },
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        await stopChild(started, signal);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopChild(started);
        // Samba's worker processes leave with their parent; wait until the ports are free.
        await waitFor('samba ports to close', async () => !(await portOpen(LDAPS_PORT)) && !(await portOpen(LDAP_PORT)), { timeoutMs: 10_000 }).catch(() => undefined);
        // A worker can still be writing its last files once the ports are closed (a CI run failed
        // on ENOTEMPTY here): rmSync retries, as it does for exactly that error.
        rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
        release();
      },
    };
  } catch (error) {
    if (child) await stopChild(child);
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    release();
    throw error;
  }
}
