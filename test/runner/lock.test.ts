import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/errors.ts';
import { acquireRunLock, lockPathFor, PID_NAMESPACE, readLock, type LockHolder } from '../../src/runner/lock.ts';

const TENANT = 'https://acme.eu.qlikcloud.com';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qgs-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

async function plant(holder: Partial<LockHolder>, tenant = TENANT): Promise<string> {
  const now = new Date().toISOString();
  const full: LockHolder = { pid: process.ppid, hostname: hostname(), instance: 'someone-else', pidNamespace: PID_NAMESPACE, heartbeatMs: 20_000, token: 'planted', tenant, startedAt: now, heartbeatAt: now, ...holder };
  const path = lockPathFor(dir, tenant);
  await writeFile(path, JSON.stringify(full));
  return path;
}

async function heldError(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  expect((error as SyncError).code).toBe('LOCK_HELD');
  return error as SyncError;
}

async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met');
}

describe('run lock', () => {
  it('is a file per tenant naming its holder, refused to a second taker until released', async () => {
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 });
    const holder = JSON.parse(await readFile(lock.path, 'utf8')) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname(), tenant: TENANT });
    expect(lock.path).toBe(lockPathFor(dir, `${TENANT}/some/path`));
    expect(lock.path).not.toContain('acme');

    const error = await heldError(acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 }));
    expect(error.message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect(error.details).toMatchObject({ pid: process.pid, hostname: hostname() });

    // Another tenant has its own lock.
    const other = await acquireRunLock({ stateDir: dir, tenant: 'https://other.us.qlikcloud.com', timeoutMs: 60_000 });
    expect(other.path).not.toBe(lock.path);

    await lock.release();
    await other.release();
    expect(await readdir(dir)).toEqual([]);
    const again = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 });
    await again.release();
  });

  it('is held while its holder process on this host lives and its heartbeat is fresh', async () => {
    await plant({ pid: process.ppid });
    const error = await heldError(acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 }));
    expect(error.message).toContain(`pid ${process.ppid}`);
  });

  it('is taken over when its holder process is gone (a crash), heartbeat fresh or not', async () => {
    const path = await plant({ pid: deadPid() });
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 });
    expect(((await readLock(path))?.holder as LockHolder).pid).toBe(process.pid);
    await lock.release();
  });

  it('is taken over when its heartbeat is older than the timeout, even with a live pid or on another host', async () => {
    const old = new Date(Date.now() - 120_000).toISOString();
    await plant({ pid: process.ppid, hostname: 'another-host', heartbeatAt: old, startedAt: old });
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 });
    await lock.release();

    // The same lock with a fresh heartbeat on another host cannot be judged by pid: held.
    await plant({ pid: 999_999, hostname: 'another-host' });
    await heldError(acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 }));
  });

  it('is taken over when left by an earlier process with our pid (a restarted container is pid 1 again)', async () => {
    await plant({ pid: process.pid, instance: 'previous-incarnation' });
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 });
    await lock.release();
  });

  it('records its PID namespace and heartbeat interval (a third of the timeout, at most 30 s)', async () => {
    expect(PID_NAMESPACE).toMatch(/^pid:\[\d+\]@[0-9a-f-]{36}$/);
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 3_600_000 });
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pidNamespace: PID_NAMESPACE, heartbeatMs: 30_000 });
    await lock.release();
    const short = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 });
    expect(JSON.parse(await readFile(short.path, 'utf8'))).toMatchObject({ heartbeatMs: 20_000 });
    await short.release();
  });

  it('held by another container on this host (same host name, another PID namespace): its pid is not judged', async () => {
    // Containers with the host's network share its host name; each may be pid 1 of its own namespace.
    const elsewhere = 'pid:[1]';
    for (const pid of [process.pid, deadPid()]) {
      await plant({ pid, pidNamespace: elsewhere });
      await heldError(acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 3_600_000 }));
    }
    // Once it has missed three heartbeats it counts as gone, long before the timeout.
    const missed = new Date(Date.now() - 61_000).toISOString();
    const path = await plant({ pid: process.pid, pidNamespace: elsewhere, heartbeatMs: 20_000, heartbeatAt: missed });
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 3_600_000 });
    expect(((await readLock(path))?.holder as LockHolder).token).toBe(lock.holder.token);
    await lock.release();
    // A lock file from an earlier version (no namespace, no interval) waits for the timeout.
    await plant({ pid: deadPid(), pidNamespace: undefined, heartbeatMs: undefined, heartbeatAt: missed });
    await heldError(acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 3_600_000 }));
  });

  it('judges an unreadable lock file by its age', async () => {
    const path = lockPathFor(dir, TENANT);
    await writeFile(path, '');
    await heldError(acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 }));
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 });
    await lock.release();
  });

  it('lets exactly one of many contenders take over a stale lock', async () => {
    await plant({ pid: deadPid() });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000 })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as SyncError).code).toBe('LOCK_HELD');
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireRunLock>>>).value.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops its run once it could not refresh the heartbeat for two beats (before others may take it over)', async () => {
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000, heartbeatMs: 50 });
    // The lock file replaced by a folder: every refresh fails (as on a full or stuck volume).
    await rm(lock.path);
    await mkdir(lock.path);
    await until(() => lock.signal.aborted);
    expect((lock.signal.reason as SyncError).message).toContain('could not be refreshed');
    await lock.release();
  });

  it('refreshes its heartbeat, and signals when another instance has taken it', async () => {
    const lock = await acquireRunLock({ stateDir: dir, tenant: TENANT, timeoutMs: 60_000, heartbeatMs: 50 });
    const first = lock.holder.heartbeatAt;
    await until(async () => ((await readLock(lock.path))?.holder as LockHolder).heartbeatAt !== first);
    expect(lock.signal.aborted).toBe(false);

    await plant({ token: 'intruder' });
    await until(() => lock.signal.aborted);
    expect((lock.signal.reason as SyncError).code).toBe('LOCK_HELD');
    // Release leaves someone else's lock alone.
    await lock.release();
    expect(((await readLock(lock.path))?.holder as LockHolder).token).toBe('intruder');
  });
});
