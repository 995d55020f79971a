// startEmulator: one emulator on a loopback port (by default), with an in-process handle whose
// helpers reach the same core as the HTTP control surface. The state file, if given, is loaded at
// start and written (atomically, via a temporary file) on close.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { SyncError } from '../errors.ts';
import { registerSecret } from '../log.ts';
import { CONTROL_ACTOR_ID, EmulatorCore } from './core.ts';
import { ApiError } from './http/api-error.ts';
import type { FaultConfig, FaultSettings } from './limits/faults.ts';
import type { RateLimitConfig, RateLimitSetting } from './limits/rate-limit.ts';
import type { CloudEvent, MembershipLogEntry } from './model/events.ts';
import { createGroup, deleteGroup, patchGroup } from './model/group-ops.ts';
import { login } from './model/login.ts';
import { renderGroup, renderUser } from './model/render.ts';
import type { TenantState } from './model/state.ts';
import { createUser, deleteUser, patchUser } from './model/user-ops.ts';
import { resolveOptions, type EmulatorOptions } from './options.ts';
import { createListener, dispatch, type DispatchResult } from './server.ts';
import type { StatsSnapshot } from './stats.ts';

export type Json = Record<string, unknown>;

/** Tenant operations without HTTP (no rate limits, faults or statistics); they throw ApiError. */
export interface InProcessApi {
  createGroup(body: unknown): Json;
  patchGroup(id: string, operations: unknown): void;
  deleteGroup(id: string): void;
  createUser(body: unknown): Json;
  patchUser(id: string, operations: unknown): void;
  deleteUser(id: string): void;
  /** Any API request, e.g. `request('GET', '/api/v1/users?limit=100')`, answered by the same handlers. */
  request(method: string, pathAndQuery: string, body?: unknown): DispatchResult;
}

export interface EmulatorHandle {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  /** A credential the emulator accepts (the first API key), for tests and the demo. */
  apiKey: string | undefined;
  /** Stops listening, drops open connections, saves the state file if configured. Idempotent. */
  close(): Promise<void>;
  api: InProcessApi;
  /** POST /__emulator/login: returns the user as GET /api/v1/users/{id} would. */
  login(claims: { subject: string; name?: string; email?: string; groups?: string[] }): Json;
  stats(): StatsSnapshot;
  resetStats(): void;
  events(since?: number): CloudEvent[];
  membershipLog(sinceSeq?: number): MembershipLogEntry[];
  setFaults(settings: FaultSettings): FaultConfig;
  clearFaults(): void;
  setRateLimits(setting: RateLimitSetting): RateLimitConfig | null;
  reset(): void;
  exportState(): TenantState;
  importState(state: unknown): void;
  /** The core, for tests that need the records themselves (read them; change them through `api`). */
  core: EmulatorCore;
}

function stateFileError(file: string, action: string, cause: unknown): SyncError {
  const detail = cause instanceof ApiError ? `${cause.detail}${cause.source?.pointer ? ` (at ${cause.source.pointer})` : ''}` : cause instanceof Error ? cause.message : String(cause);
  return new SyncError('CONFIG_FILE', `emulator: cannot ${action} state file ${file}: ${detail}`, { cause });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new SyncError('HTTP_LISTEN', `emulator: cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const resolved = resolveOptions(options);
  for (const key of resolved.apiKeys) registerSecret(key);
  for (const client of resolved.oauthClients) registerSecret(client.clientSecret);
  const core = new EmulatorCore(resolved);
  const stateFile = resolved.stateFile;
  if (stateFile !== undefined && existsSync(stateFile)) {
    try {
      core.importState(JSON.parse(readFileSync(stateFile, 'utf8')));
    } catch (error) {
      throw stateFileError(stateFile, 'load', error);
    }
  }

  const server = createServer({ keepAliveTimeout: 5_000 }, createListener(core));
  await listen(server, resolved.port, resolved.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : resolved.port;
  const host = resolved.host.includes(':') && !resolved.host.startsWith('[') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host}:${port}`;
  core.logger.info({ url }, 'emulator listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => {
      if (stateFile === undefined) return;
      try {
        const temporary = `${stateFile}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify(core.exportState()));
        renameSync(temporary, stateFile);
      } catch (error) {
        throw stateFileError(stateFile, 'save', error);
      }
    });
    return closing;
  };

  const tenant = core.tenant;
  const actor = CONTROL_ACTOR_ID;
  return {
    url,
    apiKey: resolved.apiKeys[0],
    close,
    core,
    api: {
      createGroup: (body) => renderGroup(tenant, createGroup(tenant, body, actor), url),
      patchGroup: (id, operations) => void patchGroup(tenant, id, operations, actor),
      deleteGroup: (id) => deleteGroup(tenant, id, actor),
      createUser: (body) => renderUser(tenant, createUser(tenant, body, actor), url),
      patchUser: (id, operations) => void patchUser(tenant, id, operations, actor),
      deleteUser: (id) => deleteUser(tenant, id, actor),
      request: (method, pathAndQuery, body) => dispatch(core, url, method, pathAndQuery, body),
    },
    login: (claims) => renderUser(tenant, login(tenant, claims, actor).user, url),
    stats: () => core.stats.snapshot(),
    resetStats: () => core.stats.reset(),
    events: (since) => tenant.events.since(since),
    membershipLog: (sinceSeq) => tenant.membershipLog.since(sinceSeq),
    setFaults: (settings) => core.faults.configure(settings),
    clearFaults: () => core.faults.clear(),
    setRateLimits: (setting) => core.limiter.configure(setting),
    reset: () => core.reset(),
    exportState: () => core.exportState(),
    importState: (state) => core.importState(state),
  };
}
