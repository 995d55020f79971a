// Reading and decoding request bodies: a size limit enforced while reading (413, never a buffer
// the size of whatever a client sends), JSON required for JSON endpoints (415 for other media
// types, 400 for malformed JSON), and form bodies for /oauth/token.
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from './api-error.ts';

/** API bodies (JSON Patch arrays, groups, users). */
export const API_BODY_LIMIT = 1024 * 1024;
/** PUT /__emulator/state: a 100,000-user tenant is tens of megabytes. */
export const STATE_BODY_LIMIT = 512 * 1024 * 1024;

export function payloadTooLarge(limit: number): ApiError {
  return new ApiError(413, `the request body is larger than ${limit} bytes`);
}

/** Reads the whole body, or rejects with a 413 as soon as it exceeds `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(payloadTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', (error) => {
      if (!done) {
        done = true;
        reject(error);
      }
    });
  });
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function isJsonType(type: string | undefined): boolean {
  return type === undefined || type === 'application/json' || /^application\/[\w.+-]*\+json$/.test(type);
}

/** The JSON value of a body; `undefined` for an empty body. */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = mediaType(contentType);
  if (!isJsonType(type)) throw new ApiError(415, `send the body as application/json, not ${type}`);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Form (application/x-www-form-urlencoded) or JSON object, as /oauth/token takes; string values only. */
export function parseFormOrJson(raw: Buffer, contentType: string | undefined): Record<string, unknown> | undefined {
  const type = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) out[key] = value;
    return out;
  }
  const value = parseJsonBody(raw, contentType);
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the body must be a JSON object or a form');
  return value as Record<string, unknown>;
}
