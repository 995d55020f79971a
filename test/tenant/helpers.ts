// Shared by the tenant client tests: a TenantConfig with test-friendly defaults, an undici
// MockAgent on which each expected request is declared with its exact method, path, query and body
// (and recorded, for assertions on headers), and a log sink for the secrets checks.
import { MockAgent, type Interceptable } from 'undici';
import type { TenantConfig } from '../../src/config/types.ts';
import { createLogger, type Logger } from '../../src/log.ts';

export const TENANT = 'https://acme.eu.qlikcloud.com';

export function tenantConfig(overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    url: TENANT,
    apiKey: 'test-api-key-0123456789',
    requestTimeoutMs: 5_000,
    tlsVerify: true,
    rateLimits: { tier1PerMinute: 1000, tier2PerMinute: 100, specialPerMinute: 200, windowMinutes: 5 },
    maxConcurrency: 4,
    retry: { retries: 3, maxRetryTimeMs: 60_000 },
    ...overrides,
  };
}

export interface RecordedRequest {
  method: string;
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

export interface Expected {
  method: string;
  pathname: string;
  /** Exact query parameters (decoded); omitted: any. */
  query?: Record<string, string>;
  /** Exact JSON body; omitted: any. */
  body?: unknown;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

function split(path: string): { pathname: string; query: Record<string, string> } {
  const url = new URL(path, TENANT);
  return { pathname: url.pathname, query: Object.fromEntries(url.searchParams) };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function lowerHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers as Record<string, string>);
  for (const [k, v] of entries) out[k.toLowerCase()] = String(v);
  return out;
}

export class MockTenant {
  readonly agent: MockAgent;
  readonly requests: RecordedRequest[] = [];
  readonly #pool: ReturnType<MockAgent['get']>;

  constructor(origin = TENANT) {
    this.agent = new MockAgent();
    this.agent.disableNetConnect();
    this.#pool = this.agent.get(origin);
  }

  #options(expected: Expected): Parameters<Interceptable['intercept']>[0] {
    return {
      method: expected.method,
      path: (path: string) => {
        const { pathname, query } = split(path);
        return pathname === expected.pathname && (expected.query === undefined || sameJson(sortKeys(query), sortKeys(expected.query)));
      },
      ...(expected.body !== undefined ? { body: (body: string) => sameJson(JSON.parse(body), expected.body) } : {}),
    };
  }

  /** Declares one expected request and its answer. */
  on(expected: Expected, reply: Reply | ((req: RecordedRequest) => Reply)): this {
    const scope = this.#pool.intercept(this.#options(expected)).reply((opts) => {
      const { pathname, query } = split(opts.path);
      const req: RecordedRequest = {
        method: opts.method,
        pathname,
        query,
        headers: lowerHeaders(opts.headers),
        body: typeof opts.body === 'string' && opts.body ? JSON.parse(opts.body) : undefined,
      };
      this.requests.push(req);
      const r = typeof reply === 'function' ? reply(req) : reply;
      const headers: Record<string, string> = { ...(r.headers ?? {}) };
      if (r.json !== undefined) headers['content-type'] ??= 'application/json';
      return { statusCode: r.status, data: r.json !== undefined ? JSON.stringify(r.json) : (r.text ?? ''), responseOptions: { headers } };
    });
    const delay = typeof reply === 'function' ? undefined : reply.delayMs;
    if (delay) scope.delay(delay);
    return this;
  }

  /** Declares one expected request that fails at the socket with `code` (no answer). */
  fail(expected: Expected, code: string): this {
    const error = Object.assign(new Error(`simulated ${code}`), { code });
    this.#pool.intercept(this.#options(expected)).replyWithError(error);
    return this;
  }

  assertDone(): void {
    this.agent.assertNoPendingInterceptors();
  }

  #closed = false;
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.agent.close();
  }
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function hex24(n: number): string {
  return n.toString(16).padStart(24, '0');
}

/** A logger at trace level writing JSON lines into `lines` (secrets are scrubbed by the logger itself). */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', format: 'json', destination: { write: (line: string) => lines.push(line) } });
  return { logger, lines };
}

export function page<T>(data: T[], next?: string): { data: T[]; links: { self: { href: string }; next?: { href: string } } } {
  return { data, links: { self: { href: `${TENANT}/api/v1/x` }, ...(next ? { next: { href: next } } : {}) } };
}
