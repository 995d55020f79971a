// One list request end to end: query parameters (limit 1..100 default 20, sort, next/prev,
// totalResults), the page read from a sorted view or from the filter's candidate ids, and the
// `links` block with opaque cursors (`links.next` absent on the last page, `links.self` always).
import { badParameter } from '../http/api-error.ts';
import type { CompiledFilter } from './filter-eval.ts';
import { decodeCursor, encodeCursor, readPage, type Cursor } from './paging.ts';
import { compareEntries, type Entry, type ViewSet } from './sorted-view.ts';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export interface SortSpec {
  field: string;
  descending: boolean;
  /** Canonical text (`+name`), stored in cursors. */
  text: string;
}

export interface ListParams {
  limit: number;
  sort: SortSpec;
  cursor?: Cursor;
  direction: 'next' | 'prev';
  totalResults: boolean;
}

export interface ListOptions {
  sortFields: readonly string[];
  defaultSort: string;
  /** Parameters this endpoint takes besides limit/next/prev/sort/totalResults. */
  extra?: readonly string[];
}

/** One value per parameter; a repeated parameter is a client bug, not a choice to guess at. */
export function single(query: URLSearchParams, name: string): string | undefined {
  const all = query.getAll(name);
  if (all.length > 1) throw badParameter(name, `${name}: given ${all.length} times`);
  return all[0];
}

export function checkKnownParams(query: URLSearchParams, known: readonly string[]): void {
  for (const name of new Set(query.keys())) {
    if (!known.includes(name)) throw badParameter(name, `unknown query parameter "${name}" (this endpoint takes: ${known.join(', ') || 'none'})`);
  }
}

export function parseBoolean(query: URLSearchParams, name: string): boolean {
  const value = single(query, name);
  if (value === undefined) return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badParameter(name, `${name} must be true or false`);
}

export function parseSort(text: string, fields: readonly string[]): SortSpec {
  // A literal "+" in a query string decodes to a space: "sort=+name" arrives as " name".
  const match = /^([+ -]?)([A-Za-z_]+)$/.exec(text);
  if (!match || !fields.includes(match[2]!)) {
    throw badParameter('sort', `sort must be one of ${fields.map((f) => `[+|-]${f}`).join(', ')}`);
  }
  const descending = match[1] === '-';
  return { field: match[2]!, descending, text: `${descending ? '-' : '+'}${match[2]}` };
}

export function parseListParams(query: URLSearchParams, options: ListOptions): ListParams {
  checkKnownParams(query, ['limit', 'next', 'prev', 'sort', 'totalResults', ...(options.extra ?? [])]);
  const limitText = single(query, 'limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
      throw badParameter('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    limit = Number(limitText);
  }
  const sortText = single(query, 'sort');
  const sort = parseSort(sortText ?? options.defaultSort, options.sortFields);
  const next = single(query, 'next');
  const prev = single(query, 'prev');
  if (next !== undefined && prev !== undefined) throw badParameter('prev', 'next and prev cannot be used together');
  const params: ListParams = { limit, sort, direction: prev !== undefined ? 'prev' : 'next', totalResults: parseBoolean(query, 'totalResults') };
  const cursorText = next ?? prev;
  if (cursorText !== undefined) {
    const parameter = next !== undefined ? 'next' : 'prev';
    const cursor = decodeCursor(cursorText, parameter);
    if (cursor.sort !== sort.text) throw badParameter(parameter, `${parameter}: the cursor was made for sort=${cursor.sort}, not sort=${sort.text}`);
    params.cursor = cursor;
  }
  return params;
}

export interface ListResult<T> {
  items: T[];
  next?: string;
  prev?: string;
  total?: number;
}

/** Reads one page of `records` in the order of `views`' view for the sort field. */
export function runList<T extends { id: string }>(
  records: ReadonlyMap<string, T>,
  views: ViewSet<T>,
  params: ListParams,
  filter?: CompiledFilter<T>,
): ListResult<T> {
  const keyOf = views.keyFn(params.sort.field);
  const candidates = filter?.candidates();
  let ascending: readonly Entry[];
  let match: ((id: string) => boolean) | undefined;
  if (candidates) {
    const entries: Entry[] = [];
    for (const id of candidates) {
      const record = records.get(id);
      if (record && filter!.match(record)) entries.push({ key: keyOf(record), id });
    }
    ascending = entries.sort(compareEntries);
  } else {
    ascending = views.view(params.sort.field).entries();
    if (filter) match = (id) => filter.match(records.get(id)!);
  }
  const pageRequest = { limit: params.limit, descending: params.sort.descending, direction: params.direction, ...(params.cursor ? { cursor: params.cursor } : {}) };
  const page = readPage(ascending, pageRequest, match);
  const result: ListResult<T> = { items: page.entries.map((entry) => records.get(entry.id)!) };
  const first = page.entries[0];
  const last = page.entries[page.entries.length - 1];
  if (page.hasNext && last) result.next = encodeCursor({ sort: params.sort.text, key: last.key, id: last.id });
  if (page.hasPrev && first) result.prev = encodeCursor({ sort: params.sort.text, key: first.key, id: first.id });
  if (params.totalResults) {
    if (!filter) result.total = ascending.length;
    else if (candidates) result.total = ascending.length;
    else {
      let total = 0;
      for (const record of records.values()) if (filter.match(record)) total++;
      result.total = total;
    }
  }
  return result;
}

/** `links` for a page: self is the request as made; next/prev replace the cursor parameters. */
export function pageLinks(selfUrl: URL, result: { next?: string; prev?: string }): Record<string, { href: string }> {
  const links: Record<string, { href: string }> = { self: { href: selfUrl.href } };
  const withCursor = (name: 'next' | 'prev', cursor: string): string => {
    const url = new URL(selfUrl.href);
    url.searchParams.delete('next');
    url.searchParams.delete('prev');
    url.searchParams.set(name, cursor);
    return url.href;
  };
  if (result.next) links.next = { href: withCursor('next', result.next) };
  if (result.prev) links.prev = { href: withCursor('prev', result.prev) };
  return links;
}
