// Cursor pagination over a sorted view. A cursor is opaque to clients (base64url of the sort and
// the last/first record's sort key and id), so it survives inserts and deletes between pages and
// costs one binary search to resume: no offsets, no scans in the unfiltered case.
import { badParameter } from '../http/api-error.ts';
import { lowerBound, upperBound, type Entry } from './sorted-view.ts';

export interface Cursor {
  /** The sort the cursor was made under (`+name`), to refuse a cursor reused with another sort. */
  sort: string;
  key: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string, parameter: string): Cursor {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badParameter(parameter, `${parameter}: not a cursor this tenant issued`);
  }
  if (!Array.isArray(value) || value.length !== 3 || !value.every((part) => typeof part === 'string')) {
    throw badParameter(parameter, `${parameter}: not a cursor this tenant issued`);
  }
  const [sort, key, id] = value as [string, string, string];
  return { sort, key, id };
}

export interface PageRequest {
  limit: number;
  descending: boolean;
  cursor?: Cursor;
  direction: 'next' | 'prev';
}

export interface PageResult {
  /** The page, in the requested order. */
  entries: Entry[];
  hasNext: boolean;
  hasPrev: boolean;
}

/**
 * One page of `ascending` (sorted by compareEntries), read in the requested direction, keeping only
 * entries `match` accepts. Without `match` every step is O(1); with it, the walk stops as soon as
 * the page (plus one entry, to know whether there is more) is found.
 */
export function readPage(ascending: readonly Entry[], request: PageRequest, match?: (id: string) => boolean): PageResult {
  const n = ascending.length;
  const at = (logical: number): Entry => ascending[request.descending ? n - 1 - logical : logical]!;
  const accepts = (logical: number): boolean => (match ? match(at(logical).id) : true);
  const anyIn = (from: number, to: number, step: 1 | -1): boolean => {
    if (!match) return step === 1 ? from < to : from > to;
    for (let i = from; step === 1 ? i < to : i > to; i += step) if (accepts(i)) return true;
    return false;
  };

  // Logical positions: `before` = how many entries come strictly before the cursor, `after` = the
  // first position strictly after it (they differ when the cursor's own record still exists).
  let before = 0;
  let after = 0;
  if (request.cursor) {
    const probe = { key: request.cursor.key, id: request.cursor.id };
    const lo = lowerBound(ascending, probe);
    const hi = upperBound(ascending, probe);
    before = request.descending ? n - hi : lo;
    after = request.descending ? n - lo : hi;
  }

  const picked: Entry[] = [];
  if (request.direction === 'next' || !request.cursor) {
    let i = request.cursor ? after : 0;
    for (; i < n && picked.length <= request.limit; i++) if (accepts(i)) picked.push(at(i));
    const hasNext = picked.length > request.limit;
    if (hasNext) picked.pop();
    const start = request.cursor ? after : 0;
    return { entries: picked, hasNext, hasPrev: start > 0 && anyIn(start - 1, -1, -1) };
  }
  let i = before - 1;
  for (; i >= 0 && picked.length <= request.limit; i--) if (accepts(i)) picked.push(at(i));
  const hasPrev = picked.length > request.limit;
  if (hasPrev) picked.pop();
  picked.reverse();
  return { entries: picked, hasNext: anyIn(before, n, 1), hasPrev };
}
