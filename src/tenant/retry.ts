// The retry policy for tenant requests, on p-retry. What is retried is decided at the HTTP edge
// (TenantError.retryable: 429, 5xx, 408, connection resets and refusals, timeouts, DNS EAI_AGAIN);
// other 4xx, TLS, DNS ENOTFOUND and malformed answers are final. Backoff is exponential and
// jittered (x1..x2), capped per wait, bounded by `retries` and by a time budget counted from the
// first failure (so time spent queued behind the rate limiter does not eat it).
// A 429 is not backed off here: the tier's limiter pauses every request of the tier for the
// Retry-After (client.ts), so a 429 retry is attempted at once and waits in the limiter; 429s have
// their own allowance of `retries`, after which they consume the ordinary budget.
import { performance } from 'node:perf_hooks';
import pRetry from 'p-retry';
import { TenantError } from '../errors.ts';

export interface RetryPolicy {
  retries: number;
  /** Longest time spent retrying one operation, from its first failure. */
  maxRetryTimeMs: number;
  /** First backoff (before jitter). */
  minTimeoutMs: number;
  /** Longest single backoff. */
  maxTimeoutMs: number;
  factor: number;
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called once per retry that will happen. */
  onRetry?: (error: TenantError, attempt: number, delayMs: number) => void;
}

/** A failure after which the request may or may not have taken effect on the tenant. */
export function isUncertain(error: unknown): boolean {
  return (
    error instanceof TenantError &&
    error.retryable &&
    (error.code === 'TENANT_SERVER' || error.code === 'TENANT_TIMEOUT' || error.code === 'TENANT_NETWORK')
  );
}

function isRateLimited(error: unknown): error is TenantError {
  return error instanceof TenantError && error.code === 'TENANT_RATE_LIMITED';
}

/** Runs `fn` until it succeeds, a final error, or the policy's bounds; rethrows the last error. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  let firstFailure: number | undefined;
  let rateLimited = 0;
  let attempts = 0;
  try {
    return await pRetry(
      (attempt) => {
        attempts = attempt;
        return fn(attempt);
      },
      {
        retries: policy.retries,
        factor: policy.factor,
        minTimeout: policy.minTimeoutMs,
        maxTimeout: policy.maxTimeoutMs,
        randomize: true,
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        shouldConsumeRetry: ({ error }) => {
          if (!isRateLimited(error)) return true;
          rateLimited++;
          return rateLimited > policy.retries;
        },
        shouldRetry: ({ error, attemptNumber, retryDelay }) => {
          if (!(error instanceof TenantError) || !error.retryable) return false;
          const now = performance.now();
          firstFailure ??= now;
          const asked = error.retryAfterMs;
          const wait = isRateLimited(error) ? (asked ?? 0) : Math.max(retryDelay, asked ?? 0);
          if (now - firstFailure + wait > policy.maxRetryTimeMs) return false;
          hooks.onRetry?.(error, attemptNumber, wait);
          return true;
        },
      },
    );
  } catch (error) {
    if (error instanceof TenantError && error.retryable && attempts > 1) {
      throw new TenantError(error.code, `${error.message} (gave up after ${attempts} attempts)`, {
        ...(error.status !== undefined ? { status: error.status } : {}),
        ...(error.qlikCode ? { qlikCode: error.qlikCode } : {}),
        ...(error.detail ? { detail: error.detail } : {}),
        ...(error.traceId ? { traceId: error.traceId } : {}),
        retryable: true,
        ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
        cause: error.cause,
      });
    }
    throw error;
  }
}
