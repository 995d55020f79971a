// The HTTP side: one request listener (node:http, no framework) that runs every API request
// through the same steps: route, read the body (size-limited), authenticate, rate-limit, maybe
// inject a fault, handle, maybe lose the answer, answer, count. Handlers return values; only this
// file touches sockets, so "the change was made but the answer was lost" is one branch here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupRoutes } from './api/groups.ts';
import { isOAuthError, oauthRoutes, requestedClientId } from './api/oauth.ts';
import { roleRoutes } from './api/roles.ts';
import { userRoutes } from './api/users.ts';
import type { Principal } from './auth.ts';
import { controlRouter } from './control.ts';
import { CONTROL_ACTOR_ID, type EmulatorCore } from './core.ts';
import { ApiError, errorBody } from './http/api-error.ts';
import { API_BODY_LIMIT, STATE_BODY_LIMIT, readBody } from './http/body.ts';
import { Router, type ApiResponse, type RequestContext, type Route } from './http/context.ts';
import type { FaultKind } from './limits/faults.ts';
import { rateLimitedError } from './limits/rate-limit.ts';
import { traceId } from './model/ids.ts';

const apiRouter = new Router();
for (const route of [...groupRoutes, ...userRoutes, ...roleRoutes, ...oauthRoutes]) apiRouter.add(route);

const PRE_FAULTS = new Set<FaultKind>(['429', '500', '503', 'reset']);

function unauthorized(): ApiError {
  return new ApiError(401, 'a valid bearer API key or OAuth access token is required', { headers: { 'www-authenticate': 'Bearer' } });
}

function send(res: ServerResponse, response: ApiResponse, trace: string): void {
  const headers: Record<string, string> = { 'x-trace-id': trace, ...(response.headers ?? {}) };
  if (response.body === undefined || response.status === 204) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(response.status, headers);
  res.end(text);
}

function toResponse(error: unknown, trace: string, core: EmulatorCore, what: string): ApiResponse {
  if (error instanceof ApiError) {
    const body: Record<string, unknown> = { ...errorBody(error, trace) };
    if (isOAuthError(error)) Object.assign(body, error.oauth);
    return { status: error.status, body, headers: error.headers };
  }
  core.logger.error({ err: error, request: what }, 'emulator: unexpected error');
  return { status: 500, body: errorBody(new ApiError(500, 'unexpected error in the emulator'), trace) };
}

/** Drops the connection without an answer (what a client sees when a proxy or a node dies). */
function resetConnection(req: IncomingMessage, res: ServerResponse): void {
  res.socket?.destroy();
  req.socket.destroy();
}

function baseOf(req: IncomingMessage, secure: boolean): string {
  const host = req.headers.host && /^[\w.:[\]-]+$/.test(req.headers.host) ? req.headers.host : 'localhost';
  return `${secure ? 'https' : 'http'}://${host}`;
}

export function createListener(core: EmulatorCore, secure = false): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const trace = traceId();
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', baseOf(req, secure));
    } catch {
      send(res, { status: 400, body: errorBody(new ApiError(400, 'unreadable request target'), trace) }, trace);
      return;
    }
    const isControl = url.pathname === '/__emulator' || url.pathname.startsWith('/__emulator/');
    const run = isControl ? handleControl(core, req, res, url, method, trace) : handleApi(core, req, res, url, method, trace);
    run
      .catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) send(res, toResponse(error, trace, core, `${method} ${url.pathname}`), trace);
      })
      .finally(() => {
        core.logger.debug({ method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'emulator request');
      });
  };
}

function context(core: EmulatorCore, req: IncomingMessage, url: URL, method: string, principal: Principal, params: Record<string, string>, rawBody: Buffer): RequestContext {
  return { core, principal, method, url, base: url.origin, params, query: url.searchParams, rawBody, contentType: req.headers['content-type'] };
}

/** Answers an error before the body was read: say so, and close the connection. */
function sendEarly(res: ServerResponse, response: ApiResponse, trace: string): void {
  res.shouldKeepAlive = false;
  send(res, { ...response, headers: { ...(response.headers ?? {}), connection: 'close' } }, trace);
}

async function handleControl(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, url: URL, method: string, trace: string): Promise<void> {
  const principal = core.credentials.authenticate(req.headers.authorization);
  if (!principal) return sendEarly(res, toResponse(unauthorized(), trace, core, ''), trace);
  const { found, allowed } = controlRouter.match(method, url.pathname);
  if (!found) {
    const error = allowed.length > 0 ? new ApiError(405, `${method} is not allowed here (allowed: ${allowed.join(', ')})`, { headers: { allow: allowed.join(', ') } }) : new ApiError(404, `no control endpoint ${url.pathname} (see GET /__emulator)`);
    return sendEarly(res, toResponse(error, trace, core, ''), trace);
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, STATE_BODY_LIMIT);
  } catch (error) {
    return sendEarly(res, toResponse(error, trace, core, ''), trace);
  }
  let response: ApiResponse;
  try {
    response = found.route.handler(context(core, req, url, method, principal, found.params, raw));
  } catch (error) {
    response = toResponse(error, trace, core, `${method} ${url.pathname}`);
  }
  send(res, response, trace);
}

async function handleApi(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, url: URL, method: string, trace: string): Promise<void> {
  const { found, allowed } = apiRouter.match(method, url.pathname);
  const route: Route | undefined = found?.route;
  const tier = route?.tier;
  const record = (status: number | 'reset', fault = false): void =>
    core.stats.record({ method, route: route ? `${method} ${route.path}` : `${method} (unmatched)`, tier, write: route?.write === true, status, fault });
  const answer = (response: ApiResponse, early = false): void => {
    record(response.status);
    if (early) sendEarly(res, response, trace);
    else send(res, response, trace);
  };

  // Authentication first, for every path under /api (an unknown path is not news to strangers).
  let principal: Principal | undefined;
  if (route?.auth !== 'client') {
    principal = core.credentials.authenticate(req.headers.authorization);
    if (!principal) return answer(toResponse(unauthorized(), trace, core, ''), true);
  }
  if (!found) {
    const error = allowed.length > 0
      ? new ApiError(405, `${method} is not allowed on ${url.pathname} (allowed: ${allowed.join(', ')})`, { headers: { allow: allowed.join(', ') } })
      : new ApiError(404, `no endpoint ${method} ${url.pathname} in this emulator`);
    return answer(toResponse(error, trace, core, ''), true);
  }

  let raw: Buffer;
  try {
    raw = await readBody(req, API_BODY_LIMIT);
  } catch (error) {
    return answer(toResponse(error, trace, core, ''), true);
  }
  if (!principal) {
    const clientId = requestedClientId(raw, req.headers['content-type']) ?? '';
    principal = core.credentials.clientPrincipal(clientId) ?? { key: `oauth-unknown:${clientId}`, kind: 'oauth', userId: '', subject: '', name: '' };
  }

  if (tier) {
    const decision = core.limiter.check(principal.key, tier === 'oauth' ? 'tier2' : tier);
    if (!decision.allowed) return answer(toResponse(rateLimitedError(decision.retryAfterMs), trace, core, ''));
  }

  const fault = core.faults.decide(method !== 'GET' && method !== 'HEAD');
  if (fault !== undefined && PRE_FAULTS.has(fault)) {
    if (fault === 'reset') {
      record('reset', true);
      return resetConnection(req, res);
    }
    const error = fault === '429'
      ? rateLimitedError(1000 / core.clock.timeScale)
      : new ApiError(Number(fault), `injected fault (${fault}): the request was not processed`);
    record(error.status, true);
    return send(res, toResponse(error, trace, core, ''), trace);
  }
  if (fault === 'slow') await sleep(core.faults.slowMs);

  let response: ApiResponse;
  try {
    response = route!.handler(context(core, req, url, method, principal, found.params, raw));
  } catch (error) {
    response = toResponse(error, trace, core, `${method} ${url.pathname}`);
  }

  if (fault === 'reset-after') {
    record('reset', true);
    return resetConnection(req, res);
  }
  if (fault === '500-after') {
    const error = new ApiError(500, 'injected fault (500-after): the request was processed, but this answer is an error');
    record(500, true);
    return send(res, toResponse(error, trace, core, ''), trace);
  }
  record(response.status, fault !== undefined);
  send(res, response, trace);
}

export interface DispatchResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const IN_PROCESS: Principal = { key: 'in-process', kind: 'api-key', userId: CONTROL_ACTOR_ID, subject: 'emulator/in-process', name: 'In-process API' };

/** Runs one API request through the route handlers without HTTP (no limits, faults or statistics). */
export function dispatch(core: EmulatorCore, base: string, method: string, pathAndQuery: string, body?: unknown): DispatchResult {
  const trace = traceId();
  const url = new URL(pathAndQuery, base);
  const { found, allowed } = apiRouter.match(method, url.pathname);
  if (!found || found.route.auth === 'client') {
    const error = allowed.length > 0 ? new ApiError(405, `${method} is not allowed on ${url.pathname}`) : new ApiError(404, `no endpoint ${method} ${url.pathname} in this emulator`);
    return toResponse(error, trace, core, '');
  }
  const raw = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const ctx: RequestContext = { core, principal: IN_PROCESS, method, url, base: url.origin, params: found.params, query: url.searchParams, rawBody: raw, contentType: 'application/json' };
  try {
    return found.route.handler(ctx);
  } catch (error) {
    return toResponse(error, trace, core, `${method} ${url.pathname}`);
  }
}
