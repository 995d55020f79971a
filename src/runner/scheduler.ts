// The schedule of the `run` worker: node-cron fires ticks in the configured time zone, and each
// tick starts a job unless one is still going. The no-overlap rule lives here, in `tick`, not in
// node-cron's option, so a skipped tick is logged and counted and tests can drive ticks directly
// without waiting for real cron minutes. The cron callback only starts a tick and returns, so
// node-cron never sees a long execution.
import { createTask, validateDetailed, type ScheduledTask } from 'node-cron';
import type { ConfigProblem } from '../errors.ts';
import { ConfigError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';

export type TickReason = 'scheduled' | 'start' | 'manual';
export type TickOutcome = { ran: true } | { ran: false; skipped: 'overlap' | 'stopped' };

export interface Scheduler {
  /** Starts the job now unless one is running (skipped, logged) or the scheduler is stopped. Resolves when the job ends. */
  tick(reason: TickReason): Promise<TickOutcome>;
  /** Arms the cron schedule. */
  start(): void;
  /** Disarms the schedule for good; a running job is left to finish (see `idle`). */
  stop(): void;
  running(): boolean;
  /** Resolves once no job is running. */
  idle(): Promise<void>;
  /** The next scheduled fire, or null when stopped. */
  nextRun(): Date | null;
  /**
   * The longest gap between fires over the coming week (at most 5,000 fires ahead): what "one
   * interval" means for readiness. Conservative for irregular schedules (weekdays only, office hours).
   */
  intervalMs(): number;
}

export interface SchedulerOptions {
  schedule: string;
  timezone: string;
  /** The work for one tick. Its errors are logged, never thrown out of `tick`. */
  job: (reason: TickReason) => Promise<void>;
  /** Told about each skipped tick. */
  onSkip?: (reason: TickReason, why: 'overlap') => void;
  logger?: Logger;
}

/** Problems with a schedule and time zone, each naming its config key. */
export function scheduleProblems(schedule: string, timezone: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const detail = validateDetailed(schedule);
  if (!detail.valid) {
    const why = detail.errors.map((e) => e.message).join('; ') || 'not a cron expression';
    problems.push({ path: 'sync.schedule', message: `invalid cron expression "${schedule}": ${why}` });
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    problems.push({ path: 'sync.timezone', message: `unknown time zone "${timezone}" (use an IANA name such as "Europe/Berlin" or "UTC")` });
  }
  return problems;
}

const HORIZON_MS = 8 * 24 * 3600_000;
const MAX_SAMPLES = 5_000;

function longestGap(task: ScheduledTask): number {
  // node-cron computes fires from "now"; sample forward in batches until a week-plus is covered.
  let batch = 64;
  for (;;) {
    const runs = task.getNextRuns(batch);
    const first = runs[0]?.getTime();
    const last = runs[runs.length - 1]?.getTime();
    if (first === undefined || last === undefined) return 24 * 3600_000;
    if (last - first >= HORIZON_MS || batch >= MAX_SAMPLES) {
      let gap = 0;
      for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i]!.getTime() - runs[i - 1]!.getTime());
      return gap > 0 ? gap : 24 * 3600_000;
    }
    batch = Math.min(MAX_SAMPLES, batch * 4);
  }
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const logger = options.logger ?? silentLogger();
  const problems = scheduleProblems(options.schedule, options.timezone);
  if (problems.length > 0) throw new ConfigError(problems);

  let current: Promise<void> | undefined;
  let stopped = false;
  let armed = false;

  const cronLogger = {
    info: (message: string) => logger.debug(`node-cron: ${message}`),
    warn: (message: string) => logger.warn(`node-cron: ${message}`),
    error: (message: string | Error) => logger.error({ err: message }, 'node-cron error'),
    debug: (message: string | Error) => logger.debug({ err: message }, 'node-cron'),
  };
  const task = createTask(
    options.schedule,
    () => {
      void tick('scheduled');
    },
    { timezone: options.timezone, name: 'qlik-group-sync', logger: cronLogger },
  );
  const interval = longestGap(task);

  async function tick(reason: TickReason): Promise<TickOutcome> {
    if (stopped) return { ran: false, skipped: 'stopped' };
    if (current) {
      logger.warn({ tick: reason }, 'skipped a run: the previous run is still going');
      options.onSkip?.(reason, 'overlap');
      return { ran: false, skipped: 'overlap' };
    }
    const job = (async () => {
      try {
        await options.job(reason);
      } catch (error) {
        logger.error({ err: error }, 'a scheduled run threw');
      }
    })();
    current = job;
    try {
      await job;
    } finally {
      current = undefined;
    }
    return { ran: true };
  }

  return {
    tick,
    start(): void {
      if (stopped || armed) return;
      armed = true;
      void task.start();
      const next = task.getNextRun();
      logger.info({ schedule: options.schedule, timezone: options.timezone, nextRun: next?.toISOString() }, 'schedule armed');
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      void task.destroy();
    },
    running: () => current !== undefined,
    async idle(): Promise<void> {
      while (current) await current;
    },
    nextRun: () => (stopped || !armed ? null : task.getNextRun()),
    intervalMs: () => interval,
  };
}
