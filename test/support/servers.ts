// Shared plumbing for tests that run real servers (slapd, Samba): whether the binaries are there
// (skip locally, fail in CI), free loopback ports, waiting for readiness, and making sure every
// server a test process started dies with it even when a test crashes.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type ServerName = 'slapd' | 'samba';

const BINARIES: Record<ServerName, string[]> = {
  slapd: ['slapd', 'slapadd', 'slaptest', 'openssl'],
  samba: ['samba', 'samba-tool', 'ldbadd', 'openssl'],
};

const INSTALL_HINT: Record<ServerName, string> = {
  slapd: 'apt-get install slapd ldap-utils (see LDAP-TESTING.md)',
  samba: 'apt-get install samba samba-ad-dc ldb-tools (see LDAP-TESTING.md)',
};

function which(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
    return true;
  } catch {
    return false;
  }
}

/** Why the server cannot run here, or undefined when it can. */
export function serverMissing(name: ServerName): string | undefined {
  const missing = BINARIES[name].filter((binary) => !which(binary));
  if (missing.length > 0) return `${name} tests need ${missing.join(', ')}: ${INSTALL_HINT[name]}`;
  if (name === 'samba' && typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'samba tests need root (the DC listens on ports 389/636)';
  }
  return undefined;
}

/**
 * True when the server can run. When it cannot: throws under CI (`process.env.CI` set), so a
 * missing server fails the build; otherwise prints the reason and returns false so the caller
 * skips (`describe.skipIf(!requireServer('slapd'))`).
 */
export function requireServer(name: ServerName): boolean {
  const reason = serverMissing(name);
  if (reason === undefined) return true;
  if (process.env.CI) throw new Error(`CI is set and ${reason}`);
  console.warn(`SKIPPED: ${reason}`);
  return false;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` until it returns true; throws naming `what` after timeoutMs or when `failed()` says why. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs?: number; intervalMs?: number; failed?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const reason = options.failed?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${options.timeoutMs ?? 30_000} ms`);
    await sleep(options.intervalMs ?? 50);
  }
}

/** True while a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills `child` when this process exits, whatever the reason (a crashed test must not leave servers behind). */
export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) {
        if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
          try {
            process.kill(c.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    });
  }
}

/** Sends `signal` to the child and resolves once it has exited (SIGKILL after graceMs). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGSTOPs a process and resolves once every one of its threads is actually stopped (the signal
 * takes effect asynchronously: a busy server may answer one more request before it stops).
 * Linux only (/proc). Undo with thawProcess.
 */
export async function freezeProcess(pid: number, timeoutMs = 5_000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await waitFor(`process ${pid} to stop`, () => allThreadsStopped(pid), { timeoutMs, intervalMs: 5 });
}

export function thawProcess(pid: number): void {
  process.kill(pid, 'SIGCONT');
}

function allThreadsStopped(pid: number): boolean {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.every((task) => {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  });
}
