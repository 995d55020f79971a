// What a route handler receives and returns. Handlers are synchronous functions of the request
// (already authenticated, rate-limited and read) to a response value; the server decides how the
// value is sent (or, under fault injection, lost), so handlers never touch sockets.
import type { Principal } from '../auth.ts';
import type { EmulatorCore } from '../core.ts';
import type { Tier } from '../limits/rate-limit.ts';
import { badRequest } from './api-error.ts';
import { parseJsonBody } from './body.ts';

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RequestContext {
  core: EmulatorCore;
  /** The authenticated caller (for `client` routes: the client the body names, not yet verified). */
  principal: Principal;
  method: string;
  /** The request URL, absolute (scheme and host as the client used them). */
  url: URL;
  /** Scheme + host, no trailing slash: the base of every link in answers. */
  base: string;
  params: Record<string, string>;
  query: URLSearchParams;
  rawBody: Buffer;
  contentType: string | undefined;
}

/** The JSON body; `required` turns an empty body into a 400. */
export function jsonBody(ctx: RequestContext, required = true): unknown {
  const value = parseJsonBody(ctx.rawBody, ctx.contentType);
  if (value === undefined && required) throw badRequest('a JSON body is required');
  return value;
}

export type Handler = (ctx: RequestContext) => ApiResponse;

export interface Route {
  method: string;
  /** `/api/v1/users/{id}`: `{name}` matches one non-empty path segment. */
  path: string;
  /** Rate-limit tier; `oauth` is limited as tier 2 and counted apart in statistics. */
  tier?: Tier | 'oauth';
  /** Counted as a write in statistics. */
  write?: boolean;
  /** `client`: no bearer token; the caller is named by the body's client_id (POST /oauth/token). */
  auth?: 'bearer' | 'client';
  handler: Handler;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  readonly #routes: { route: Route; segments: string[] }[] = [];

  add(route: Route): this {
    this.#routes.push({ route, segments: route.path.split('/') });
    return this;
  }

  /** The route for method + path; `allowed` lists the methods of a path that exists otherwise. */
  match(method: string, path: string): { found?: RouteMatch; allowed: string[] } {
    const parts = path.split('/');
    const allowed: string[] = [];
    for (const { route, segments } of this.#routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const segment = segments[i]!;
        const part = parts[i]!;
        if (segment.startsWith('{')) {
          if (part === '') ok = false;
          else {
            try {
              params[segment.slice(1, -1)] = decodeURIComponent(part);
            } catch {
              ok = false;
            }
          }
        } else if (segment !== part) ok = false;
      }
      if (!ok) continue;
      if (route.method === method) return { found: { route, params }, allowed };
      allowed.push(route.method);
    }
    return { allowed };
  }
}
