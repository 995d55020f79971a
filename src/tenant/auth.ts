// The `Authorization` header for every tenant request: an API key as is, or an OAuth
// machine-to-machine access token (client credentials, `POST /oauth/token`) that is cached,
// fetched once for concurrent callers, refreshed ahead of its expiry, and refreshed once more when
// the tenant answers 401 (revoked or expired early). Keys, secrets and tokens are registered as
// secrets before first use, so no log line, error or report can carry them.
import { performance } from 'node:perf_hooks';
import { TenantError } from '../errors.ts';
import { registerSecret, type Logger } from '../log.ts';
import type { ApiTokenResponse } from './api-types.ts';
import type { HttpTransport } from './http.ts';

export interface Authenticator {
  /** The header value to send. */
  header(signal?: AbortSignal): Promise<string>;
  /**
   * The tenant answered 401 to a request sent with `header`. Returns true when a new credential is
   * now available and the request is worth repeating once (OAuth), false when it is not (API key).
   */
  rejected(header: string, signal?: AbortSignal): Promise<boolean>;
}

export function apiKeyAuth(apiKey: string): Authenticator {
  registerSecret(apiKey);
  const header = `Bearer ${apiKey}`;
  return {
    header: async () => header,
    rejected: async () => false,
  };
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  scope?: string;
}

/** How a token request is sent: through the client's retry policy (a token request is retried like any other). */
export type TokenRequester = (body: Record<string, string>, signal?: AbortSignal) => Promise<unknown>;

interface CachedToken {
  header: string;
  /** performance.now() after which the token is refreshed before use. */
  refreshAt: number;
}

/** Refresh this long before expiry: 10% of the lifetime, at most a minute. */
function refreshMargin(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs * 0.1);
}

export class OAuthAuthenticator implements Authenticator {
  readonly #client: OAuthClient;
  readonly #send: TokenRequester;
  readonly #logger: Logger;
  readonly #transport: Pick<HttpTransport, 'tenant'>;
  #token: CachedToken | undefined;
  #pending: Promise<CachedToken> | undefined;

  constructor(client: OAuthClient, send: TokenRequester, transport: Pick<HttpTransport, 'tenant'>, logger: Logger) {
    registerSecret(client.clientSecret);
    this.#client = client;
    this.#send = send;
    this.#transport = transport;
    this.#logger = logger;
  }

  async header(signal?: AbortSignal): Promise<string> {
    const token = this.#token;
    if (token && performance.now() < token.refreshAt) return token.header;
    return (await this.#fetch(signal)).header;
  }

  async rejected(header: string, signal?: AbortSignal): Promise<boolean> {
    // Only the first request to see a token rejected drops it; the others reuse the new one.
    if (this.#token?.header === header) this.#token = undefined;
    await this.header(signal);
    return true;
  }

  #fetch(signal?: AbortSignal): Promise<CachedToken> {
    this.#pending ??= this.#request(signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #request(signal?: AbortSignal): Promise<CachedToken> {
    const body: Record<string, string> = {
      client_id: this.#client.clientId,
      client_secret: this.#client.clientSecret,
      grant_type: 'client_credentials',
    };
    if (this.#client.scope) body.scope = this.#client.scope;
    let json: unknown;
    try {
      json = await this.#send(body, signal);
    } catch (error) {
      if (error instanceof TenantError && (error.status === 401 || error.status === 400 || error.status === 403)) {
        throw new TenantError(
          'TENANT_AUTH',
          `tenant ${this.#transport.tenant}: OAuth client ${this.#client.clientId} was refused a token (${error.status}${error.qlikCode ? ` ${error.qlikCode}` : ''}); check tenant.oauth.clientId and tenant.oauth.clientSecret`,
          { status: error.status, ...(error.traceId ? { traceId: error.traceId } : {}), ...(error.qlikCode ? { qlikCode: error.qlikCode } : {}), cause: error },
        );
      }
      throw error;
    }
    const token = json as Partial<ApiTokenResponse> | null;
    if (!token || typeof token.access_token !== 'string' || token.access_token.length === 0) {
      throw new TenantError('TENANT_PROTOCOL', `tenant ${this.#transport.tenant}: POST /oauth/token answered without an access_token`);
    }
    registerSecret(token.access_token);
    const lifetimeMs = typeof token.expires_in === 'number' && token.expires_in > 0 ? token.expires_in * 1000 : 3_600_000;
    const cached: CachedToken = {
      header: `Bearer ${token.access_token}`,
      refreshAt: performance.now() + lifetimeMs - refreshMargin(lifetimeMs),
    };
    this.#token = cached;
    this.#logger.debug({ clientId: this.#client.clientId, expiresInSeconds: Math.round(lifetimeMs / 1000) }, 'obtained an OAuth access token');
    return cached;
  }
}
