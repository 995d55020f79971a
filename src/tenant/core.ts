// The request pipeline every tenant operation goes through, in this order: the tier's limiter
// (steady pacing, paused by a 429); the authorization header (an OAuth token is fetched after the
// limiter wait, so it is never stale, and before a concurrency slot is taken, so waiting for a
// token never holds one); a slot among `maxConcurrency`; the HTTP exchange. A 401 with OAuth
// refreshes the token and repeats the request once. `call` adds the retry policy; writes that are
// not safe to repeat blindly use `attempt` and drive their own retries (writes.ts).
import { TenantError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { tierOf, type RequestAccounting } from './accounting.ts';
import type { Authenticator } from './auth.ts';
import type { RequestLabel } from './http-errors.ts';
import type { HttpResponse, HttpTransport, Method } from './http.ts';
import type { PageSource } from './paging.ts';
import type { Pacer } from './pacing.ts';
import { withRetry, type RetryPolicy } from './retry.ts';

export interface CallOptions {
  body?: unknown;
  expect: 'json' | 'none';
  signal?: AbortSignal;
}

export interface CoreParts {
  transport: HttpTransport;
  pacer: Pacer;
  accounting: RequestAccounting;
  policy: RetryPolicy;
  logger: Logger;
  shutdown: AbortSignal;
  timeScale: number;
}

export class TenantCore {
  readonly transport: HttpTransport;
  readonly logger: Logger;
  readonly #parts: CoreParts;
  #auth: Authenticator | undefined;

  constructor(parts: CoreParts) {
    this.#parts = parts;
    this.transport = parts.transport;
    this.logger = parts.logger;
  }

  /** Set once, after construction (an OAuth authenticator sends its token requests through `callAnonymous`). */
  set auth(auth: Authenticator) {
    this.#auth = auth;
  }

  get tenant(): string {
    return this.transport.tenant;
  }

  resolve(path: string): URL {
    return this.transport.resolve(path);
  }

  /** The client's shutdown signal, joined with a caller's. */
  signal(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([this.#parts.shutdown, signal]) : this.#parts.shutdown;
  }

  /** One request with the retry policy (reads, idempotent writes). */
  call(method: Method, url: URL, options: CallOptions): Promise<HttpResponse> {
    return this.retry((_attempt) => this.attempt(method, url, options), options.signal);
  }

  /** Runs `fn` under the retry policy; `fn` decides what one attempt is. */
  retry<T>(fn: (attempt: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, this.#parts.policy, {
      signal: this.signal(signal),
      onRetry: (error, attempt, delayMs) => {
        this.#parts.accounting.retried();
        // A blip is info; a request still failing after a few tries is worth a warning, so a
        // tenant that cannot be reached is visible at the default levels long before retries end.
        const level = error.code === 'TENANT_RATE_LIMITED' ? 'debug' : attempt >= 3 ? 'warn' : 'info';
        this.logger[level]({ attempt, delayMs: Math.round(delayMs), code: error.code, status: error.status }, `retrying after: ${error.message}`);
      },
    });
  }

  /** One attempt (pacing, auth, one repeat after a 401 with a refreshed OAuth token), no retry. */
  async attempt(method: Method, url: URL, options: CallOptions): Promise<HttpResponse> {
    const auth = this.#auth;
    if (!auth) throw new TenantError('INTERNAL', 'tenant client used before its authentication was set');
    const signal = this.signal(options.signal);
    let used: string | undefined;
    const header = async (): Promise<string> => (used = await auth.header(signal));
    try {
      return await this.#once(method, url, options, header, signal);
    } catch (error) {
      if (used !== undefined && error instanceof TenantError && error.status === 401 && (await auth.rejected(used, signal))) {
        this.logger.info({ method, path: url.pathname }, 'access token rejected (401): fetched a new token, repeating the request once');
        return await this.#once(method, url, options, header, signal);
      }
      throw error;
    }
  }

  /** A request sent without credentials (the token request), with the retry policy. */
  callAnonymous(method: Method, url: URL, options: CallOptions): Promise<HttpResponse> {
    return this.retry(() => this.#once(method, url, options, async () => undefined, this.signal(options.signal)), options.signal);
  }

  /**
   * Pacing first, then the credential (so a token is never taken stale out of a long wait in the
   * limiter), then a concurrency slot (a token request never waits behind requests waiting for it).
   */
  async #once(
    method: Method,
    url: URL,
    options: CallOptions,
    credential: () => Promise<string | undefined>,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const tier = tierOf(method, url.pathname);
    const limiter = this.#parts.pacer.limiter(tier);
    await limiter.acquire(signal);
    const authorization = await credential();
    try {
      return await this.#parts.pacer.concurrency.run(() =>
        this.transport.send({
          method,
          url,
          expect: options.expect,
          signal,
          ...(options.body !== undefined ? { body: options.body } : {}),
          ...(authorization !== undefined ? { authorization } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof TenantError && error.code === 'TENANT_RATE_LIMITED') {
        // Without a Retry-After (a proxy's 429), wait one second of (scaled) time. Never longer
        // than the retry budget: a Retry-After of an hour (or a date read on a skewed clock) fails
        // this request at once (retry.ts), and must not hold every later request of the tier
        // for the hour, unbounded by any timeout; they ask again and get their own answer.
        limiter.pause(this.#pauseFor(error.retryAfterMs ?? 1000 / this.#parts.timeScale));
      } else if (error instanceof TenantError && error.status === 503 && error.retryAfterMs !== undefined) {
        // An overloaded tenant (or one in maintenance) that says when to come back: its tier waits
        // that long, as after a 429, instead of spending its retries sooner.
        limiter.pause(this.#pauseFor(error.retryAfterMs));
      }
      throw error;
    }
  }

  /** A tier's pause for an answer that asked for `asked` ms: at most the retry budget, and at least one (scaled) second even when the budget is smaller (0 included). */
  #pauseFor(asked: number): number {
    return Math.min(asked, Math.max(this.#parts.policy.maxRetryTimeMs, 1000 / this.#parts.timeScale));
  }

  /** The page source for paging.ts: GETs under the retry policy. */
  get pages(): PageSource {
    return {
      tenant: this.tenant,
      get: async (url, signal) => (await this.call('GET', url, { expect: 'json', ...(signal ? { signal } : {}) })).json,
      resolveLink: (href: string, label: RequestLabel) => this.transport.resolveLink(href, label),
    };
  }
}
