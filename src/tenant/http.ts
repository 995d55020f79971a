// One HTTP exchange with the tenant over undici: a pooled, injectable Dispatcher, a timeout on
// every request (connect to last body byte), a clean abort when the client closes, JSON in and
// out, every outcome counted, and every failure turned into a TenantError (http-errors.ts).
// No retries, pacing or authentication here: those wrap this (client.ts).
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import { TenantError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { isWrite, tierOf, type Outcome, type RequestAccounting, type Tier } from './accounting.ts';
import { errorForException, errorForStatus, excerpt, protocolError, retryAfterMs, type RequestLabel } from './http-errors.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: Method;
  /** A resolved URL on the tenant (see HttpTransport.resolve / resolveLink). */
  url: URL;
  /** Sent as JSON. */
  body?: unknown;
  /** The `Authorization` header value; never logged. */
  authorization?: string;
  /** `json`: a 2xx must carry a JSON body; `none`: the body is ignored (204). */
  expect: 'json' | 'none';
  /** Aborts this request only (the client's own shutdown signal aborts every request). */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

export interface HttpTransportOptions {
  /** The tenant's base URL (`tenant.url`). */
  baseUrl: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  userAgent: string;
  accounting: RequestAccounting;
  logger: Logger;
  /** Aborted when the client closes. */
  shutdown: AbortSignal;
  /** Largest body accepted (a 100-item page is a few hundred KiB). */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

export class HttpTransport {
  readonly tenant: string;
  readonly #base: URL;
  readonly #options: HttpTransportOptions;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    this.#base = new URL(options.baseUrl.replace(/\/+$/, '') + '/');
    this.tenant = this.#base.host;
  }

  /** The tenant's URL without credentials, query or trailing slash (for snapshots and messages). */
  get baseUrl(): string {
    return this.#base.origin + this.#base.pathname.replace(/\/+$/, '');
  }

  /** One of the bridge's own paths (`/api/v1/users?limit=100`), under the configured base URL. */
  resolve(path: string): URL {
    return new URL(path.replace(/^\/+/, ''), this.#base);
  }

  /**
   * A link the tenant sent (`links.next.href`), absolute or relative. Refuses another origin: the
   * bearer token must never be sent anywhere but the tenant.
   */
  resolveLink(href: string, label: RequestLabel): URL {
    let url: URL;
    try {
      url = new URL(href, this.#base.origin);
    } catch (error) {
      throw protocolError(label, `answered a malformed next link`, error);
    }
    if (url.origin !== this.#base.origin) {
      throw protocolError(label, `answered a next link to another origin (${url.origin}); refusing to follow it`);
    }
    return url;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const { method, url } = req;
    const pathname = url.pathname;
    const label: RequestLabel = { tenant: this.tenant, method, path: pathname };
    const tier: Tier = tierOf(method, pathname);
    const write = tier === 'tier2' && isWrite(method);
    const { accounting, logger, shutdown, timeoutMs } = this.#options;
    const count = (outcome: Outcome): void => accounting.record(tier, write, outcome);

    if (shutdown.aborted || req.signal?.aborted) {
      throw new TenantError('ABORTED', `tenant ${this.tenant}: ${method} ${pathname}: not sent, the client is closing`);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any(req.signal ? [timeout, shutdown, req.signal] : [timeout, shutdown]);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#options.userAgent };
    if (req.authorization) headers.authorization = req.authorization;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();

    let status: number;
    let responseHeaders: HttpResponse['headers'];
    let text: string;
    try {
      const response = await request(url, {
        dispatcher: this.#options.dispatcher,
        method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal,
      });
      status = response.statusCode;
      responseHeaders = response.headers;
      text = await readText(response.body, this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY, label);
    } catch (error) {
      if (shutdown.aborted || req.signal?.aborted) {
        count('aborted');
        const why = shutdown.aborted ? 'the client is closing' : 'its caller gave up on it';
        throw new TenantError('ABORTED', `tenant ${this.tenant}: ${method} ${pathname}: abandoned, ${why}`);
      }
      if (timeout.aborted) {
        count('timeout');
        throw new TenantError('TENANT_TIMEOUT', `tenant ${this.tenant}: ${method} ${pathname}: no answer within ${timeoutMs} ms (tenant.requestTimeoutMs)`, {
          cause: error,
          retryable: true,
        });
      }
      if (error instanceof TenantError) {
        count('protocol');
        throw error;
      }
      const mapped = errorForException(label, this.#base.hostname, error);
      count(mapped.code === 'TENANT_TIMEOUT' ? 'timeout' : 'network');
      logger.debug({ method, path: pathname, tier, error: mapped.code, ms: Math.round(performance.now() - started) }, 'tenant request failed');
      throw mapped;
    }
    const ms = Math.round(performance.now() - started);
    logger.debug({ method, path: pathname, tier, status, ms }, 'tenant request');

    if (status < 200 || status > 299) {
      count(status === 429 ? '429' : status >= 500 ? '5xx' : status >= 400 ? '4xx' : 'protocol');
      throw errorForStatus(label, status, text, status === 429 || status === 503 ? retryAfterMs(responseHeaders) : undefined);
    }
    if (req.expect === 'none' || status === 204) {
      if (req.expect === 'json') {
        count('protocol');
        throw protocolError(label, `answered ${status} without the JSON body expected`);
      }
      count('ok');
      return { status, headers: responseHeaders, json: undefined };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      count('protocol');
      const type = String(responseHeaders['content-type'] ?? 'no content type').split(';')[0];
      throw protocolError(
        label,
        `answered ${status} with ${type} instead of JSON${text.trim() ? `: "${excerpt(text)}"` : ' (empty body)'}; is tenant.url the tenant's address?`,
        error,
      );
    }
    count('ok');
    return { status, headers: responseHeaders, json };
  }
}

async function readText(body: Dispatcher.ResponseData['body'], max: number, label: RequestLabel): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw protocolError(label, `answered a body larger than ${max} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
