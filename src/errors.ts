// Typed errors with stable codes, and the one place that maps them to exit codes.
// Callers branch on `code`, never on message text. Messages must never contain secrets.

export const EXIT = {
  ok: 0,
  error: 1,
  changesPending: 2,
  blocked: 3,
  config: 78,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_FILE'
  | 'CONFIG_ENV_MISSING'
  | 'DIRECTORY_CONNECT'
  | 'DIRECTORY_TLS'
  | 'DIRECTORY_BIND'
  | 'DIRECTORY_SEARCH'
  | 'DIRECTORY_INCOMPLETE'
  | 'DIRECTORY_LDIF'
  | 'TENANT_AUTH'
  | 'TENANT_FORBIDDEN'
  | 'TENANT_NOT_FOUND'
  | 'TENANT_CONFLICT'
  | 'TENANT_BAD_REQUEST'
  | 'TENANT_RATE_LIMITED'
  | 'TENANT_SERVER'
  | 'TENANT_NETWORK'
  | 'TENANT_TLS'
  | 'TENANT_TIMEOUT'
  | 'TENANT_PROTOCOL'
  | 'TENANT_INCOMPLETE'
  | 'PLAN_STALE'
  | 'PLAN_INVALID'
  | 'PLAN_WRITE'
  | 'SAFETY_BLOCKED'
  | 'APPLY_FAILED'
  | 'LOCK_HELD'
  | 'ABORTED'
  | 'NOT_IMPLEMENTED'
  | 'USAGE'
  | 'INTERNAL'
  | 'HTTP_LISTEN'
  | 'DIRECTORY_DN';

export class SyncError extends Error {
  readonly code: ErrorCode;
  /** Extra structured facts (never secrets) for logs and reports. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyncError';
    this.code = code;
    this.details = options?.details;
  }
}

/** One problem in a configuration: the key path and what is expected. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends SyncError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], options?: { cause?: unknown }) {
    super(
      'CONFIG_INVALID',
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
      options,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** An error answered by, or on the way to, the Qlik Cloud tenant. */
export class TenantError extends SyncError {
  readonly status: number | undefined;
  readonly qlikCode: string | undefined;
  readonly detail: string | undefined;
  readonly traceId: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    facts: {
      status?: number;
      qlikCode?: string;
      detail?: string;
      traceId?: string;
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, { cause: facts.cause, details: { status: facts.status, qlikCode: facts.qlikCode, traceId: facts.traceId } });
    this.name = 'TenantError';
    this.status = facts.status;
    this.qlikCode = facts.qlikCode;
    this.detail = facts.detail;
    this.traceId = facts.traceId;
    this.retryable = facts.retryable ?? false;
    this.retryAfterMs = facts.retryAfterMs;
  }
}

/** An error reading the directory. Any of these aborts the run before planning. */
export class DirectoryError extends SyncError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options);
    this.name = 'DirectoryError';
  }
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof SyncError) {
    switch (error.code) {
      case 'CONFIG_INVALID':
      case 'CONFIG_FILE':
      case 'CONFIG_ENV_MISSING':
        return EXIT.config;
      case 'SAFETY_BLOCKED':
        return EXIT.blocked;
      default:
        return EXIT.error;
    }
  }
  return EXIT.error;
}

/** A one-line description of any thrown value, with the causes chained, for humans. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      const text = current.message || current.name;
      const part = typeof code === 'string' && !text.includes(code) && !(current instanceof SyncError) ? `${text} (${code})` : text;
      // A cause whose text the message already quotes adds nothing but length.
      if (!parts.some((p) => p.includes(text))) parts.push(part);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(': ');
}
