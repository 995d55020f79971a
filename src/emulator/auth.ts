// Who is calling: `Authorization: Bearer <API key or OAuth access token>`. API keys are fixed at
// start; OAuth machine-to-machine clients get expiring access tokens from POST /oauth/token
// (client credentials). Each credential is one "user" for rate limiting and has a virtual user
// (what /users/me returns, the `userid` of events and `createdBy` of groups) that is not listed
// among the tenant's users, so a new tenant stays empty. Secrets are compared in constant time
// and never logged or echoed.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface Principal {
  /** Rate-limit identity: `api-key:<n>` or `oauth:<clientId>`. */
  key: string;
  kind: 'api-key' | 'oauth';
  /** The virtual user's id (24 hex). */
  userId: string;
  subject: string;
  name: string;
  clientId?: string;
}

export interface TokenGrant {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: string;
  scope?: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export class Credentials {
  readonly #apiKeys: { digest: Buffer; principal: Principal }[];
  readonly #clients: Map<string, { secret: string; principal: Principal }>;
  readonly #tokens = new Map<string, { principal: Principal; expiresAt: number }>();
  readonly #ttlSeconds: number;

  constructor(apiKeys: readonly string[], clients: readonly OAuthClient[], ttlSeconds: number) {
    this.#ttlSeconds = ttlSeconds;
    this.#apiKeys = apiKeys.map((key, index) => ({
      digest: digest(key),
      principal: {
        key: `api-key:${index + 1}`,
        kind: 'api-key',
        userId: `ffffffffffffffff${(index + 1).toString(16).padStart(8, '0')}`,
        subject: `emulator/api-key-${index + 1}`,
        name: `Emulator API key ${index + 1}`,
      },
    }));
    this.#clients = new Map(
      clients.map((client) => [
        client.clientId,
        {
          secret: client.clientSecret,
          principal: {
            key: `oauth:${client.clientId}`,
            kind: 'oauth',
            userId: createHash('sha256').update(`oauth-client:${client.clientId}`).digest('hex').slice(0, 24),
            subject: `qlikbot/${client.clientId}`,
            name: `OAuth client ${client.clientId}`,
            clientId: client.clientId,
          },
        },
      ]),
    );
  }

  /** The principal of an `Authorization` header, or undefined (missing, malformed, unknown, expired). */
  authenticate(header: string | undefined): Principal | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return undefined;
    const token = match[1]!;
    const granted = this.#tokens.get(token);
    if (granted) {
      if (granted.expiresAt > Date.now()) return granted.principal;
      this.#tokens.delete(token);
      return undefined;
    }
    const presented = digest(token);
    let found: Principal | undefined;
    for (const key of this.#apiKeys) if (timingSafeEqual(key.digest, presented)) found = key.principal;
    return found;
  }

  /** The principal a client id would act as (for rate limiting /oauth/token), if the client exists. */
  clientPrincipal(clientId: string): Principal | undefined {
    return this.#clients.get(clientId)?.principal;
  }

  /** A new access token for valid client credentials, else undefined. */
  issueToken(clientId: string, clientSecret: string, scope?: string): TokenGrant | undefined {
    const client = this.#clients.get(clientId);
    if (!client || !sameSecret(client.secret, clientSecret)) return undefined;
    this.#sweep();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + this.#ttlSeconds * 1000;
    this.#tokens.set(token, { principal: client.principal, expiresAt });
    const grant: TokenGrant = { access_token: token, token_type: 'bearer', expires_in: this.#ttlSeconds, expires_at: new Date(expiresAt).toISOString() };
    if (scope !== undefined) grant.scope = scope;
    return grant;
  }

  #sweep(): void {
    if (this.#tokens.size < 1000) return;
    const now = Date.now();
    for (const [token, grant] of this.#tokens) if (grant.expiresAt <= now) this.#tokens.delete(token);
  }
}
