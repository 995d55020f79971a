// Pacing to Qlik Cloud's published rate limits, one limiter per tier, plus a bound on requests in
// flight. Qlik counts each tier over a 5-minute window (1,000/min tier 1, 100/min tier 2, 200/min
// for actions/filter), so a client may burst the whole window's budget and then sit blocked. This
// one does not: it sends at a steady rate with a modest burst, a token bucket whose
//   capacity (burst) = 10% of the per-minute budget (at least 1), and whose
//   rate = the window budget less the burst and less a margin (2 seconds' worth of requests, at
//          least 1), spread over the window,
// so that in any window the requests sent are at most burst + rate * window < the window budget,
// even when arrival times at the tenant bunch up a little compared to send times. A long run keeps
// close to the allowed rate (97.3% of it for tier 2 with the defaults, 97.3% for tier 1) and never
// needs a 429 to find the limit. When a 429 comes anyway (another client on the same user, a
// budget already spent by the previous run), the whole tier pauses for the Retry-After and then
// resumes at the steady rate without a burst. `/oauth/token` is tier 2 and shares its limiter.
// Requests in flight are bounded separately (Concurrency). `timeScale` divides every duration,
// for tests and the emulator's scaled time.
import { performance } from 'node:perf_hooks';
import { TenantError } from '../errors.ts';
import type { Tier } from './accounting.ts';

export interface RateLimits {
  tier1PerMinute: number;
  tier2PerMinute: number;
  specialPerMinute: number;
  windowMinutes: number;
}

export interface TierShape {
  /** Tokens added per millisecond (real time). */
  ratePerMs: number;
  burst: number;
}

/** The token bucket for a per-minute budget evaluated over `windowMinutes`, with time scaled. */
export function tierShape(perMinute: number, windowMinutes: number, timeScale = 1): TierShape {
  const burst = Math.max(1, Math.floor(perMinute * 0.1));
  const window = perMinute * windowMinutes;
  // Under the window budget by the burst and by two seconds' worth of requests (at least one), for
  // arrival times that bunch up on the way; never below half the nominal rate.
  const margin = Math.max(1, perMinute / 30);
  const perWindow = Math.max(window / 2, window - burst - margin);
  const windowMs = (windowMinutes * 60_000) / timeScale;
  return { ratePerMs: perWindow / windowMs, burst };
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** A FIFO token bucket with a pause (for Retry-After). `now` is injectable for tests. */
export class TierLimiter {
  readonly shape: TierShape;
  readonly #now: () => number;
  #tokens: number;
  #last: number;
  #pausedUntil = 0;
  #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed: unknown;

  constructor(shape: TierShape, now: () => number = () => performance.now()) {
    this.shape = shape;
    this.#now = now;
    this.#tokens = shape.burst;
    this.#last = now();
  }

  /** Resolves when the request may be sent. Rejects when `signal` aborts or the limiter closes. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(signal.reason);
          this.#pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** The tenant said 429: nothing more is sent on this tier for `ms`, then the steady rate resumes. */
  pause(ms: number): void {
    const until = this.#now() + Math.max(0, ms);
    if (until > this.#pausedUntil) {
      this.#pausedUntil = until;
      this.#tokens = 1;
      this.#last = until;
      this.#schedule(0);
    }
  }

  /** Milliseconds left of a pause, 0 when none. */
  pausedFor(): number {
    return Math.max(0, this.#pausedUntil - this.#now());
  }

  close(reason: unknown): void {
    this.#closed = reason;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#queue.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(reason);
    }
  }

  #refill(now: number): void {
    if (now > this.#last) {
      this.#tokens = Math.min(this.shape.burst, this.#tokens + (now - this.#last) * this.shape.ratePerMs);
      this.#last = now;
    }
  }

  #pump(): void {
    if (this.#timer) return; // a timer is already set to pump at the right time
    while (this.#queue.length > 0) {
      const now = this.#now();
      if (now < this.#pausedUntil) {
        this.#schedule(this.#pausedUntil - now);
        return;
      }
      this.#refill(now);
      if (this.#tokens < 1) {
        this.#schedule((1 - this.#tokens) / this.shape.ratePerMs);
        return;
      }
      this.#tokens -= 1;
      const waiter = this.#queue.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
  }

  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, Math.max(1, Math.ceil(ms)));
  }
}

/** A counting semaphore: requests in flight at once. */
export class Concurrency {
  readonly #max: number;
  #active = 0;
  #queue: (() => void)[] = [];

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#active++;
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

/** The limiters of one client. */
export class Pacer {
  readonly #tiers: Record<Tier, TierLimiter>;
  readonly concurrency: Concurrency;

  constructor(limits: RateLimits, maxConcurrency: number, timeScale = 1) {
    const make = (perMinute: number): TierLimiter => new TierLimiter(tierShape(perMinute, limits.windowMinutes, timeScale));
    const tier2 = make(limits.tier2PerMinute);
    // `/oauth/token` is a tier 2 endpoint: token requests share the writes' budget (counted apart).
    this.#tiers = { tier1: make(limits.tier1PerMinute), tier2, special: make(limits.specialPerMinute), oauth: tier2 };
    this.concurrency = new Concurrency(maxConcurrency);
  }

  limiter(tier: Tier): TierLimiter {
    return this.#tiers[tier];
  }

  close(): void {
    const reason = new TenantError('ABORTED', 'the tenant client is closed');
    for (const limiter of new Set(Object.values(this.#tiers))) limiter.close(reason);
  }
}
