// Paged searches through empty pages. Active Directory can answer a page request with no entries
// and a cookie that says more pages follow; the read must go on to the next page, not stop there
// (the client library the reader used before stopped, losing every later page). A server that
// never stops sending such pages must not make the read loop forever.
//
// The empty pages are made on the wire: a TCP proxy between the reader and a real slapd answers
// chosen page requests of the people search itself, with no entries and the very cookie the
// request carried, so the reader's next request asks slapd for the same page again. Everything
// else passes through unchanged. The same proxy sends a notice of disconnection in place of a
// page, as a server shutting down does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDirectory, type PageEvent } from '../../src/directory/index.ts';
import { DirectoryError } from '../../src/errors.ts';
import { element, PAGED_RESULTS_OID as PAGED_RESULTS_OID_TEXT, requestOf, searchDone, tlv } from '../support/ber.ts';
import { startLdapProxy } from '../support/ldap-proxy.ts';
import { openldapBulkLdif } from '../support/ldif-fixtures.ts';
import { requireServer } from '../support/servers.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';
import { directoryConfig } from './config.ts';

const SUFFIX = 'dc=example,dc=test';
const PEOPLE = `ou=people,${SUFFIX}`;
const PAGED_RESULTS_OID = Buffer.from(PAGED_RESULTS_OID_TEXT);
const available = requireServer('slapd');

interface PageRequest {
  messageId: number;
  cookie: Buffer;
}

/** A page with no entries: a successful SearchResultDone carrying the request's own cookie back. */
const emptyPage = (request: PageRequest): Buffer => searchDone(request.messageId, 0, request.cookie);

/** The message id and paging cookie of a SearchRequest for `base`; undefined for any other message. */
function pagedSearchOf(message: Buffer, base: string): PageRequest | undefined {
  const { messageId, op, base: searched } = requestOf(message);
  if (searched !== base) return undefined;
  const oid = message.indexOf(PAGED_RESULTS_OID, op.end);
  if (oid < 0) return undefined;
  let value = element(message, oid + PAGED_RESULTS_OID.length);
  if (value.tag === 0x01) value = element(message, value.end); // criticality
  const sequence = element(message, value.start);
  const size = element(message, sequence.start);
  const cookie = element(message, size.end);
  return { messageId, cookie: message.subarray(cookie.start, cookie.end) };
}

/**
 * A notice of disconnection (RFC 4511 4.4.1): the unsolicited ExtendedResponse, message id 0,
 * that a server sends before it closes a connection (result unavailable).
 */
function noticeOfDisconnection(): Buffer {
  const response = tlv(0x78, tlv(0x0a, Buffer.from([52])), tlv(0x04), tlv(0x04, Buffer.from('server shutting down')), tlv(0x8a, Buffer.from('1.3.6.1.4.1.1466.20036')));
  return tlv(0x30, tlv(0x02, Buffer.from([0])), response);
}

/**
 * Proxies to `target`; `answer(n, request)` is asked for each page request of the people search
 * (n counts from 1) and, when it returns bytes, sends them to the reader instead of passing the
 * request on.
 */
async function startProxy(target: number, answer: (n: number, request: PageRequest) => Buffer | undefined): Promise<{ url: string; injected: () => number; close: () => Promise<void> }> {
  let injected = 0;
  let requests = 0;
  const proxy = await startLdapProxy(target, {
    answer: (message) => {
      const request = pagedSearchOf(message, PEOPLE);
      const reply = request === undefined ? undefined : answer(++requests, request);
      if (reply !== undefined) injected++;
      return reply;
    },
  });
  return { url: proxy.url, injected: () => injected, close: () => proxy.close() };
}

describe.skipIf(!available)('a paged search through empty pages', () => {
  let server: SlapdServer;
  beforeAll(async () => {
    server = await startSlapd({ suffix: SUFFIX, ldif: openldapBulkLdif({ suffix: SUFFIX, users: 300, groups: 5, membersPerGroup: 10 }) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const config = (url: string) =>
    directoryConfig({
      urls: [url],
      allowInsecure: true,
      bindDn: server.rootDn,
      bindPassword: server.rootPassword,
      pageSize: 50,
      groups: { baseDns: [`ou=groups,${SUFFIX}`] },
      users: { baseDns: [PEOPLE] },
    });

  /** What a read through `url` fails with (undefined when it succeeds). */
  const readFailure = (url: string): Promise<unknown> =>
    readDirectory(config(url)).then(
      () => undefined,
      (e: unknown) => e,
    );

  it('reads all 300 users over several pages when no page is empty', async () => {
    const snapshot = await readDirectory(config(server.url));
    expect(snapshot.users).toHaveLength(300);
  });

  it('reads on past an empty page whose cookie says more follow: every user, none twice', async () => {
    const proxy = await startProxy(Number(new URL(server.url).port), (n, request) => (n === 2 || n === 3 ? emptyPage(request) : undefined));
    try {
      const pages: PageEvent[] = [];
      const snapshot = await readDirectory(config(proxy.url), { onPage: (event) => void pages.push(event) });
      expect(proxy.injected()).toBe(2);
      const people = pages.filter((page) => page.base === PEOPLE);
      expect(people.map((page) => page.entries)).toEqual([50, 0, 0, 50, 50, 50, 50, 50]);
      expect(snapshot.users).toHaveLength(300);
      expect(new Set(snapshot.users.map((user) => user.id)).size).toBe(300);
    } finally {
      await proxy.close();
    }
  });

  it('gives up, reading nothing, on a server that sends empty pages without end', async () => {
    const proxy = await startProxy(Number(new URL(server.url).port), (n, request) => (n >= 2 ? emptyPage(request) : undefined));
    try {
      const error = await readFailure(proxy.url);
      expect(error).toBeInstanceOf(DirectoryError);
      expect((error as DirectoryError).code).toBe('DIRECTORY_INCOMPLETE');
      expect((error as DirectoryError).message).toMatch(/search of "ou=people,dc=example,dc=test" on ldap:\/\/127\.0\.0\.1:\d+: 100 empty pages in a row after page 1/);
      expect(proxy.injected()).toBe(100);
    } finally {
      await proxy.close();
    }
  });

  it('fails, naming the search and the page, when the server sends a notice of disconnection mid-search', async () => {
    // The notice alone, the connection left open: the read must not wait for the socket to close.
    const proxy = await startProxy(Number(new URL(server.url).port), (n) => (n === 3 ? noticeOfDisconnection() : undefined));
    try {
      const error = await readFailure(proxy.url);
      expect(error).toBeInstanceOf(DirectoryError);
      expect((error as DirectoryError).code).toBe('DIRECTORY_CONNECT');
      expect((error as DirectoryError).message).toMatch(
        /^connection to ldap:\/\/127\.0\.0\.1:\d+ lost during the search of "ou=people,dc=example,dc=test" with filter \S+ on ldap:\/\/127\.0\.0\.1:\d+ at page 3 \(the server sent a notice of disconnection\)$/,
      );
      expect(proxy.injected()).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
