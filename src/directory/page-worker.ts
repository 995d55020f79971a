// A worker thread that reads one paged search off the main thread: it opens its own session to
// the server the reader is using (same TLS settings and credentials), pages through the search
// and posts each complete page, undecoded, as one transferred buffer of whole LDAP messages. The
// main thread decodes them (off-thread.ts). Receiving a large directory is a hundred thousand
// small messages, each its own network read and TLS record; here that cost runs beside the main
// thread instead of inside it.
//
// Flow: the worker is started before its search is known (it takes a while to start), and is
// told at once where to connect (`connect`): it opens its session while the main thread starts
// its own search. The search comes as one message later. At most `ahead` pages go unacknowledged; the main thread acknowledges a page once it has
// taken it in (its page hook included), so a reader that stops listening stops the search soon.
// The last message is `end` or `error`; the session is closed either way.
import { parentPort } from 'node:worker_threads';
import type { DirectoryConfig } from '../config/types.ts';
import { ConfigError, SyncError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { LdapSession, type SearchRequest } from './connection.ts';

/**
 * The worker logs nothing (the main thread reports what it needs to), so it loads no logging
 * library: every level of a logger, and its children, drop what they are given.
 */
const nothing = (): void => undefined;
const QUIET = { level: 'silent', trace: nothing, debug: nothing, info: nothing, warn: nothing, error: nothing, fatal: nothing, silent: nothing, child: () => QUIET } as unknown as Logger;

/**
 * Where the search will go, sent as soon as the worker is made: it connects and binds while the
 * main thread starts its own search, so that its session is open by the time the search comes.
 */
export interface PageWorkerConnect {
  type: 'connect';
  url: string;
  config: DirectoryConfig;
}

/** The one search a worker makes, sent to it once it is started (it may start before it is known). */
export interface PageWorkerSearch {
  type: 'search';
  url: string;
  config: DirectoryConfig;
  request: Omit<SearchRequest, 'interning'>;
  ahead: number;
}

export type PageWorkerMessage =
  | { type: 'page'; page: number; bytes: ArrayBuffer }
  | { type: 'end' }
  | { type: 'error'; error: SerializedError };

export interface SerializedError {
  name: string;
  code?: string | undefined;
  message: string;
  details?: Record<string, unknown> | undefined;
  problems?: ConfigError['problems'] | undefined;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof SyncError) {
    return { name: error.name, code: error.code, message: error.message, details: error.details, problems: error instanceof ConfigError ? error.problems : undefined };
  }
  return { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const { promise: searched, resolve: search } = Promise.withResolvers<PageWorkerSearch>();
  let credits = 0;
  let wake: (() => void) | undefined;
  let opening: Promise<LdapSession> | undefined;
  port.on('message', (message: PageWorkerConnect | PageWorkerSearch | 'ack') => {
    if (message === 'ack') {
      credits++;
      wake?.();
    } else if (message.type === 'connect') {
      opening = LdapSession.open(message.url, message.config, { logger: QUIET });
      // A failure is reported when the search asks for the session; never unobserved before that.
      opening.catch(() => undefined);
    } else if (message.type === 'search') {
      credits = message.ahead;
      search(message);
    }
  });
  const data = await searched;
  let session: LdapSession | undefined;
  try {
    session = await (opening ?? LdapSession.open(data.url, data.config, { logger: QUIET }));
    await session.searchPages(data.request, async (messages, page) => {
      let size = 0;
      for (const message of messages) size += message.end - message.start;
      const bytes = new Uint8Array(new ArrayBuffer(size));
      let at = 0;
      for (const message of messages) {
        bytes.set(message.cursor.buf.subarray(message.start, message.end), at);
        at += message.end - message.start;
      }
      port.postMessage({ type: 'page', page, bytes: bytes.buffer } satisfies PageWorkerMessage, [bytes.buffer]);
      credits--;
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
    });
    port.postMessage({ type: 'end' } satisfies PageWorkerMessage);
  } catch (error) {
    port.postMessage({ type: 'error', error: serializeError(error) } satisfies PageWorkerMessage);
  } finally {
    await session?.close();
    port.close();
  }
}

if (parentPort) void main(parentPort);
