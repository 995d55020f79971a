// The run lock: two workers (two pods in a rolling update, a CronJob and a `run` container, two
// shells) pointed at the same tenant must never apply at the same time. A lock file per tenant in
// the state folder, created with O_EXCL, names its holder (pid, host, start) and carries a
// heartbeat the holder refreshes. A crash leaves the file behind, so a lock is taken over when it
// is stale: its heartbeat is older than the timeout, or its holder's process is gone (same host and
// the same PID namespace, so the pid means the same process). Containers that share a host name
// but not a PID namespace (`--network host`, `hostNetwork: true`) cannot judge each other's pids:
// there a holder counts as gone only once it has missed three heartbeats.
// Takeover goes through a short-lived guard file so two contenders cannot both take one lock.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SyncError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** Random per process: tells a restarted container's pid 1 from a live worker in this process. */
  instance: string;
  /** The holder's PID namespace (`pid:[inode]` on Linux): its pid is ours to judge only when it is ours. */
  pidNamespace?: string;
  /** How often the holder refreshes `heartbeatAt`, ms. */
  heartbeatMs?: number;
  /** Random per acquisition: only the acquirer may refresh or release it. */
  token: string;
  tenant: string;
  startedAt: string;
  heartbeatAt: string;
}

export interface RunLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Aborted when the lock is found taken by someone else (our heartbeat stopped for too long). */
  readonly signal: AbortSignal;
  /** Stops the heartbeat and removes the file if it is still ours. Never throws. */
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  stateDir: string;
  /** The tenant URL the lock is for; one lock per tenant. */
  tenant: string;
  /** A lock whose heartbeat is older than this is stale. */
  timeoutMs: number;
  /** Default: a third of the timeout, at most 30 s. */
  heartbeatMs?: number;
  logger?: Logger;
  clock?: () => number;
}

const INSTANCE = randomBytes(8).toString('hex');
const HOST = hostname();
/** Missed heartbeats after which a holder whose pid cannot be judged counts as gone. */
const MISSED_BEATS = 3;

/** `pid:[inode]@boot-id`: namespace inodes are unique within one running kernel only. */
function pidNamespaceOf(): string | undefined {
  let namespace: string;
  try {
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined; // not Linux, or no /proc: pids are judged on the host name alone, as before
  }
  try {
    return `${namespace}@${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
  } catch {
    return namespace;
  }
}
export const PID_NAMESPACE = pidNamespaceOf();

/** The heartbeat interval for a lock timeout: a third of it, at most 30 s, at least 50 ms. */
export function heartbeatInterval(timeoutMs: number, heartbeatMs?: number): number {
  return Math.max(50, heartbeatMs ?? Math.min(30_000, Math.floor(timeoutMs / 3)));
}

/** The lock file for a tenant: keyed by a hash of its origin, so the name holds no URL text. */
export function lockPathFor(stateDir: string, tenantUrl: string): string {
  return join(stateDir, `run-${createHash('sha256').update(tenantKey(tenantUrl)).digest('hex').slice(0, 16)}.lock`);
}

function tenantKey(tenantUrl: string): string {
  try {
    return new URL(tenantUrl).origin.toLowerCase();
  } catch {
    return tenantUrl.trim().toLowerCase();
  }
}

type Observed = { holder: LockHolder; mtimeMs: number } | { holder: undefined; mtimeMs: number } | undefined;

/** Reads a lock file: its holder (undefined when unreadable, e.g. mid-write) and mtime; undefined when absent. */
export async function readLock(path: string): Promise<Observed> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { holder: parseHolder(text), mtimeMs: info.mtimeMs };
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.token === 'string' && typeof value.heartbeatAt === 'string') return value as LockHolder;
  } catch {
    // Empty or half-written: judged by its mtime.
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isCode(error, 'ESRCH');
  }
}

/** Why an observed lock may be taken over, or undefined while its holder counts as alive. */
export function staleReason(observed: NonNullable<Observed>, now: number, timeoutMs: number): string | undefined {
  const { holder } = observed;
  const beat = holder ? Date.parse(holder.heartbeatAt) : observed.mtimeMs;
  const age = now - (Number.isFinite(beat) ? beat : observed.mtimeMs);
  if (age > timeoutMs) return `its heartbeat is ${Math.round(age / 1000)}s old (lockTimeoutMs ${timeoutMs})`;
  if (holder && holder.hostname === HOST) {
    if (holder.pidNamespace === PID_NAMESPACE) {
      if (holder.pid === process.pid && holder.instance !== INSTANCE) return `it was left by an earlier process with pid ${holder.pid}`;
      if (holder.pid !== process.pid && !pidAlive(holder.pid)) return `its process ${holder.pid} is gone`;
    } else if (typeof holder.heartbeatMs === 'number' && holder.heartbeatMs > 0 && age > MISSED_BEATS * holder.heartbeatMs) {
      // Another container on this host: its pid says nothing here, its missed heartbeats do. (A
      // lock file without heartbeatMs, from an earlier version, waits for the timeout.)
      return `its holder on this host (another PID namespace) has missed ${MISSED_BEATS} heartbeats (${Math.round(age / 1000)}s)`;
    }
  }
  return undefined;
}

function heldError(path: string, observed: NonNullable<Observed>, extra = ''): SyncError {
  const h = observed.holder;
  const who = h ? `pid ${h.pid} on ${h.hostname} since ${h.startedAt} (heartbeat ${h.heartbeatAt})` : `an unknown holder (file written ${new Date(observed.mtimeMs).toISOString()})`;
  return new SyncError('LOCK_HELD', `another run against this tenant holds the run lock: ${who}${extra}`, {
    details: { path, pid: h?.pid, hostname: h?.hostname, startedAt: h?.startedAt, heartbeatAt: h?.heartbeatAt },
  });
}

/** Writes a file whole or not at all: a temporary file beside it (unique per call), then a rename. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Removes a stale lock if it is still the one judged stale. The guard file makes the
 * re-read-and-unlink step exclusive; a guard left by a crash expires after the timeout.
 */
async function takeOver(path: string, judged: NonNullable<Observed>, timeoutMs: number, now: number): Promise<void> {
  const guard = `${path}.takeover`;
  let handle;
  try {
    handle = await open(guard, 'wx');
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
    const info = await stat(guard).catch(() => undefined);
    if (info && now - info.mtimeMs > timeoutMs) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    const current = await readLock(path);
    const same = current !== undefined && (current.holder && judged.holder ? current.holder.token === judged.holder.token : current.mtimeMs === judged.mtimeMs);
    if (same) await unlink(path).catch((error: unknown) => (isCode(error, 'ENOENT') ? undefined : Promise.reject(error)));
  } finally {
    await handle.close();
    await unlink(guard).catch(() => undefined);
  }
}

/** Takes the run lock for a tenant or throws SyncError `LOCK_HELD` naming the holder. */
export async function acquireRunLock(options: AcquireLockOptions): Promise<RunLock> {
  const logger = options.logger ?? silentLogger();
  const now = options.clock ?? Date.now;
  const path = lockPathFor(options.stateDir, options.tenant);
  const interval = heartbeatInterval(options.timeoutMs, options.heartbeatMs);
  await mkdir(options.stateDir, { recursive: true });

  for (let attempt = 0; attempt < 4; attempt++) {
    const started = new Date(now()).toISOString();
    const holder: LockHolder = {
      pid: process.pid,
      hostname: HOST,
      instance: INSTANCE,
      ...(PID_NAMESPACE === undefined ? {} : { pidNamespace: PID_NAMESPACE }),
      heartbeatMs: interval,
      token: randomBytes(12).toString('hex'),
      tenant: tenantKey(options.tenant),
      startedAt: started,
      heartbeatAt: started,
    };
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify(holder) + '\n');
      } finally {
        await handle.close();
      }
      return holdLock(path, holder, interval, logger, now);
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    }
    const observed = await readLock(path);
    if (observed === undefined) continue; // released between our open and our read
    const reason = staleReason(observed, now(), options.timeoutMs);
    if (reason === undefined) throw heldError(path, observed);
    logger.warn({ path, holderPid: observed.holder?.pid, holderHost: observed.holder?.hostname }, `taking over a stale run lock: ${reason}`);
    await takeOver(path, observed, options.timeoutMs, now());
  }
  const last = await readLock(path);
  throw last ? heldError(path, last, '; a takeover by another instance is in progress') : new SyncError('LOCK_HELD', `could not take the run lock ${path}`);
}

function holdLock(path: string, initial: LockHolder, interval: number, logger: Logger, now: () => number): RunLock {
  const lost = new AbortController();
  let holder = initial;
  let released = false;
  let beating: Promise<void> = Promise.resolve();

  /** The last time the heartbeat was written: a holder that cannot write it stops before others may take over. */
  let refreshed = now();
  const beat = async (): Promise<void> => {
    try {
      const current = await readLock(path);
      if (current?.holder?.token !== holder.token) {
        if (current?.holder === undefined && current !== undefined) return; // someone mid-write; check again next beat
        logger.error({ path, holderPid: current?.holder?.pid, holderHost: current?.holder?.hostname }, 'lost the run lock: another instance took it over; stopping this run');
        lost.abort(new SyncError('LOCK_HELD', 'the run lock was taken over by another instance'));
        clearInterval(timer);
        return;
      }
      holder = { ...holder, heartbeatAt: new Date(now()).toISOString() };
      if (!released) await writeAtomic(path, JSON.stringify(holder) + '\n');
      refreshed = now();
    } catch (error) {
      logger.warn({ path, err: error }, 'could not refresh the run lock heartbeat');
      // Another container on this host takes the lock over after MISSED_BEATS missed heartbeats;
      // this holder stops one heartbeat before that, so the two never write at once.
      if (now() - refreshed >= (MISSED_BEATS - 1) * interval && !lost.signal.aborted) {
        logger.error({ path }, 'could not refresh the run lock for two heartbeats; stopping this run so that no other instance writes alongside it');
        lost.abort(new SyncError('LOCK_HELD', 'the run lock could not be refreshed (its heartbeat file cannot be written)'));
        clearInterval(timer);
      }
    }
  };
  const timer = setInterval(() => {
    beating = beating.then(beat);
  }, interval);
  timer.unref();

  return {
    path,
    get holder() {
      return holder;
    },
    signal: lost.signal,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      clearInterval(timer);
      await beating;
      try {
        const current = await readLock(path);
        if (current?.holder?.token === holder.token) await unlink(path);
        else if (current) logger.warn({ path }, 'the run lock is no longer ours; leaving it in place');
      } catch (error) {
        if (!isCode(error, 'ENOENT')) logger.warn({ path, err: error }, 'could not remove the run lock');
      }
    },
  };
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
