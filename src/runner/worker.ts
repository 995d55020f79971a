// The `run` command's long-lived worker: ties the schedule, the per-tenant run lock, the HTTP
// endpoint, report files, notifications and signal handling around a `runOnce` it is given.
// Each tick: take the lock (or skip, if another instance holds it), run, write the report to the
// state folder, count it, release the lock, notify if the run needs attention. SIGTERM/SIGINT stop
// the schedule, ask the run in flight to stop after its current request, and wait for it at most
// `sync.stopTimeoutMs`: `done` resolves 0 after a clean stop, 1 when the budget ran out.
import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { emptyCounts } from '../apply/apply.ts';
import type { Config } from '../config/types.ts';
import { ConfigError, SyncError, describeError } from '../errors.ts';
import { currentRunId, newRunId, registerSecret, scrub, silentLogger, withRunId, type Logger } from '../log.ts';
import { noRequests } from '../tenant/snapshot.ts';
import { startHttpServer, type HttpEndpoint } from './http-server.ts';
import { acquireRunLock, writeAtomic, type RunLock } from './lock.ts';
import { createRunMetrics, type RunMetrics } from './metrics.ts';
import { assessReadiness, SUCCESS_OUTCOMES, type Readiness } from './readiness.ts';
import type { RunReport } from './report.ts';
import { createScheduler, type TickOutcome, type TickReason } from './scheduler.ts';
import { notifyWebhook, shouldNotify } from './webhook.ts';

/** One run. Never throws for run failures (a failed run is a report); a throw counts as a failed run. */
export type RunOnceFn = (signal: AbortSignal) => Promise<RunReport>;

export interface WorkerOptions {
  config: Config;
  runOnce: RunOnceFn;
  logger?: Logger;
  /** For readiness and metrics (tests). The lock always uses the real clock: other processes share it. */
  clock?: () => number;
  /** Install SIGTERM and SIGINT handlers that stop the worker (default true). */
  handleSignals?: boolean;
  /** Arm the cron schedule (default true). Tests that drive `tick` themselves turn it off. */
  schedule?: boolean;
  /** Writes `last-report.md` beside `last-report.json` when given. */
  renderMarkdown?: (report: RunReport) => string;
  /** The command named in reports of runs that failed before `runOnce` could report (default `run`). */
  command?: string;
  /** undici transport for the webhook (tests, proxies). */
  webhookDispatcher?: Dispatcher;
  webhookTimeoutMs?: number;
}

export interface Worker {
  /** Stops the worker (idempotent); resolves with the exit code, like `done`. */
  stop(reason?: string): Promise<number>;
  /** Resolves with the exit code once the worker has stopped: 0 clean, 1 when the stop budget ran out. */
  done: Promise<number>;
  /** The HTTP endpoint, when `sync.http.enabled`. */
  server?: { url: string };
  /** Starts a run now, under the same no-overlap and lock rules as a scheduled tick. */
  tick(reason?: TickReason): Promise<TickOutcome>;
  readiness(): Readiness;
  metrics: RunMetrics;
}

export const REPORT_JSON = 'last-report.json';
export const REPORT_MARKDOWN = 'last-report.md';

/** A report for a run that failed before (or outside) `runOnce`: lock I/O errors, a thrown bug. */
export function failureReport(config: Config, facts: { runId: string; command: string; startedAt: number; finishedAt: number; error: unknown }): RunReport {
  const code = facts.error instanceof SyncError ? facts.error.code : 'INTERNAL';
  const directory = config.directory;
  return {
    runId: facts.runId,
    command: facts.command,
    startedAt: new Date(facts.startedAt).toISOString(),
    finishedAt: new Date(facts.finishedAt).toISOString(),
    durationMs: Math.max(0, facts.finishedAt - facts.startedAt),
    outcome: 'failed',
    dryRun: false,
    directory: { source: directory.source === 'ldif' ? (directory.ldifFile ?? '') : directory.urls.join(' '), groups: 0, users: 0 },
    tenant: { url: config.tenant.url, groups: 0, users: 0 },
    managed: { groups: 0, memberships: 0 },
    planned: emptyCounts(),
    applied: emptyCounts(),
    failures: [],
    warnings: [],
    violations: [],
    requests: noRequests(),
    timings: { readDirectoryMs: 0, readTenantMs: 0, planMs: 0, applyMs: 0 },
    error: { code, message: scrub(describeError(facts.error)) },
  };
}

export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new ConfigError([{ path: 'sync.stateDir', message: `cannot create or write ${dir}: ${describeError(error)} (mount a writable volume there)` }], { cause: error });
  }
}

/** Writes `last-report.json` (and `.md` with a renderer) into the state folder; logs, never throws. */
export async function saveReportFiles(stateDir: string, report: RunReport, renderMarkdown: ((report: RunReport) => string) | undefined, logger: Logger): Promise<void> {
  try {
    await writeAtomic(join(stateDir, REPORT_JSON), scrub(JSON.stringify(report, null, 2)) + '\n');
    if (renderMarkdown) await writeAtomic(join(stateDir, REPORT_MARKDOWN), scrub(renderMarkdown(report)));
  } catch (error) {
    logger.error({ err: error, stateDir }, 'could not write the run report');
  }
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const { config } = options;
  const sync = config.sync;
  const logger = options.logger ?? silentLogger();
  const now = options.clock ?? Date.now;
  const command = options.command ?? 'run';
  if (sync.webhookUrl) registerSecret(sync.webhookUrl);

  await ensureWritableDir(sync.stateDir);
  const metrics = createRunMetrics({ clock: now });
  const stopping = new AbortController();
  let currentLock: RunLock | undefined;

  const scheduler = createScheduler({
    schedule: sync.schedule,
    timezone: sync.timezone,
    logger,
    job: (reason) => withRunId(newRunId(), () => runTick(reason)),
    onSkip: () => metrics.runSkipped('overlap'),
  });
  const readiness = (): Readiness =>
    assessReadiness(metrics.state(), { now: now(), intervalMs: scheduler.intervalMs(), intervals: sync.unhealthyAfterIntervals });

  const saveReport = (report: RunReport): Promise<void> => saveReportFiles(sync.stateDir, report, options.renderMarkdown, logger);

  function logOutcome(report: RunReport): void {
    const facts = { outcome: report.outcome, durationMs: report.durationMs, planned: report.planned.writeRequests, applied: report.applied.writeRequests, failures: report.failures.length };
    if (SUCCESS_OUTCOMES.has(report.outcome)) logger.info(facts, 'run finished');
    else if (report.outcome === 'failed') logger.error({ ...facts, code: report.error?.code }, `run failed: ${report.error?.message ?? 'unknown error'}`);
    else logger.warn({ ...facts, code: report.error?.code }, `run ended ${report.outcome}`);
  }

  async function runTick(reason: TickReason): Promise<void> {
    const runId = currentRunId();
    const startedAt = now();
    if (stopping.signal.aborted) return;
    let lock: RunLock;
    try {
      lock = await acquireRunLock({ stateDir: sync.stateDir, tenant: config.tenant.url, timeoutMs: sync.lockTimeoutMs, logger });
    } catch (error) {
      if (error instanceof SyncError && error.code === 'LOCK_HELD') {
        logger.warn({ tick: reason }, `skipped a run: ${error.message}`);
        metrics.runSkipped('locked');
        return;
      }
      const report = failureReport(config, { runId, command, startedAt, finishedAt: now(), error });
      await finish(report, undefined);
      return;
    }
    currentLock = lock;
    let report: RunReport;
    try {
      if (stopping.signal.aborted) return;
      metrics.runStarted();
      logger.info({ tick: reason }, 'run started');
      try {
        report = await options.runOnce(AbortSignal.any([stopping.signal, lock.signal]));
      } catch (error) {
        logger.error({ err: error }, 'runOnce threw; counted as a failed run');
        report = failureReport(config, { runId, command, startedAt, finishedAt: now(), error });
      }
      await saveReport(report);
    } finally {
      await lock.release();
      if (currentLock === lock) currentLock = undefined;
    }
    await finish(report, 'saved');
  }

  async function finish(report: RunReport, saved: 'saved' | undefined): Promise<void> {
    if (!saved) await saveReport(report);
    metrics.observeRun(report);
    logOutcome(report);
    if (sync.webhookUrl && shouldNotify(report)) {
      const ok = await notifyWebhook(sync.webhookUrl, report, {
        logger,
        timeoutMs: options.webhookTimeoutMs ?? 10_000,
        ...(options.webhookDispatcher ? { dispatcher: options.webhookDispatcher } : {}),
      });
      metrics.webhookNotified(ok);
    }
  }

  let server: HttpEndpoint | undefined;
  if (sync.http.enabled) {
    try {
      server = await startHttpServer({ host: sync.http.host, port: sync.http.port, metrics: () => metrics.render(), readiness, logger });
    } catch (error) {
      scheduler.stop();
      throw error;
    }
  }

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let stopPromise: Promise<number> | undefined;
  const signals: NodeJS.Signals[] = options.handleSignals === false ? [] : ['SIGTERM', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopPromise) logger.warn({ signal }, `already stopping; exiting within sync.stopTimeoutMs (${sync.stopTimeoutMs} ms)`);
    void stop(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);

  function stop(reason = 'stop'): Promise<number> {
    stopPromise ??= (async () => {
      logger.info({ reason, running: scheduler.running() }, 'stopping: no new runs; a run in flight finishes its current request');
      scheduler.stop();
      stopping.abort(new SyncError('ABORTED', `stopped by ${reason}`));
      const closing = server?.close();
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        scheduler.idle().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), sync.stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      let code = 0;
      if (!inTime) {
        code = 1;
        logger.error({ stopTimeoutMs: sync.stopTimeoutMs }, 'the run did not stop within sync.stopTimeoutMs; exiting anyway (the next run converges)');
        await currentLock?.release();
      }
      await closing;
      for (const signal of signals) process.off(signal, onSignal);
      logger.info({ exitCode: code }, 'stopped');
      resolveDone(code);
      return code;
    })();
    return stopPromise;
  }

  if (options.schedule !== false) scheduler.start();
  if (sync.runAtStart) void scheduler.tick('start');

  return {
    stop,
    done,
    ...(server ? { server: { url: server.url } } : {}),
    tick: (reason: TickReason = 'manual') => scheduler.tick(reason),
    readiness,
    metrics,
  };
}
