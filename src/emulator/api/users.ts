// /api/v1/users: list (filter, sort, fields, cursors), create, get, patch (memberships), delete,
// me (the caller's own virtual user), actions/count and actions/filter.
import { badParameter, badRequest } from '../http/api-error.ts';
import { jsonBody, type ApiResponse, type RequestContext, type Route } from '../http/context.ts';
import type { UserRecord } from '../model/records.ts';
import { parseUserFields, renderUser, roleRefs } from '../model/render.ts';
import { createUser, deleteUser, findUser, patchUser } from '../model/user-ops.ts';
import { asObject, asString, onlyKeys } from '../model/validate.ts';
import { compileFilter, type CompiledFilter } from '../query/filter-eval.ts';
import { checkKnownParams, pageLinks, parseListParams, runList, single, type ListParams } from '../query/list.ts';
import { userFilterSchema } from '../query/schemas.ts';

export const USER_SORT_FIELDS = ['name', '_id', 'id', 'tenantId', 'clientId', 'status', 'subject', 'email', 'inviteExpiry', 'createdAt'] as const;
const TENANT_ADMIN = '60804cf8a77b649c66733f60';

function checkTenantParam(ctx: RequestContext): void {
  const tenantId = single(ctx.query, 'tenantId');
  if (tenantId !== undefined && tenantId !== ctx.core.tenant.tenantId) throw badParameter('tenantId', `tenantId ${JSON.stringify(tenantId)} is not this tenant`);
}

function listBody(ctx: RequestContext, params: ListParams, filter: CompiledFilter<UserRecord> | undefined): ApiResponse {
  const tenant = ctx.core.tenant;
  const fields = parseUserFields(single(ctx.query, 'fields'));
  const result = runList(tenant.users, tenant.userViews, params, filter);
  const body: Record<string, unknown> = { data: result.items.map((user) => renderUser(tenant, user, ctx.base, fields)), links: pageLinks(ctx.url, result) };
  if (result.total !== undefined) body.totalResults = result.total;
  return { status: 200, body };
}

function listUsers(ctx: RequestContext): ApiResponse {
  const params = parseListParams(ctx.query, { sortFields: USER_SORT_FIELDS, defaultSort: '+name', extra: ['filter', 'fields', 'tenantId'] });
  checkTenantParam(ctx);
  const text = single(ctx.query, 'filter');
  const filter = text ? compileFilter(userFilterSchema(ctx.core.tenant), text, (detail) => badParameter('filter', detail)) : undefined;
  return listBody(ctx, params, filter);
}

function filterUsers(ctx: RequestContext): ApiResponse {
  const params = parseListParams(ctx.query, { sortFields: ['name'], defaultSort: '+name', extra: ['fields'] });
  const body = jsonBody(ctx, false);
  let filter: CompiledFilter<UserRecord> | undefined;
  if (body !== undefined) {
    const input = asObject(body, '');
    onlyKeys(input, ['filter'], '');
    if (input.filter !== undefined) {
      const text = asString(input.filter, '/filter', 'filter');
      if (text.length > 0) filter = compileFilter(userFilterSchema(ctx.core.tenant), text, (detail) => badRequest(detail, '/filter'));
    }
  }
  return listBody(ctx, params, filter);
}

function me(ctx: RequestContext): ApiResponse {
  checkKnownParams(ctx.query, []);
  const tenant = ctx.core.tenant;
  const p = ctx.principal;
  const at = ctx.core.startedAt;
  return {
    status: 200,
    body: {
      id: p.userId,
      tenantId: tenant.tenantId,
      subject: p.subject,
      name: p.name,
      status: 'active',
      assignedRoles: roleRefs(tenant, [TENANT_ADMIN]),
      assignedGroups: [],
      groups: [],
      createdAt: at,
      lastUpdatedAt: at,
      links: { self: { href: `${ctx.base}/api/v1/users/${p.userId}` } },
    },
  };
}

export const userRoutes: Route[] = [
  { method: 'GET', path: '/api/v1/users', tier: 'tier1', handler: listUsers },
  {
    method: 'POST',
    path: '/api/v1/users',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      checkKnownParams(ctx.query, []);
      const user = createUser(ctx.core.tenant, jsonBody(ctx), ctx.principal.userId);
      return { status: 201, body: renderUser(ctx.core.tenant, user, ctx.base), headers: { location: `${ctx.base}/api/v1/users/${user.id}` } };
    },
  },
  { method: 'GET', path: '/api/v1/users/me', tier: 'tier1', handler: me },
  {
    method: 'GET',
    path: '/api/v1/users/actions/count',
    tier: 'tier1',
    handler: (ctx) => {
      checkKnownParams(ctx.query, ['tenantId']);
      checkTenantParam(ctx);
      return { status: 200, body: { total: ctx.core.tenant.users.size } };
    },
  },
  { method: 'POST', path: '/api/v1/users/actions/filter', tier: 'special', handler: filterUsers },
  {
    method: 'GET',
    path: '/api/v1/users/{id}',
    tier: 'tier1',
    handler: (ctx) => {
      checkKnownParams(ctx.query, ['fields']);
      const fields = parseUserFields(single(ctx.query, 'fields'));
      return { status: 200, body: renderUser(ctx.core.tenant, findUser(ctx.core.tenant, ctx.params.id!), ctx.base, fields) };
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/{id}',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      checkKnownParams(ctx.query, []);
      findUser(ctx.core.tenant, ctx.params.id!);
      patchUser(ctx.core.tenant, ctx.params.id!, jsonBody(ctx), ctx.principal.userId);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/{id}',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      checkKnownParams(ctx.query, []);
      deleteUser(ctx.core.tenant, ctx.params.id!, ctx.principal.userId);
      return { status: 204 };
    },
  },
];
