// The one error type the emulator's handlers throw, and the one error body it answers with.
// QLIK-API.md documents the body `{"errors":[{code,title,status,detail?,source?}],"traceId"}` and
// the codes GROUPS-7 / USERS-7 (not found) and HTTP-429; every other failure uses `HTTP-<status>`
// (see choices.ts), so a client can branch on status and code without parsing prose.

export interface ErrorSource {
  /** JSON Pointer into the request body, e.g. `/2/value`. */
  pointer?: string;
  /** Query parameter name. */
  parameter?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'API rate limit reached.',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly source: ErrorSource | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, options: { code?: string; title?: string; source?: ErrorSource; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = options.code ?? `HTTP-${status}`;
    this.title = options.title ?? TITLES[status] ?? 'Error';
    this.detail = detail;
    this.source = options.source;
    this.headers = options.headers ?? {};
  }
}

export interface ErrorBody {
  errors: { code: string; title: string; status: number; detail?: string; source?: ErrorSource }[];
  traceId: string;
}

export function errorBody(error: ApiError, traceId: string): ErrorBody {
  const item: ErrorBody['errors'][number] = { code: error.code, title: error.title, status: error.status };
  if (error.detail) item.detail = error.detail;
  if (error.source) item.source = error.source;
  return { errors: [item], traceId };
}

/** Shorthands for the common cases; `at` is a JSON Pointer into the body. */
export const badRequest = (detail: string, at?: string): ApiError =>
  new ApiError(400, detail, at === undefined ? {} : { source: { pointer: at } });
export const badParameter = (parameter: string, detail: string): ApiError => new ApiError(400, detail, { source: { parameter } });
export const conflict = (detail: string, at?: string): ApiError =>
  new ApiError(409, detail, at === undefined ? {} : { source: { pointer: at } });
export const groupNotFound = (id: string): ApiError => new ApiError(404, `group ${JSON.stringify(id)} does not exist`, { code: 'GROUPS-7' });
export const userNotFound = (id: string): ApiError => new ApiError(404, `user ${JSON.stringify(id)} does not exist`, { code: 'USERS-7' });
