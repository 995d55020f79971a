// Turns whatever goes wrong on the way to the tenant into one TenantError with a stable code, a
// message that names the tenant and the cause, and the facts the retry policy decides on
// (retryable, Retry-After). This is the single place where "retryable or terminal" is decided.
import { TenantError, type ErrorCode } from '../errors.ts';
import { scrub } from '../log.ts';
import type { ApiErrorBody } from './api-types.ts';

/** Where the failure happened, for the message: `tenant acme.eu.qlikcloud.com: GET /api/v1/users: ...`. */
export interface RequestLabel {
  tenant: string;
  method: string;
  path: string;
}

function prefix(label: RequestLabel): string {
  return `tenant ${label.tenant}: ${label.method} ${label.path}`;
}

/** The first Qlik error of an error document, if the body is one. */
export function parseErrorBody(text: string): { qlikCode?: string; title?: string; detail?: string; traceId?: string } {
  let body: ApiErrorBody;
  try {
    body = JSON.parse(text) as ApiErrorBody;
  } catch {
    return {};
  }
  if (!body || typeof body !== 'object') return {};
  const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const out: { qlikCode?: string; title?: string; detail?: string; traceId?: string } = {};
  const qlikCode = str(first?.code);
  const title = str(first?.title);
  const detail = str(first?.detail);
  const traceId = str(body.traceId);
  if (qlikCode) out.qlikCode = qlikCode;
  if (title) out.title = title;
  if (detail) out.detail = detail;
  if (traceId) out.traceId = traceId;
  return out;
}

/** A short, single-line, scrubbed excerpt of an unexpected body for a message. */
export function excerpt(text: string, max = 80): string {
  const line = scrub(text).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

const STATUS_CODES: Record<number, { code: ErrorCode; what: string; retryable: boolean }> = {
  400: { code: 'TENANT_BAD_REQUEST', what: 'rejected the request (400)', retryable: false },
  401: { code: 'TENANT_AUTH', what: 'authentication failed (401)', retryable: false },
  403: { code: 'TENANT_FORBIDDEN', what: 'permission denied (403)', retryable: false },
  404: { code: 'TENANT_NOT_FOUND', what: 'not found (404)', retryable: false },
  408: { code: 'TENANT_TIMEOUT', what: 'request timeout (408)', retryable: true },
  409: { code: 'TENANT_CONFLICT', what: 'conflict (409)', retryable: false },
  413: { code: 'TENANT_BAD_REQUEST', what: 'request too large or tenant limit reached (413)', retryable: false },
  422: { code: 'TENANT_BAD_REQUEST', what: 'rejected the request (422)', retryable: false },
  429: { code: 'TENANT_RATE_LIMITED', what: 'rate limit reached (429)', retryable: true },
};

const HINTS: Partial<Record<ErrorCode, string>> = {
  TENANT_AUTH: 'check tenant.apiKey or tenant.oauth (key revoked, expired or for another tenant?)',
  TENANT_FORBIDDEN: 'the API key or OAuth client lacks the permission (a tenant admin is needed to manage groups and users)',
};

/** The error for a non-2xx answer. `retryAfterMs` comes from the response headers (see retryAfterMs()). */
export function errorForStatus(
  label: RequestLabel,
  status: number,
  bodyText: string,
  retryAfterMs: number | undefined,
): TenantError {
  const facts = parseErrorBody(bodyText);
  let entry = STATUS_CODES[status];
  if (!entry) {
    if (status >= 500) entry = { code: 'TENANT_SERVER', what: `server error (${status})`, retryable: true };
    else if (status >= 300 && status < 400) entry = { code: 'TENANT_PROTOCOL', what: `unexpected redirect (${status}); is tenant.url the tenant's address?`, retryable: false };
    else entry = { code: 'TENANT_PROTOCOL', what: `unexpected status ${status}`, retryable: false };
  }
  const qlik = [facts.qlikCode, facts.detail ?? facts.title].filter(Boolean).join(': ');
  const hint = HINTS[entry.code];
  const message =
    `${prefix(label)}: ${entry.what}` +
    (qlik ? ` - ${scrub(qlik)}` : facts.qlikCode === undefined && bodyText && !bodyText.trimStart().startsWith('{') ? ` - ${excerpt(bodyText)}` : '') +
    (hint ? `; ${hint}` : '') +
    (facts.traceId ? ` (trace ${facts.traceId})` : '');
  return new TenantError(entry.code, message, {
    status,
    ...(facts.qlikCode ? { qlikCode: facts.qlikCode } : {}),
    ...(facts.detail ?? facts.title ? { detail: scrub((facts.detail ?? facts.title)!) } : {}),
    ...(facts.traceId ? { traceId: facts.traceId } : {}),
    retryable: entry.retryable,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** A 2xx answer whose body is not the JSON expected (a proxy's login page, a truncated body...). */
export function protocolError(label: RequestLabel, what: string, cause?: unknown): TenantError {
  return new TenantError('TENANT_PROTOCOL', `${prefix(label)}: ${what}`, cause === undefined ? {} : { cause });
}

/**
 * The wait a 429 asks for, in milliseconds. `x-emulator-retry-after-ms` is sent only by the
 * project's emulator running in scaled time (where whole seconds are far too coarse); Qlik Cloud
 * sends `Retry-After` in seconds (an HTTP date is accepted too).
 */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const precise = Number(one('x-emulator-retry-after-ms'));
  if (one('x-emulator-retry-after-ms') !== undefined && Number.isFinite(precise) && precise >= 0) return precise;
  const value = one('retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** The code that says most about a transport failure: the socket's own (`ECONNRESET`, a TLS
 *  verification code...) found along the cause chain, else undici's (`UND_ERR_SOCKET`). */
function codeOf(error: unknown): string | undefined {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause ?? (current as { errors?: unknown[] }).errors?.[0];
  }
  return codes.find((c) => !c.startsWith('UND_ERR_')) ?? codes[0];
}

function messageOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** The error for an exception thrown by the transport (no HTTP answer). */
export function errorForException(label: RequestLabel, host: string, error: unknown): TenantError {
  const code = codeOf(error);
  const raw = scrub(messageOf(error));
  const p = prefix(label);
  if (code && DNS_CODES.has(code)) {
    return new TenantError('TENANT_NETWORK', `${p}: cannot resolve host ${host} (${code}); check tenant.url`, {
      cause: error,
      retryable: code === 'EAI_AGAIN',
    });
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('ERR_OSSL_'))) {
    return new TenantError(
      'TENANT_TLS',
      `${p}: TLS handshake with ${host} failed: ${raw} (${code}); if the tenant is reached through a TLS-intercepting proxy, set tenant.caFile to its CA`,
      { cause: error },
    );
  }
  if (code && TIMEOUT_CODES.has(code)) {
    return new TenantError('TENANT_TIMEOUT', `${p}: timed out (${code})`, { cause: error, retryable: true });
  }
  if (code && RESET_CODES.has(code)) {
    const what = code === 'ECONNREFUSED' ? `connection to ${host} refused` : `connection to ${host} lost: ${raw}`;
    return new TenantError('TENANT_NETWORK', `${p}: ${what} (${code})`, { cause: error, retryable: true });
  }
  return new TenantError('TENANT_NETWORK', `${p}: request failed: ${raw}${code ? ` (${code})` : ''}`, { cause: error });
}
