// Qlik Cloud's rate limits, per credential and per tier: tier 1 (most GETs), tier 2 (writes and
// /oauth/token), special (actions/filter). Algorithm: a sliding log of request times per
// (credential, tier), over a window of `windowMinutes`, with a budget of perMinute x windowMinutes
// requests (so bursts up to the whole window's budget pass, as qlik.dev describes). A request over
// budget is refused with the time until the oldest logged request leaves the window; refused
// requests are not logged, so waiting as told always works. A limited tier blocks only itself.
import { ApiError } from '../http/api-error.ts';
import type { EmulatedClock } from './clock.ts';

export type Tier = 'tier1' | 'tier2' | 'special';

export interface RateLimitNumbers {
  tier1PerMinute: number;
  tier2PerMinute: number;
  specialPerMinute?: number;
  windowMinutes?: number;
}

export type RateLimitSetting = 'qlik' | 'off' | RateLimitNumbers;

export interface RateLimitConfig {
  tier1PerMinute: number;
  tier2PerMinute: number;
  specialPerMinute: number;
  windowMinutes: number;
}

/** qlik.dev: tier 1 1,000/min, tier 2 100/min, special 200/min (actions/filter), 5-minute window. */
export const QLIK_RATE_LIMITS: RateLimitConfig = { tier1PerMinute: 1000, tier2PerMinute: 100, specialPerMinute: 200, windowMinutes: 5 };
export const DEFAULT_SPECIAL_PER_MINUTE = 200;
export const DEFAULT_WINDOW_MINUTES = 5;

/** Checks a setting; `fail(detail)` makes the error (a USAGE error on the CLI, a 400 over HTTP). */
export function normalizeRateLimits(setting: unknown, fail: (detail: string) => Error): RateLimitConfig | null {
  if (setting === 'off') return null;
  if (setting === 'qlik') return { ...QLIK_RATE_LIMITS };
  if (setting === null || typeof setting !== 'object' || Array.isArray(setting)) {
    throw fail('rate limits must be "qlik", "off" or {tier1PerMinute, tier2PerMinute, specialPerMinute?, windowMinutes?}');
  }
  const input = setting as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['tier1PerMinute', 'tier2PerMinute', 'specialPerMinute', 'windowMinutes'].includes(key)) throw fail(`rate limits: unknown property "${key}"`);
  }
  const positive = (key: string, fallback?: number): number => {
    const value = input[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw fail(`rate limits: ${key} must be a number greater than 0`);
    return value;
  };
  const config: RateLimitConfig = {
    tier1PerMinute: positive('tier1PerMinute'),
    tier2PerMinute: positive('tier2PerMinute'),
    specialPerMinute: positive('specialPerMinute', DEFAULT_SPECIAL_PER_MINUTE),
    windowMinutes: positive('windowMinutes', DEFAULT_WINDOW_MINUTES),
  };
  for (const tier of ['tier1', 'tier2', 'special'] as const) {
    if (budgetOf(config, tier) < 1) throw fail(`rate limits: ${tier} allows less than one request per window`);
  }
  return config;
}

function budgetOf(config: RateLimitConfig, tier: Tier): number {
  const perMinute = tier === 'tier1' ? config.tier1PerMinute : tier === 'tier2' ? config.tier2PerMinute : config.specialPerMinute;
  return Math.floor(perMinute * config.windowMinutes);
}

/** Request times of one (credential, tier), oldest first, in a ring buffer of the budget's size. */
class SlidingLog {
  readonly #times: Float64Array;
  #head = 0;
  #count = 0;

  constructor(capacity: number) {
    this.#times = new Float64Array(capacity);
  }

  /** Logs `now` if there is room after dropping times older than `now - windowMs`; else the wait. */
  take(now: number, windowMs: number): number {
    const capacity = this.#times.length;
    while (this.#count > 0 && this.#times[this.#head]! <= now - windowMs) {
      this.#head = (this.#head + 1) % capacity;
      this.#count--;
    }
    if (this.#count < capacity) {
      this.#times[(this.#head + this.#count) % capacity] = now;
      this.#count++;
      return 0;
    }
    return this.#times[this.#head]! + windowMs - now;
  }
}

export interface RateDecision {
  allowed: boolean;
  /** Real milliseconds until a request of this tier will be accepted (when refused). */
  retryAfterMs: number;
}

export class RateLimiter {
  readonly #clock: EmulatedClock;
  #config: RateLimitConfig | null = null;
  #logs = new Map<string, SlidingLog>();

  constructor(clock: EmulatedClock, setting: RateLimitSetting = 'off') {
    this.#clock = clock;
    this.configure(setting);
  }

  configure(setting: unknown): RateLimitConfig | null {
    this.#config = normalizeRateLimits(setting, (detail) => new ApiError(400, detail));
    this.#logs = new Map();
    return this.#config;
  }

  config(): RateLimitConfig | null {
    return this.#config ? { ...this.#config } : null;
  }

  /** Forgets every logged request (windows start empty). */
  clear(): void {
    this.#logs = new Map();
  }

  check(credential: string, tier: Tier): RateDecision {
    const config = this.#config;
    if (!config) return { allowed: true, retryAfterMs: 0 };
    const key = `${credential}\u0000${tier}`;
    let log = this.#logs.get(key);
    if (!log) {
      log = new SlidingLog(budgetOf(config, tier));
      this.#logs.set(key, log);
    }
    const wait = log.take(this.#clock.now(), config.windowMinutes * 60_000);
    if (wait <= 0) return { allowed: true, retryAfterMs: 0 };
    return { allowed: false, retryAfterMs: this.#clock.toReal(wait) };
  }
}

/** The 429 Qlik documents, with Retry-After in whole seconds and the precise wait for scaled time. */
export function rateLimitedError(retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(429, `You need to wait ${seconds} seconds until limit is lifted.`, {
    code: 'HTTP-429',
    headers: { 'retry-after': String(seconds), 'x-emulator-retry-after-ms': String(Math.max(1, Math.ceil(retryAfterMs))) },
  });
}
