// POST /oauth/token: OAuth 2.0 client credentials (JSON or form body) -> an expiring bearer token.
// Errors carry both Qlik's error body and RFC 6749's `error` / `error_description`, so either kind
// of client can read them. The secret is never echoed.
import { ApiError } from '../http/api-error.ts';
import { parseFormOrJson } from '../http/body.ts';
import type { ApiResponse, RequestContext, Route } from '../http/context.ts';

class OAuthError extends ApiError {
  constructor(status: number, error: string, description: string) {
    super(status, description, { code: `HTTP-${status}` });
    this.oauth = { error, error_description: description };
  }
  readonly oauth: { error: string; error_description: string };
}

export function isOAuthError(error: unknown): error is ApiError & { oauth: { error: string; error_description: string } } {
  return error instanceof OAuthError;
}

/** The client_id a token request names (for rate limiting before it is checked), if readable. */
export function requestedClientId(raw: Buffer, contentType: string | undefined): string | undefined {
  try {
    const body = parseFormOrJson(raw, contentType);
    return typeof body?.client_id === 'string' ? body.client_id : undefined;
  } catch {
    return undefined;
  }
}

function token(ctx: RequestContext): ApiResponse {
  let body: Record<string, unknown> | undefined;
  try {
    body = parseFormOrJson(ctx.rawBody, ctx.contentType);
  } catch (error) {
    throw new OAuthError(error instanceof ApiError ? error.status : 400, 'invalid_request', error instanceof Error ? error.message : 'unreadable body');
  }
  if (!body) throw new OAuthError(400, 'invalid_request', 'a body with client_id, client_secret and grant_type is required');
  for (const key of Object.keys(body)) {
    if (!['client_id', 'client_secret', 'grant_type', 'scope'].includes(key)) throw new OAuthError(400, 'invalid_request', `unknown parameter "${key}"`);
  }
  if (body.grant_type !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be "client_credentials"');
  if (typeof body.client_id !== 'string' || typeof body.client_secret !== 'string') {
    throw new OAuthError(400, 'invalid_request', 'client_id and client_secret must be strings');
  }
  if (body.scope !== undefined && typeof body.scope !== 'string') throw new OAuthError(400, 'invalid_scope', 'scope must be a string');
  const grant = ctx.core.credentials.issueToken(body.client_id, body.client_secret, body.scope as string | undefined);
  if (!grant) throw new OAuthError(401, 'invalid_client', 'unknown client or wrong secret');
  return { status: 200, body: grant, headers: { 'cache-control': 'no-store', pragma: 'no-cache' } };
}

export const oauthRoutes: Route[] = [{ method: 'POST', path: '/oauth/token', tier: 'oauth', auth: 'client', handler: token }];
