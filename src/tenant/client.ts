// The tenant client: the bridge's side of the Qlik Cloud REST API, assembled from small parts
// (http.ts transport, auth.ts credentials, pacing.ts limits, retry.ts policy, paging.ts listings,
// read-tenant.ts snapshot, writes.ts writes). Implements the `Tenant` interface of snapshot.ts plus
// the listings and look-ups other commands (validate, migrate) use.
import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher } from 'undici';
import type { TenantConfig } from '../config/types.ts';
import { TenantError } from '../errors.ts';
import { registerSecret, silentLogger, type Logger } from '../log.ts';
import { PRODUCT, VERSION } from '../version.ts';
import { RequestAccounting } from './accounting.ts';
import { apiKeyAuth, OAuthAuthenticator } from './auth.ts';
import { TenantCore } from './core.ts';
import { HttpTransport } from './http.ts';
import { Pacer } from './pacing.ts';
import * as queries from './queries.ts';
import type { ListQuery } from './queries.ts';
import { readTenant } from './read-tenant.ts';
import type { RetryPolicy } from './retry.ts';
import type { Tenant, TenantGroup, TenantRole, TenantUser } from './snapshot.ts';
import * as writes from './writes.ts';

export type { ListQuery } from './queries.ts';

export interface TenantClientOptions {
  logger?: Logger;
  /**
   * The HTTP transport; by default a pooled undici Agent (one connection per allowed concurrent
   * request, `tenant.caFile` and `tenant.tlsVerify` applied) owned and closed by the client. An
   * injected dispatcher is used as it is (its TLS settings are its own) and is not closed.
   */
  dispatcher?: Dispatcher;
  /**
   * Divides every duration the client waits on its own (rate-limit windows, retry backoff), for
   * tests and the emulator's scaled time. 1 in production. Request timeouts are not scaled.
   */
  timeScale?: number;
  /** Aborting it is like close(): requests in flight and waiting are abandoned with ABORTED. */
  signal?: AbortSignal;
}

export interface TenantClient extends Tenant {
  /** The tenant's URL, no credentials. */
  readonly url: string;
  listGroups(query?: ListQuery): AsyncIterable<TenantGroup>;
  listUsers(query?: ListQuery): AsyncIterable<TenantUser>;
  listRoles(query?: ListQuery): AsyncIterable<TenantRole>;
  getGroup(id: string): Promise<TenantGroup>;
  /** IdP and custom groups with this name (the API compares names ignoring case). */
  findGroupsByName(name: string): Promise<TenantGroup[]>;
  findUserBySubject(subject: string): Promise<TenantUser | undefined>;
}

/** Backoff before scaling: 0.5 s, doubling, at most 30 s per wait, jittered x1..x2. */
const BACKOFF = { minTimeoutMs: 500, maxTimeoutMs: 30_000, factor: 2 };

function ownDispatcher(config: TenantConfig, logger: Logger): Agent {
  const connect: { ca?: string; rejectUnauthorized?: boolean } = {};
  if (config.caFile) {
    try {
      connect.ca = readFileSync(config.caFile, 'utf8');
    } catch (error) {
      throw new TenantError('TENANT_TLS', `tenant.caFile ${config.caFile} cannot be read: ${(error as Error).message}`, { cause: error });
    }
  }
  if (config.tlsVerify === false) {
    connect.rejectUnauthorized = false;
    logger.warn({ tenant: config.url }, 'tenant.tlsVerify is off: the tenant\'s certificate is not checked (anyone on the path can read the API key)');
  }
  return new Agent({ connections: Math.max(1, config.maxConcurrency), connect });
}

export function createTenantClient(config: TenantConfig, options: TenantClientOptions = {}): TenantClient {
  const logger = options.logger ?? silentLogger();
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new TenantError('INTERNAL', `timeScale must be positive, got ${timeScale}`);
  if (!config.apiKey && !config.oauth) {
    throw new TenantError('TENANT_AUTH', `tenant ${config.url}: neither tenant.apiKey nor tenant.oauth is set`);
  }
  registerSecret(config.apiKey);
  registerSecret(config.oauth?.clientSecret);

  const shutdown = new AbortController();
  const closedError = (): TenantError => new TenantError('ABORTED', `tenant ${transport.tenant}: the client is closed`);
  const owned = options.dispatcher === undefined;
  const dispatcher = options.dispatcher ?? ownDispatcher(config, logger);
  const accounting = new RequestAccounting();
  const transport = new HttpTransport({
    baseUrl: config.url,
    dispatcher,
    timeoutMs: config.requestTimeoutMs,
    userAgent: `${PRODUCT}/${VERSION}`,
    accounting,
    logger,
    shutdown: shutdown.signal,
  });
  const pacer = new Pacer(config.rateLimits, config.maxConcurrency, timeScale);
  const policy: RetryPolicy = {
    retries: config.retry.retries,
    maxRetryTimeMs: config.retry.maxRetryTimeMs,
    minTimeoutMs: BACKOFF.minTimeoutMs / timeScale,
    maxTimeoutMs: BACKOFF.maxTimeoutMs / timeScale,
    factor: BACKOFF.factor,
  };
  const core = new TenantCore({ transport, pacer, accounting, policy, logger, shutdown: shutdown.signal, timeScale });
  if (config.apiKey) {
    core.auth = apiKeyAuth(config.apiKey);
  } else {
    const oauth = config.oauth!;
    core.auth = new OAuthAuthenticator(
      { clientId: oauth.clientId, clientSecret: oauth.clientSecret, ...(oauth.scope ? { scope: oauth.scope } : {}) },
      async (body, signal) =>
        (await core.callAnonymous('POST', core.resolve('/oauth/token'), { body, expect: 'json', ...(signal ? { signal } : {}) })).json,
      transport,
      logger,
    );
  }

  let closing: Promise<void> | undefined;
  const onAbort = (): void => void close();
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.signal?.removeEventListener('abort', onAbort);
      if (!shutdown.signal.aborted) shutdown.abort(closedError());
      pacer.close();
      if (owned) await dispatcher.close().catch(() => undefined);
    })();
    return closing;
  };
  if (options.signal) {
    if (options.signal.aborted) void close();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  }
  const open = <T>(fn: () => Promise<T>): Promise<T> => (shutdown.signal.aborted ? Promise.reject(closedError()) : fn());

  return {
    url: transport.baseUrl,
    readTenant: () => open(() => readTenant(core)),
    getUser: (id) => open(() => queries.getUser(core, id)),
    getGroup: (id) => open(() => queries.getGroup(core, id)),
    listGroups: (query) => queries.listGroups(core, query),
    listUsers: (query) => queries.listUsers(core, query),
    listRoles: (query) => queries.listRoles(core, query),
    findGroupsByName: (name) => open(() => queries.findGroupsByName(core, name)),
    findUserBySubject: (subject) => open(() => queries.findUserBySubject(core, subject)),
    createGroup: (input) => open(() => writes.createGroup(core, input)),
    patchGroup: (id, changes) => open(() => writes.patchGroup(core, id, changes)),
    deleteGroup: (id) => open(() => writes.deleteGroup(core, id)),
    createUser: (input) => open(() => writes.createUser(core, input)),
    patchUserGroups: (id, change) => open(() => writes.patchUserGroups(core, id, change)),
    stats: () => accounting.snapshot(),
    close,
  };
}
