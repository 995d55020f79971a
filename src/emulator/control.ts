// The control surface under /__emulator/ (same credentials as the API, not rate-limited, not
// counted in statistics): simulated IdP logins, statistics, fault injection, rate-limit settings,
// emitted events, the membership log, reset, and state export/import.
import { CHOICES } from './choices.ts';
import { badParameter } from './http/api-error.ts';
import { jsonBody, type ApiResponse, type RequestContext, Router } from './http/context.ts';
import { QLIK_RATE_LIMITS } from './limits/rate-limit.ts';
import { login } from './model/login.ts';
import { renderUser } from './model/render.ts';
import { checkKnownParams, single } from './query/list.ts';

function since(ctx: RequestContext): number {
  checkKnownParams(ctx.query, ['since']);
  const text = single(ctx.query, 'since');
  if (text === undefined) return 0;
  if (!/^\d{1,15}$/.test(text)) throw badParameter('since', 'since must be a non-negative integer');
  return Number(text);
}

function rateLimitsBody(ctx: RequestContext): ApiResponse {
  const config = ctx.core.limiter.config();
  if (!config) return { status: 200, body: { mode: 'off' } };
  const qlik = (Object.keys(QLIK_RATE_LIMITS) as (keyof typeof config)[]).every((key) => config[key] === QLIK_RATE_LIMITS[key]);
  return { status: 200, body: { mode: qlik ? 'qlik' : 'custom', ...config } };
}

export const CONTROL_ENDPOINTS = [
  'POST /__emulator/login {subject, name?, email?, groups?: string[]} -> 200 user',
  'GET /__emulator/stats -> request statistics; POST /__emulator/stats/reset -> 204',
  'GET|PUT|DELETE /__emulator/faults {rate, kinds, seed?, writesOnly?, slowMs?}',
  'GET|PUT /__emulator/rate-limits "qlik" | "off" | {tier1PerMinute, tier2PerMinute, specialPerMinute?, windowMinutes?}',
  'GET /__emulator/events?since=<index> -> CloudEvents, oldest first',
  'GET /__emulator/membership-log?since=<seq> -> [{seq, time, userId, groupId, groupName, op, providerType, cause, actorId}]',
  'POST /__emulator/reset -> 204 (empty tenant)',
  'GET|PUT /__emulator/state -> tenant state document',
  'GET /__emulator/choices -> the behaviours the documents leave open, as chosen here',
];

export const controlRouter = new Router()
  .add({ method: 'GET', path: '/__emulator', handler: () => ({ status: 200, body: { endpoints: CONTROL_ENDPOINTS } }) })
  .add({
    method: 'POST',
    path: '/__emulator/login',
    handler: (ctx) => {
      const result = login(ctx.core.tenant, jsonBody(ctx), ctx.principal.userId);
      const headers: Record<string, string> = {};
      if (result.ignoredGroups.length > 0) headers['x-emulator-ignored-groups'] = encodeURIComponent(JSON.stringify(result.ignoredGroups));
      return { status: 200, body: renderUser(ctx.core.tenant, result.user, ctx.base), headers };
    },
  })
  .add({ method: 'GET', path: '/__emulator/stats', handler: (ctx) => ({ status: 200, body: ctx.core.stats.snapshot() }) })
  .add({ method: 'POST', path: '/__emulator/stats/reset', handler: (ctx) => (ctx.core.stats.reset(), { status: 204 }) })
  .add({ method: 'GET', path: '/__emulator/faults', handler: (ctx) => ({ status: 200, body: ctx.core.faults.config() ?? { rate: 0, kinds: [] } }) })
  .add({ method: 'PUT', path: '/__emulator/faults', handler: (ctx) => ({ status: 200, body: ctx.core.faults.configure(jsonBody(ctx)) }) })
  .add({ method: 'DELETE', path: '/__emulator/faults', handler: (ctx) => (ctx.core.faults.clear(), { status: 204 }) })
  .add({ method: 'GET', path: '/__emulator/rate-limits', handler: rateLimitsBody })
  .add({
    method: 'PUT',
    path: '/__emulator/rate-limits',
    handler: (ctx) => {
      ctx.core.limiter.configure(jsonBody(ctx));
      return rateLimitsBody(ctx);
    },
  })
  .add({ method: 'GET', path: '/__emulator/events', handler: (ctx) => ({ status: 200, body: ctx.core.tenant.events.since(since(ctx)) }) })
  .add({ method: 'GET', path: '/__emulator/membership-log', handler: (ctx) => ({ status: 200, body: ctx.core.tenant.membershipLog.since(since(ctx)) }) })
  .add({ method: 'POST', path: '/__emulator/reset', handler: (ctx) => (ctx.core.reset(), { status: 204 }) })
  .add({ method: 'GET', path: '/__emulator/state', handler: (ctx) => ({ status: 200, body: ctx.core.exportState() }) })
  .add({ method: 'PUT', path: '/__emulator/state', handler: (ctx) => (ctx.core.importState(jsonBody(ctx)), { status: 204 }) })
  .add({ method: 'GET', path: '/__emulator/choices', handler: () => ({ status: 200, body: CHOICES }) });
