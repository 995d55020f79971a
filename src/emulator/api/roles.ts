// /api/v1/roles: the tenant's roles, paginated and filterable like groups; /api/v1/roles/{id}.
import { ApiError, badParameter } from '../http/api-error.ts';
import type { ApiResponse, RequestContext, Route } from '../http/context.ts';
import { renderRole } from '../model/render.ts';
import { compileFilter } from '../query/filter-eval.ts';
import { checkKnownParams, pageLinks, parseListParams, runList, single } from '../query/list.ts';
import { roleFilterSchema } from '../query/schemas.ts';

function listRoles(ctx: RequestContext): ApiResponse {
  const tenant = ctx.core.tenant;
  const params = parseListParams(ctx.query, { sortFields: ['name', 'id', 'type', 'level'], defaultSort: '+name', extra: ['filter'] });
  const text = single(ctx.query, 'filter');
  const filter = text ? compileFilter(roleFilterSchema(), text, (detail) => badParameter('filter', detail)) : undefined;
  const result = runList(tenant.roles, tenant.roleViews, params, filter);
  const body: Record<string, unknown> = { data: result.items.map((role) => renderRole(tenant, role, ctx.base)), links: pageLinks(ctx.url, result) };
  if (result.total !== undefined) body.totalResults = result.total;
  return { status: 200, body };
}

export const roleRoutes: Route[] = [
  { method: 'GET', path: '/api/v1/roles', tier: 'tier1', handler: listRoles },
  {
    method: 'GET',
    path: '/api/v1/roles/{id}',
    tier: 'tier1',
    handler: (ctx) => {
      checkKnownParams(ctx.query, []);
      const role = ctx.core.tenant.roles.get(ctx.params.id!);
      if (!role) throw new ApiError(404, `role ${JSON.stringify(ctx.params.id)} does not exist`);
      return { status: 200, body: renderRole(ctx.core.tenant, role, ctx.base) };
    },
  },
];
