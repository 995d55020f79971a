import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { createScheduler, scheduleProblems, type TickReason } from '../../src/runner/scheduler.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('scheduler', () => {
  it('runs two overlapping ticks once: the second is skipped, logged and reported', async () => {
    const { logger, lines } = capture();
    const gate = deferred();
    const calls: TickReason[] = [];
    const skips: TickReason[] = [];
    const scheduler = createScheduler({
      schedule: '*/15 * * * *',
      timezone: 'UTC',
      logger,
      job: async (reason) => {
        calls.push(reason);
        await gate.promise;
      },
      onSkip: (reason) => skips.push(reason),
    });
    const first = scheduler.tick('scheduled');
    expect(scheduler.running()).toBe(true);
    const second = await scheduler.tick('scheduled');
    expect(second).toEqual({ ran: false, skipped: 'overlap' });
    expect(skips).toEqual(['scheduled']);
    expect(lines.some((l) => l.level === 40 && String(l.msg).includes('previous run is still going'))).toBe(true);
    gate.resolve();
    expect(await first).toEqual({ ran: true });
    expect(calls).toEqual(['scheduled']);
    expect(scheduler.running()).toBe(false);

    // Once the run is over, the next tick runs.
    expect(await scheduler.tick('manual')).toEqual({ ran: true });
    expect(calls).toEqual(['scheduled', 'manual']);
    scheduler.stop();
  });

  it('logs a job that throws and keeps ticking', async () => {
    const { logger, lines } = capture();
    let n = 0;
    const scheduler = createScheduler({
      schedule: '0 3 * * *',
      timezone: 'UTC',
      logger,
      job: async () => {
        n++;
        throw new Error('boom');
      },
    });
    expect(await scheduler.tick('manual')).toEqual({ ran: true });
    expect(await scheduler.tick('manual')).toEqual({ ran: true });
    expect(n).toBe(2);
    expect(lines.filter((l) => l.level === 50)).toHaveLength(2);
    scheduler.stop();
  });

  it('after stop starts nothing, and idle() waits for the run in flight', async () => {
    const gate = deferred();
    let finished = false;
    const scheduler = createScheduler({
      schedule: '0 3 * * *',
      timezone: 'UTC',
      job: async () => {
        await gate.promise;
        finished = true;
      },
    });
    scheduler.start();
    expect(scheduler.nextRun()).toBeInstanceOf(Date);
    void scheduler.tick('scheduled');
    scheduler.stop();
    expect(scheduler.nextRun()).toBeNull();
    expect(await scheduler.tick('scheduled')).toEqual({ ran: false, skipped: 'stopped' });
    const idle = scheduler.idle().then(() => finished);
    gate.resolve();
    expect(await idle).toBe(true);
  });

  it('reads the schedule in the configured time zone', () => {
    const ny = createScheduler({ schedule: '0 3 * * *', timezone: 'America/New_York', job: async () => {} });
    const utc = createScheduler({ schedule: '0 3 * * *', timezone: 'UTC', job: async () => {} });
    ny.start();
    utc.start();
    expect(utc.nextRun()!.getUTCHours()).toBe(3);
    expect([7, 8]).toContain(ny.nextRun()!.getUTCHours()); // EST or EDT
    ny.stop();
    utc.stop();
  });

  it('measures one interval as the longest gap between fires', () => {
    const make = (schedule: string) => createScheduler({ schedule, timezone: 'UTC', job: async () => {} });
    const cases: [string, number][] = [
      ['*/15 * * * *', 15 * 60_000],
      ['0 3 * * *', 24 * 3600_000],
      ['0 3 * * 1-5', 3 * 24 * 3600_000], // Friday to Monday
      ['*/10 * * * * *', 10_000],
    ];
    for (const [schedule, expected] of cases) {
      const s = make(schedule);
      expect(s.intervalMs(), schedule).toBe(expected);
      s.stop();
    }
  });

  it('rejects an invalid schedule or time zone naming the key', () => {
    expect(scheduleProblems('*/15 * * * *', 'Europe/Berlin')).toEqual([]);
    const problems = scheduleProblems('61 * * * *', 'Mars/Olympus_Mons');
    expect(problems.map((p) => p.path)).toEqual(['sync.schedule', 'sync.timezone']);
    expect(() => createScheduler({ schedule: 'every day', timezone: 'UTC', job: async () => {} })).toThrow(ConfigError);
  });

  it('fires from the real cron clock (a per-second schedule, one tick awaited)', async () => {
    const fired = deferred();
    const reasons: TickReason[] = [];
    const scheduler = createScheduler({
      schedule: '* * * * * *',
      timezone: 'UTC',
      job: async (reason) => {
        reasons.push(reason);
        fired.resolve();
      },
    });
    scheduler.start();
    await fired.promise;
    scheduler.stop();
    expect(reasons[0]).toBe('scheduled');
  });
});
