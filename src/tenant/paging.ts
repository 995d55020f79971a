// Walks a Qlik list endpoint page by page, following `links.next.href` (opaque cursors) until a
// page has none. Pages are fetched one after the other (a cursor is only known from the previous
// page). Each page is checked to be a page, each link to stay on the tenant and not to loop, and
// the query the walk started with (limit, fields, filter, sort) is carried onto links that drop it.
import { TenantError } from '../errors.ts';
import type { ApiListPage } from './api-types.ts';
import type { RequestLabel } from './http-errors.ts';

export interface PageSource {
  /** The tenant's name for messages. */
  tenant: string;
  /** GET one page (with the client's pacing, auth and retries); resolves to its JSON. */
  get(url: URL, signal?: AbortSignal): Promise<unknown>;
  resolveLink(href: string, label: RequestLabel): URL;
}

export interface PageInfo {
  /** 1-based page number. */
  page: number;
  /** Index of the page's first item in the whole listing. */
  offset: number;
}

/** The same page however its link is spelled (parameter order, percent-encoding). */
function pageKey(url: URL): string {
  const params = [...url.searchParams].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return `${url.pathname}?${new URLSearchParams(params).toString()}`;
}

/** Yields each page's `data` array, in order. */
export async function* pages(source: PageSource, first: URL, signal?: AbortSignal): AsyncGenerator<{ items: unknown[]; info: PageInfo }> {
  const label: RequestLabel = { tenant: source.tenant, method: 'GET', path: first.pathname };
  const seen = new Set<string>();
  let url: URL | undefined = first;
  let page = 0;
  let offset = 0;
  while (url) {
    page++;
    seen.add(pageKey(url));
    const json = (await source.get(url, signal)) as Partial<ApiListPage<unknown>> | null;
    if (!json || typeof json !== 'object' || !Array.isArray(json.data)) {
      throw new TenantError('TENANT_PROTOCOL', `tenant ${source.tenant}: GET ${first.pathname}: page ${page} is not a list page (no "data" array)`);
    }
    yield { items: json.data, info: { page, offset } };
    offset += json.data.length;
    const href = json.links?.next?.href;
    if (href === undefined || href === null || href === '') {
      url = undefined;
      continue;
    }
    if (typeof href !== 'string') {
      throw new TenantError('TENANT_PROTOCOL', `tenant ${source.tenant}: GET ${first.pathname}: page ${page} has a malformed links.next`);
    }
    const next = source.resolveLink(href, label);
    for (const [key, value] of first.searchParams) {
      if (!next.searchParams.has(key) && key !== 'next' && key !== 'prev') next.searchParams.set(key, value);
    }
    if (seen.has(pageKey(next))) {
      throw new TenantError('TENANT_PROTOCOL', `tenant ${source.tenant}: GET ${first.pathname}: page ${page} links back to a page already read`);
    }
    url = next;
  }
}

/** Yields every item of a listing, parsed; `parse` names the item by its index when it is malformed. */
export async function* items<T>(
  source: PageSource,
  first: URL,
  parse: (item: unknown, index: number) => T,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  for await (const { items: data, info } of pages(source, first, signal)) {
    for (let i = 0; i < data.length; i++) yield parse(data[i], info.offset + i);
  }
}
