// /api/v1/groups: list (IdP and custom groups; system groups only with systemGroups=true, alone),
// create, get, patch, delete, actions/filter (at most 100 ids) and settings.
import { badParameter, badRequest } from '../http/api-error.ts';
import { jsonBody, type ApiResponse, type RequestContext, type Route } from '../http/context.ts';
import { createGroup, deleteGroup, findGroup, patchGroup } from '../model/group-ops.ts';
import { EVERYONE_ID } from '../model/records.ts';
import { renderGroup, renderSystemGroup, roleRefs } from '../model/render.ts';
import { asObject, asString, onlyKeys } from '../model/validate.ts';
import { compileFilter, type CompiledFilter } from '../query/filter-eval.ts';
import { pageLinks, parseBoolean, parseListParams, runList, single, type ListParams } from '../query/list.ts';
import { groupFilterSchema } from '../query/schemas.ts';
import type { GroupRecord } from '../model/records.ts';

export const GROUP_SORT_FIELDS = ['name', 'id', 'createdAt', 'lastUpdatedAt', 'status', 'providerType'] as const;
export const MAX_IDS_IN_FILTER = 100;

function listBody(ctx: RequestContext, params: ListParams, filter: CompiledFilter<GroupRecord> | undefined): ApiResponse {
  const tenant = ctx.core.tenant;
  const result = runList(tenant.groups, tenant.groupViews, params, filter);
  const body: Record<string, unknown> = { data: result.items.map((group) => renderGroup(tenant, group, ctx.base)), links: pageLinks(ctx.url, result) };
  if (result.total !== undefined) body.totalResults = result.total;
  return { status: 200, body };
}

function listGroups(ctx: RequestContext): ApiResponse {
  const tenant = ctx.core.tenant;
  if (ctx.query.has('systemGroups') && parseBoolean(ctx.query, 'systemGroups')) {
    for (const name of ctx.query.keys()) {
      if (name !== 'systemGroups') throw badParameter(name, `systemGroups=true cannot be combined with other parameters (got "${name}")`);
    }
    return { status: 200, body: { data: [renderSystemGroup(tenant, tenant.everyone, ctx.base)], links: { self: { href: ctx.url.href } } } };
  }
  const params = parseListParams(ctx.query, { sortFields: GROUP_SORT_FIELDS, defaultSort: '+name', extra: ['filter', 'systemGroups'] });
  const text = single(ctx.query, 'filter');
  const filter = text ? compileFilter(groupFilterSchema(tenant), text, (detail) => badParameter('filter', detail)) : undefined;
  return listBody(ctx, params, filter);
}

function filterGroups(ctx: RequestContext): ApiResponse {
  const params = parseListParams(ctx.query, { sortFields: ['name'], defaultSort: '+name' });
  const body = jsonBody(ctx, false);
  let filter: CompiledFilter<GroupRecord> | undefined;
  if (body !== undefined) {
    const input = asObject(body, '');
    onlyKeys(input, ['filter'], '');
    if (input.filter !== undefined) {
      const text = asString(input.filter, '/filter', 'filter');
      if (text.length > 0) filter = compileFilter(groupFilterSchema(ctx.core.tenant), text, (detail) => badRequest(detail, '/filter'));
    }
  }
  if (filter && filter.idComparisons > MAX_IDS_IN_FILTER) {
    throw badRequest(`filter compares ${filter.idComparisons} ids; the limit is ${MAX_IDS_IN_FILTER}`, '/filter');
  }
  return listBody(ctx, params, filter);
}

function getGroup(ctx: RequestContext): ApiResponse {
  const tenant = ctx.core.tenant;
  const id = ctx.params.id!;
  if (id === EVERYONE_ID) return { status: 200, body: renderSystemGroup(tenant, tenant.everyone, ctx.base) };
  return { status: 200, body: renderGroup(tenant, findGroup(tenant, id), ctx.base) };
}

function settings(ctx: RequestContext): ApiResponse {
  const tenant = ctx.core.tenant;
  const everyone = tenant.everyone;
  return {
    status: 200,
    body: {
      autoCreateGroups: tenant.settings.autoCreateGroups,
      syncIdpGroups: tenant.settings.syncIdpGroups,
      systemGroups: {
        [EVERYONE_ID]: { id: EVERYONE_ID, name: everyone.name, enabled: true, assignedRoles: roleRefs(tenant, everyone.roleIds), createdAt: everyone.createdAt, lastUpdatedAt: everyone.lastUpdatedAt },
      },
      tenantId: tenant.tenantId,
      links: { self: { href: `${ctx.base}/api/v1/groups/settings` } },
    },
  };
}

function noQuery(ctx: RequestContext): void {
  for (const name of ctx.query.keys()) throw badParameter(name, `unknown query parameter "${name}" (this endpoint takes none)`);
}

export const groupRoutes: Route[] = [
  { method: 'GET', path: '/api/v1/groups', tier: 'tier1', handler: listGroups },
  {
    method: 'POST',
    path: '/api/v1/groups',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      noQuery(ctx);
      const group = createGroup(ctx.core.tenant, jsonBody(ctx), ctx.principal.userId);
      return { status: 201, body: renderGroup(ctx.core.tenant, group, ctx.base), headers: { location: `${ctx.base}/api/v1/groups/${group.id}` } };
    },
  },
  { method: 'POST', path: '/api/v1/groups/actions/filter', tier: 'special', handler: filterGroups },
  { method: 'GET', path: '/api/v1/groups/settings', tier: 'tier1', handler: (ctx) => (noQuery(ctx), settings(ctx)) },
  { method: 'GET', path: '/api/v1/groups/{id}', tier: 'tier1', handler: (ctx) => (noQuery(ctx), getGroup(ctx)) },
  {
    method: 'PATCH',
    path: '/api/v1/groups/{id}',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      noQuery(ctx);
      if (ctx.params.id !== EVERYONE_ID) findGroup(ctx.core.tenant, ctx.params.id!);
      patchGroup(ctx.core.tenant, ctx.params.id!, jsonBody(ctx), ctx.principal.userId);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/groups/{id}',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      noQuery(ctx);
      deleteGroup(ctx.core.tenant, ctx.params.id!, ctx.principal.userId);
      return { status: 204 };
    },
  },
];
