// The per-tier limiter in simulated time (fake timers): a greedy sender never exceeds the window
// budget yet keeps close to the allowed rate; a 429 pause holds the whole tier and resumes without
// a burst; waiters are served in order and can be abandoned; concurrency is bounded.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Concurrency, TierLimiter, tierShape } from '../../src/tenant/pacing.ts';

describe('tierShape', () => {
  it('defaults: tier 2 (100/min over 5 min) bursts 10 and runs at 97.3/min; tier 1 bursts 100 and runs at 973/min', () => {
    const shape = tierShape(100, 5);
    expect(shape.burst).toBe(10);
    expect(shape.ratePerMs * 60_000).toBeCloseTo((500 - 10 - 100 / 30) / 5, 5);
    expect(tierShape(1000, 5).burst).toBe(100);
    expect(tierShape(1000, 5).ratePerMs * 60_000).toBeCloseTo((5000 - 100 - 1000 / 30) / 5, 5);
  });

  it('burst plus one window of steady rate stays under the window budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 100_000 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 600 }), (perMinute, windowMinutes, timeScale) => {
        const shape = tierShape(perMinute, windowMinutes, timeScale);
        const windowMs = (windowMinutes * 60_000) / timeScale;
        const sent = shape.burst + shape.ratePerMs * windowMs;
        expect(sent).toBeLessThanOrEqual(perMinute * windowMinutes - 1 + 1e-6);
        expect(shape.ratePerMs * windowMs).toBeGreaterThanOrEqual(perMinute * windowMinutes * 0.5);
      }),
    );
  });

  it('time scale divides the windows', () => {
    expect(tierShape(100, 5, 60).ratePerMs).toBeCloseTo(tierShape(100, 5).ratePerMs * 60, 10);
  });
});

describe('TierLimiter (simulated time)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function greedy(limiter: TierLimiter, untilMs: number): Promise<number[]> {
    const times: number[] = [];
    const run = async () => {
      while (Date.now() < untilMs) {
        await limiter.acquire();
        times.push(Date.now());
      }
    };
    const done = Promise.allSettled([run(), run(), run(), run()]);
    await vi.advanceTimersByTimeAsync(untilMs + 1000);
    limiter.close(new Error('end of the simulation'));
    await done;
    return times.filter((t) => t < untilMs);
  }

  it('a greedy sender over 20 minutes: at most the budget in any 5-minute window, at least 97% of 100/min overall', async () => {
    const limiter = new TierLimiter(tierShape(100, 5), () => Date.now());
    const times = await greedy(limiter, 20 * 60_000);
    const windowMs = 5 * 60_000;
    let max = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= windowMs) j++;
      max = Math.max(max, i - j + 1);
    }
    expect(max).toBeLessThanOrEqual(499);
    expect(times.length).toBeGreaterThanOrEqual(0.97 * 2000);
    // The start is a modest burst, not the whole window's budget.
    expect(times.filter((t) => t === 0).length).toBe(10);
  });

  it('a pause holds the tier, then resumes at the steady rate without a burst', async () => {
    const limiter = new TierLimiter(tierShape(600, 1), () => Date.now()); // 10/s, burst 60
    await vi.advanceTimersByTimeAsync(60_000); // bucket full
    limiter.pause(5_000);
    expect(limiter.pausedFor()).toBe(5_000);
    const times: number[] = [];
    const pending = Array.from({ length: 5 }, () => limiter.acquire().then(() => times.push(Date.now())));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(pending);
    expect(times[0]).toBeGreaterThanOrEqual(5_000);
    // One at once, then one per steady interval (~102 ms at 588/min), not five at once.
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(4 * 100);
  });

  it('serves waiters in order and lets one be abandoned', async () => {
    const limiter = new TierLimiter(tierShape(60, 1), () => Date.now()); // burst 6
    for (let i = 0; i < 6; i++) await limiter.acquire();
    const order: string[] = [];
    const controller = new AbortController();
    const a = limiter.acquire().then(() => order.push('a'));
    const b = limiter.acquire(controller.signal).then(
      () => order.push('b'),
      () => order.push('b aborted'),
    );
    const c = limiter.acquire().then(() => order.push('c'));
    controller.abort();
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all([a, b, c]);
    expect(order).toEqual(['b aborted', 'a', 'c']);
  });

  it('close() rejects every waiter', async () => {
    const limiter = new TierLimiter(tierShape(60, 1), () => Date.now());
    for (let i = 0; i < 6; i++) await limiter.acquire();
    const waiting = limiter.acquire();
    limiter.close(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    await expect(limiter.acquire()).rejects.toThrow('closed');
  });
});

describe('Concurrency', () => {
  it('never runs more than its bound at once', async () => {
    const concurrency = new Concurrency(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        concurrency.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 1 + (i % 3)));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});
