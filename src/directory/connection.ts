// One authenticated LDAP connection and the two operations the reader needs from it: a paged
// subtree search and a base read. Everything that can go wrong on the wire becomes a DirectoryError
// naming the URL (never the password), the base, the filter and what failed:
//  - TLS: `ldaps://`, or StartTLS on `ldap://` (plain `ldap://` only when explicitly allowed),
//    the configured CA, the server name checked unless tlsVerify is off.
//  - Failover: the URLs are tried in order until one connects; a rejected bind stops there (the
//    same credentials would fail everywhere, and retrying them locks accounts sooner).
//  - Fail closed: a failed page, a size or time limit, an operation timeout or a lost connection
//    throws. ldapts reconnects transparently (unauthenticated) when a socket closed between
//    operations; the session watches its sockets itself and refuses to go on after a loss.
import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Client, FilterParser, NoSuchObjectError, PagedResultsControl, ResultCodeError, SearchRequest as LdapSearchRequest, StatusCodeParser, type SearchOptions } from 'ldapts';
import type { DirectoryConfig } from '../config/types.ts';
import { ConfigError, DirectoryError, SyncError, describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { registerSecret } from '../secrets.ts';
import { fromLdapts, type RawEntry } from './entry.ts';
import { normalizeFilterEscapes } from './filter.ts';
import type { KeyTable } from './key-table.ts';
import { ROOT_DSE_ATTRIBUTES } from './vendors.ts';
import {
  EXTENDED_RESPONSE,
  EntryDecoder,
  INTERMEDIATE_RESPONSE,
  MessageFramer,
  SEARCH_RESULT_DONE,
  SEARCH_RESULT_ENTRY,
  SEARCH_RESULT_REFERENCE,
  decodeDone,
  decodeReference,
  readEnvelope,
  type Envelope,
  type SearchDone,
} from './wire.ts';

/** Reported after every page of a paged search (for progress logs and for tests that act mid-read). */
export interface PageEvent {
  url: string;
  base: string;
  filter: string;
  /** 1-based page number within this search. */
  page: number;
  /** Entries in this page. */
  entries: number;
  /** Entries so far in this search. */
  total: number;
}

export type PageHook = (event: PageEvent) => void | Promise<void>;

export interface SessionOptions {
  logger: Logger;
  signal?: AbortSignal | undefined;
  onPage?: PageHook | undefined;
}

export interface SearchRequest {
  base: string;
  scope: 'base' | 'sub';
  filter: string;
  attributes: string[];
  /** Attributes to return as bytes. */
  binaryAttributes?: string[];
  /** RFC 2696 paging (subtree searches). */
  paged: boolean;
  /**
   * Paged searches only: DN-valued attributes (lower-case names) whose plain values become ids of
   * `table` as they are decoded (RawEntry.dnIds).
   */
  interning?: { table: KeyTable; attributes: ReadonlySet<string> } | undefined;
}

/** One page request on the wire: what to do with each response message for its message id. */
interface PageOnWire {
  /** An entry or a reference, as it arrives (held: HeldPage): its bytes are valid during the call only. */
  take(envelope: Envelope): void;
  resolve(done: SearchDone): void;
  fail(error: unknown): void;
}

/**
 * Takes a paged search's pages in: decodes each entry (one decoder for the whole search) and hands
 * it on, collects the references, logs each page once it is complete and reports it to the page
 * hook. Its messages come from HeldPage, in the order they arrived.
 */
class PageIntake {
  readonly references: string[] = [];
  private readonly decoder: EntryDecoder;
  private readonly request: SearchRequest;
  private readonly onEntry: (entry: RawEntry) => void;
  private readonly options: SessionOptions;
  private readonly displayUrl: string;
  private total = 0;

  constructor(request: SearchRequest, onEntry: (entry: RawEntry) => void, options: SessionOptions, displayUrl: string) {
    this.request = request;
    this.onEntry = onEntry;
    this.options = options;
    this.displayUrl = displayUrl;
    this.decoder = new EntryDecoder({ binary: new Set((request.binaryAttributes ?? []).map((a) => a.toLowerCase())), interning: request.interning });
  }

  /** One entry or reference message; true for an entry. */
  take(message: Envelope): boolean {
    if (message.op === SEARCH_RESULT_ENTRY) {
      this.onEntry(this.decoder.decode(message.cursor, message.opEnd));
      return true;
    }
    for (const uri of decodeReference(message.cursor, message.opEnd)) this.references.push(uri);
    return false;
  }

  /** Page `page` is complete, with `entries` entries. */
  async pageDone(page: number, entries: number): Promise<void> {
    this.total += entries;
    const { base, filter } = this.request;
    this.options.logger.trace({ url: this.displayUrl, base, page, entries }, 'directory page');
    await this.options.onPage?.({ url: this.displayUrl, base, filter, page, entries, total: this.total });
  }
}

/** What a page holds (HeldPage) before it is taken in without waiting for its end: a page of large groups. */
const HOLD_BYTES = 8 * 1024 * 1024;
const HELD_START_BYTES = 64 * 1024;
/** About how many held bytes are taken in before other work (the other search's pages) has a turn. */
const TURN_BYTES = 64 * 1024;

/**
 * Shared by the HeldPages of one search: whether one of them is being taken in. Meanwhile the next
 * page, arriving, holds on past HOLD_BYTES rather than go first (entries stay in the server's order).
 */
export interface TakingIn {
  busy: boolean;
}

/**
 * The entry and reference messages of one page, copied as they arrive and taken in once the page
 * is complete, just after its successor is asked for. Taken in as they arrived, the SearchResultDone
 * was read only once every entry before it was decoded, and the server had nothing to do until
 * the next request came; now it prepares the next page while this one is decoded. A complete page
 * is taken in a turn of about TURN_BYTES at a time, so the other search running beside this one
 * is answered in between (its next page asked for) rather than after a whole page of groups. A
 * page holds at most about HOLD_BYTES: beyond that, what it holds is taken in at once, unless the
 * page before is still being taken in (TakingIn).
 */
export class HeldPage {
  private bytes = Buffer.allocUnsafeSlow(HELD_START_BYTES);
  private used = 0;
  /** Where each held message starts and ends in `bytes`, in arrival order. */
  private bounds = new Int32Array(1024);
  private count = 0;
  /** This page's messages so far, and its entries taken in so far. */
  private messages = 0;
  private entries = 0;
  private readonly intake: Pick<PageIntake, 'take'>;
  private readonly limit: number;
  private readonly turnBytes: number;
  private readonly takingIn: TakingIn;

  /**
   * `limit`: the bytes held before they are taken in without waiting for the page's end;
   * `turnBytes`: about how many are taken in at a time once the page is complete (at least 1);
   * `takingIn`: shared with the search's other HeldPages.
   */
  constructor(intake: Pick<PageIntake, 'take'>, limit = HOLD_BYTES, turnBytes = TURN_BYTES, takingIn: TakingIn = { busy: false }) {
    this.intake = intake;
    this.limit = limit;
    this.turnBytes = Math.max(1, turnBytes);
    this.takingIn = takingIn;
  }

  /** Keeps a copy of the message (its bytes are valid during the call only). */
  add(envelope: Envelope): void {
    const { start, end } = envelope;
    const length = end - start;
    if (this.used + length > this.bytes.length) {
      const bytes = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.used + length));
      this.bytes.copy(bytes, 0, 0, this.used);
      this.bytes = bytes;
    }
    if (2 * this.count + 2 > this.bounds.length) {
      const bounds = new Int32Array(this.bounds.length * 2);
      bounds.set(this.bounds);
      this.bounds = bounds;
    }
    envelope.cursor.buf.copy(this.bytes, this.used, start, end);
    this.bounds[2 * this.count] = this.used;
    this.bounds[2 * this.count + 1] = this.used + length;
    this.count++;
    this.messages++;
    this.used += length;
    if (this.used >= this.limit && !this.takingIn.busy) {
      try {
        this.takeFrom(0, Infinity);
      } finally {
        this.empty();
      }
    }
  }

  /** Entry and reference messages so far in this page. */
  get size(): number {
    return this.messages;
  }

  /**
   * The rest of the page taken in, a turn at a time; how many of its messages were entries.
   * `between` runs after each wait for the next turn: it throws to stop (the read aborted, the
   * connection lost), and nothing more of the page is taken in. Ready for another page after
   * (also when the intake or `between` threw).
   */
  async finish(between?: () => void): Promise<number> {
    this.takingIn.busy = true;
    try {
      let from = this.takeFrom(0, this.turnBytes);
      while (from < this.count) {
        await nextTurn();
        between?.();
        from = this.takeFrom(from, this.turnBytes);
      }
      return this.entries;
    } finally {
      this.takingIn.busy = false;
      this.empty();
      this.messages = 0;
      this.entries = 0;
    }
  }

  /** Takes held messages in, from number `from` on, until about `bytes` are taken; where it stopped. */
  private takeFrom(from: number, bytes: number): number {
    const bounds = this.bounds;
    const stop = from < this.count ? bounds[2 * from]! + bytes : 0;
    let i = from;
    for (; i < this.count && bounds[2 * i]! < stop; i++) {
      if (this.intake.take(readEnvelope(this.bytes, bounds[2 * i]!, bounds[2 * i + 1]!))) this.entries++;
    }
    return i;
  }

  private empty(): void {
    this.count = 0;
    this.used = 0;
    // One very large entry does not keep its room for the rest of the search.
    if (this.bytes.length > 2 * Math.max(this.limit, HELD_START_BYTES)) this.bytes = Buffer.allocUnsafeSlow(HELD_START_BYTES);
  }
}

/** A complete page: its SearchResultDone, and its entry and reference messages, held. */
interface PageAnswer {
  done: SearchDone;
  held: HeldPage;
}

/** Consecutive empty pages that still carry a cookie before the read gives up (a server looping). */
const MAX_EMPTY_PAGES = 100;
/** Message ids for the reader's own page requests: far from the ones ldapts counts up from 1. */
const FIRST_PAGE_MESSAGE_ID = 0x4000_0000;
const LAST_MESSAGE_ID = 0x7fff_ffff;

export interface SearchOutcome {
  entries: RawEntry[];
  /** Continuation references (referral URLs) the server returned. */
  references: string[];
}

const TLS_ERROR = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_|ERR_OSSL_)/;

/** `ldaps://host:636` without path or credentials, for messages. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isTlsError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && TLS_ERROR.test(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /certificate|self[- ]signed|altnames|ssl3?_|tls alert|wrong version number/i.test(message);
}

function abortedError(cause?: unknown): SyncError {
  return new SyncError('ABORTED', 'directory read aborted', cause === undefined ? undefined : { cause });
}

/** Bytes a directly read TLS socket decrypts into before they are handed on (see secureConnect). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * A socket made by secureConnect can hand its decrypted bytes to `reader` in place: the bytes
 * `buf[0, length)` are valid during the call only (the buffer is reused for the next read).
 */
interface DirectRead {
  reader: ((buf: Buffer, length: number) => void) | undefined;
}
const directReads = new WeakMap<Socket, DirectRead>();

/**
 * tls.connect for ldapts. For an ldaps:// connection (ldapts calls it as `(port, host, options)`)
 * the socket is read with `onread`: each decrypted chunk lands in one reused buffer. A server
 * sends one TLS record per entry (slapd writes each message on its own), so a large search is a
 * hundred thousand chunks, and the readable-stream bookkeeping each chunk otherwise goes through
 * costs more than the decryption. While a paged search reads the socket (DirectRead) each chunk
 * is framed where it landed; otherwise it is handed on as a `data` event carrying a
 * copy, so ldapts' listeners see exactly the bytes and events they would have. StartTLS
 * (`options.socket` given, where Node ignores onread) takes the plain path.
 */
function secureConnect(args: unknown[]): TLSSocket {
  const [port, host, options] = args;
  if (typeof port !== 'number' || typeof host !== 'string') return (tlsConnect as (...a: unknown[]) => TLSSocket)(...args);
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const direct: DirectRead = { reader: undefined };
  let socket: TLSSocket | undefined;
  const onread = {
    buffer,
    callback: (length: number): boolean => {
      const reader = direct.reader;
      if (reader !== undefined) {
        reader(buffer, length);
        return true;
      }
      const chunk = Buffer.allocUnsafe(length);
      buffer.copy(chunk, 0, 0, length);
      socket!.emit('data', chunk);
      return true;
    },
  };
  socket = tlsConnect(port, host, { ...(options as ConnectionOptions), onread } as ConnectionOptions);
  directReads.set(socket, direct);
  return socket;
}

export class LdapSession {
  readonly url: string;
  readonly displayUrl: string;
  private readonly client: Client;
  private readonly config: DirectoryConfig;
  private readonly options: SessionOptions;
  private established = false;
  private closing = false;
  private lost: DirectoryError | undefined;
  /** Whether the loss was the server's notice of disconnection (said in the search's error). */
  private disconnectNotice = false;
  /**
   * Rejects when the connection is lost or the read aborted. Every operation races it: after
   * StartTLS, ldapts does not notice a dead socket and would wait for its operation timeout.
   */
  private readonly interrupted: Promise<never>;
  private readonly interrupt: (error: SyncError) => void;
  private readonly onAbort: () => void;
  private readonly sockets = new Set<Socket>();
  /** The root DSE, read when the session opened. */
  rootDse: RawEntry = { dn: '', attributes: new Map() };

  private constructor(url: string, config: DirectoryConfig, options: SessionOptions) {
    this.url = url;
    this.displayUrl = displayUrl(url);
    this.config = config;
    this.options = options;
    const parsed = new URL(url);
    const secure = parsed.protocol === 'ldaps:';
    const track = <S extends Socket | TLSSocket>(socket: S): S => {
      this.sockets.add(socket);
      // The newest socket is the one ldapts speaks over (after StartTLS: the TLS socket on top).
      this.socket = socket;
      socket.once('close', () => {
        this.sockets.delete(socket);
        // Before the session is established, failures surface through the operation in progress.
        if (this.established && !this.closing && this.lost === undefined) {
          this.lost = new DirectoryError('DIRECTORY_CONNECT', `connection to ${this.displayUrl} was lost`);
          this.options.logger.warn({ url: this.displayUrl }, 'directory connection lost');
          // Let the operation's own failure (a timeout, a socket error) be reported if it has one.
          const lost = this.lost;
          setImmediate(() => this.interrupt(lost));
        }
      });
      return socket;
    };
    this.client = new Client({
      url: `${parsed.protocol}//${parsed.host}`,
      timeout: config.timeoutMs,
      connectTimeout: config.connectTimeoutMs,
      // Only for ldaps://: with tlsOptions on an ldap:// URL ldapts would start TLS at once.
      ...(secure ? { tlsOptions: this.tlsOptions(parsed.hostname) } : {}),
      createConnection: ((...args: Parameters<typeof netConnect>) => track(netConnect(...args))) as typeof netConnect,
      createSecureConnection: ((...args: unknown[]) => {
        const socket = track(secureConnect(args));
        // StartTLS: ldapts upgrades the socket it has (`options.socket`) and bounds the StartTLS
        // request, not the handshake after it.
        if ((args[0] as ConnectionOptions | undefined)?.socket !== undefined) this.boundHandshake(socket);
        return socket;
      }) as typeof tlsConnect,
    });
    const { promise, reject } = Promise.withResolvers<never>();
    promise.catch(() => undefined); // observed through race() only
    this.interrupted = promise;
    this.interrupt = reject;
    this.onAbort = () => {
      this.interrupt(abortedError(this.options.signal?.reason));
      void this.client.unbind().catch(() => undefined);
    };
  }

  /** The socket ldapts currently speaks over; paged searches read their responses from it directly. */
  private socket: Socket | undefined;
  private messageId = FIRST_PAGE_MESSAGE_ID;
  /** Page requests on the wire, by message id. */
  private readonly pages = new Map<number, PageOnWire>();
  private readonly framer = new MessageFramer();
  /** A paged search on this session failed: the socket stays the session's (giveSocketBack). */
  private searchFailed = false;
  /** Puts ldapts' own data listeners back (giveSocketBack: once a paged search is complete). */
  private restoreListeners: (() => void) | undefined;
  /** Hands ldapts the messages that answer its own operations while the session reads the socket. */
  private forward: ((message: Buffer) => void) | undefined;

  private tlsOptions(host: string): ConnectionOptions {
    const expected = this.config.serverName ?? host;
    let ca: string[] | undefined;
    if (this.config.caFile) {
      try {
        ca = [readFileSync(this.config.caFile, 'utf8')];
      } catch (error) {
        throw new DirectoryError('DIRECTORY_TLS', `cannot read directory.caFile ${this.config.caFile}: ${describeError(error)}`, { cause: error });
      }
    }
    return {
      ...(ca ? { ca } : {}),
      rejectUnauthorized: this.config.tlsVerify,
      minVersion: 'TLSv1.2',
      // SNI must be a host name; an IP address is checked against the certificate's IP SANs.
      ...(isIP(expected) ? {} : { servername: expected }),
      checkServerIdentity: (_hostname, certificate) => checkServerIdentity(expected, certificate),
    };
  }

  /**
   * Connects, upgrades with StartTLS when configured, binds. Throws DirectoryError or ConfigError.
   * `again`: another connection to a server a session of this read already reached (its warnings
   * about the TLS settings were given then, once).
   */
  static async open(url: string, config: DirectoryConfig, options: SessionOptions, again = false): Promise<LdapSession> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError([{ path: 'directory.urls', message: `not a URL: ${displayUrl(url)}` }]);
    }
    if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') {
      throw new ConfigError([{ path: 'directory.urls', message: `${displayUrl(url)} must be ldap:// or ldaps://` }]);
    }
    const plain = parsed.protocol === 'ldap:' && !config.startTls;
    if (plain && !config.allowInsecure) {
      throw new ConfigError([
        {
          path: 'directory.startTls',
          message: `${displayUrl(url)} would send the bind password in clear text: use ldaps://, set directory.startTls, or set directory.allowInsecure to accept the risk`,
        },
      ]);
    }
    registerSecret(config.bindPassword);
    const session = new LdapSession(url, config, options);
    const where = session.displayUrl;
    const logger = options.logger;
    if (!again && plain) logger.warn({ url: where }, 'directory connection without TLS (directory.allowInsecure): credentials and data travel in clear text');
    if (!again && !config.tlsVerify && !plain) logger.warn({ url: where }, 'directory TLS certificate verification is off (directory.tlsVerify=false)');
    if (options.signal?.aborted) throw abortedError(options.signal.reason);
    options.signal?.addEventListener('abort', session.onAbort, { once: true });

    try {
      if (parsed.protocol === 'ldap:' && config.startTls) {
        try {
          await session.race(session.client.startTLS(session.tlsOptions(parsed.hostname)));
        } catch (error) {
          if (error instanceof ResultCodeError) {
            throw new DirectoryError('DIRECTORY_TLS', `${where} refused StartTLS: ${error.message}`, { cause: error, details: { url: where } });
          }
          throw session.connectError(error, 'StartTLS');
        }
      }
      if (config.bindDn) {
        try {
          await session.race(session.client.bind(config.bindDn, config.bindPassword ?? ''));
        } catch (error) {
          if (!(error instanceof ResultCodeError)) throw session.connectError(error, 'connect');
          const why = error.code === 49 ? 'invalid credentials' : `the server answered: ${error.message}`;
          throw new DirectoryError('DIRECTORY_BIND', `bind as ${config.bindDn} to ${where} failed: ${why}`, {
            cause: error,
            details: { url: where, bindDn: config.bindDn, resultCode: error.code },
          });
        }
      }
      // The root DSE (vendor detection) is read here: for an anonymous session this is also the
      // first operation, so connection and TLS failures are reported as such.
      try {
        const result = await session.race(session.client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ROOT_DSE_ATTRIBUTES, timeLimit: Math.max(1, Math.ceil(config.timeoutMs / 1000)) }));
        const [entry] = result.searchEntries;
        session.rootDse = entry ? fromLdapts(entry) : { dn: '', attributes: new Map() };
      } catch (error) {
        if (!(error instanceof ResultCodeError)) throw session.connectError(error, 'connect');
        throw new DirectoryError('DIRECTORY_SEARCH', `reading the root DSE of ${where} failed: ${error.message} (LDAP result ${error.code})`, { cause: error, details: { url: where } });
      }
      session.established = true;
      logger.debug({ url: where, startTls: parsed.protocol === 'ldap:' && config.startTls, bindDn: config.bindDn }, 'directory connected');
      return session;
    } catch (error) {
      await session.close();
      if (options.signal?.aborted) throw abortedError(error);
      throw error;
    }
  }

  /**
   * Fails the StartTLS handshake on `socket` if it is not done within directory.connectTimeoutMs
   * (which bounds connecting, TLS handshake included): the socket is destroyed with a
   * DIRECTORY_CONNECT error, which ldapts' StartTLS rejects with.
   */
  private boundHandshake(socket: TLSSocket): void {
    const ms = this.config.connectTimeoutMs;
    const timer = setTimeout(() => {
      const error = new DirectoryError('DIRECTORY_CONNECT', `StartTLS with ${this.displayUrl} timed out after ${ms} ms (directory.connectTimeoutMs)`, { details: { url: this.displayUrl } });
      // Noted before the sockets go: closing this session then drops them rather than says goodbye.
      this.lost ??= error;
      socket.destroy(error);
      for (const open of this.sockets) open.destroy();
    }, ms);
    const done = (): void => clearTimeout(timer);
    socket.once('secureConnect', done);
    socket.once('close', done);
  }

  private connectError(error: unknown, phase: string): DirectoryError {
    if (error instanceof DirectoryError) return error;
    const detail = describeError(error);
    if (isTlsError(error)) {
      return new DirectoryError('DIRECTORY_TLS', `TLS with ${this.displayUrl} failed during ${phase}: ${detail} (check directory.caFile and directory.serverName)`, {
        cause: error,
        details: { url: this.displayUrl },
      });
    }
    return new DirectoryError('DIRECTORY_CONNECT', `cannot reach ${this.displayUrl} (${phase}): ${detail}`, { cause: error, details: { url: this.displayUrl } });
  }

  private ensureUsable(what: string): void {
    if (this.options.signal?.aborted) throw abortedError(this.options.signal.reason);
    if (this.lost) throw new DirectoryError('DIRECTORY_CONNECT', `${this.lost.message}; ${what} not attempted`, { cause: this.lost });
    if (this.closing) throw new DirectoryError('DIRECTORY_CONNECT', `connection to ${this.displayUrl} is closed; ${what} not attempted`);
  }

  /** Settles with the operation, or rejects as soon as the connection is lost or the read aborted. */
  private race<T>(operation: Promise<T>): Promise<T> {
    operation.catch(() => undefined); // an abandoned operation still settles later (its timeout)
    return Promise.race([operation, this.interrupted]);
  }

  private searchError(error: unknown, request: SearchRequest, page: number): SyncError {
    if (this.options.signal?.aborted) return abortedError(error);
    if (error instanceof SyncError && error !== this.lost) return error;
    const what = `${request.scope === 'base' ? 'read' : 'search'} of "${request.base}" with filter ${request.filter} on ${this.displayUrl}${request.paged ? ` at page ${page}` : ''}`;
    const details = { url: this.displayUrl, base: request.base, filter: request.filter, page };
    const message = error instanceof Error ? error.message : String(error);
    // ldapts closes the socket on an operation timeout: say "timed out", not "lost".
    if (/timed out/i.test(message)) {
      return new DirectoryError('DIRECTORY_SEARCH', `${what} timed out after ${this.config.timeoutMs} ms (directory.timeoutMs)`, { cause: error, details });
    }
    if (this.lost) {
      const why = this.disconnectNotice ? ' (the server sent a notice of disconnection)' : '';
      return new DirectoryError('DIRECTORY_CONNECT', `connection to ${this.displayUrl} lost during the ${what}${why}`, { cause: error, details });
    }
    if (error instanceof ResultCodeError) {
      // 10: the entry is held by another server (say, another domain of the forest).
      const hint =
        error.code === 10
          ? request.scope === 'base'
            ? '; the entry is held by another server (another domain?): read through a Global Catalog URL (port 3268/3269), or set directory.outsideMembers to ignore'
            : '; the base is held by another server: point directory.urls at it, or search from a base this server holds with directory.followReferrals'
          : '';
      return new DirectoryError('DIRECTORY_SEARCH', `${what} failed: ${error.message} (LDAP result ${error.code})${hint}`, { cause: error, details: { ...details, resultCode: error.code } });
    }
    if (/socket|connection|ECONNRESET|EPIPE/i.test(message)) {
      return new DirectoryError('DIRECTORY_CONNECT', `connection to ${this.displayUrl} lost during the ${what}: ${message}`, { cause: error, details });
    }
    return new DirectoryError('DIRECTORY_SEARCH', `${what} failed: ${describeError(error)}`, { cause: error, details });
  }

  /** Runs one search to the end (every page) or throws. A base read of a missing entry returns no entries. */
  async search(request: SearchRequest): Promise<SearchOutcome> {
    const entries: RawEntry[] = [];
    const references = await this.searchEach(request, (entry) => void entries.push(entry));
    return { entries, references };
  }

  /**
   * Runs one search to the end, handing each entry to `onEntry` as its page arrives (so a large
   * directory is never held twice), and returns the continuation references. Throws when any page
   * fails, after `onEntry` has seen the entries before it: whoever collects them must discard them.
   * An error thrown by `onEntry` stops the search and is rethrown.
   */
  async searchEach(request: SearchRequest, onEntry: (entry: RawEntry) => void): Promise<string[]> {
    this.ensureUsable(`search of "${request.base}"`);
    const options = this.searchOptions(request);
    let page = 0;
    try {
      if (request.paged) {
        const intake = new PageIntake(request, onEntry, this.options, this.displayUrl);
        await this.pagedSearch(request, options, (done) => (page = done), intake);
        return intake.references;
      }
      page = 1;
      const result = await this.race(this.client.search(request.base, options));
      for (const entry of result.searchEntries) onEntry(fromLdapts(entry));
      return result.searchReferences;
    } catch (error) {
      if (request.scope === 'base' && error instanceof NoSuchObjectError) return [];
      throw this.searchError(error, request, page + 1);
    }
  }

  private searchOptions(request: SearchRequest): SearchOptions {
    return {
      scope: request.scope,
      filter: normalizeFilterEscapes(request.filter),
      attributes: request.attributes,
      explicitBufferAttributes: request.binaryAttributes ?? [],
      sizeLimit: 0,
      timeLimit: Math.max(1, Math.ceil(this.config.timeoutMs / 1000)),
    };
  }

  /**
   * A paged subtree search (RFC 2696) spoken on the session's socket directly: each page request
   * is encoded by ldapts and its responses are framed here (wire.ts) and held as they arrive
   * (HeldPage). As soon as a page is complete its successor is asked for; then the page goes to
   * `intake` while the server prepares the next one, and then the page hook runs. The search goes on while the
   * server returns a cookie, through empty pages too (Active Directory sends some), and is
   * complete only at a page without one.
   */
  private async pagedSearch(request: SearchRequest, options: SearchOptions, pagesDone: (pages: number) => void, intake: PageIntake): Promise<void> {
    const filter = FilterParser.parseString(normalizeFilterEscapes(request.filter));
    /** The last page asked for. */
    let asked = -1;
    const spare: HeldPage[] = [];
    const takingIn: TakingIn = { busy: false };
    const ask = (cookie: Buffer | undefined): Promise<PageAnswer> => {
      const messageId = this.nextMessageId();
      asked = messageId;
      const bytes = new LdapSearchRequest({
        messageId,
        baseDN: request.base,
        scope: 'sub',
        filter,
        attributes: options.attributes ?? [],
        sizeLimit: 0,
        timeLimit: options.timeLimit ?? 0,
        controls: [new PagedResultsControl({ value: { size: this.config.pageSize, ...(cookie ? { cookie } : {}) } })],
      }).write();
      // Two stores alternate: the page before's, once it has been taken in, or a new one.
      const held = spare.pop() ?? new HeldPage(intake, HOLD_BYTES, TURN_BYTES, takingIn);
      const take = (envelope: Envelope): void => held.add(envelope);
      const answer = this.sendPage(messageId, bytes, take).then((done) => ({ done, held }));
      answer.catch(() => undefined); // awaited below, or abandoned when the search fails first
      return answer;
    };
    let emptyInARow = 0;
    let next = ask(undefined);
    try {
      for (let page = 1; ; page++) {
        const { done, held } = await this.race(next);
        const messages = held.size;
        if (done.resultCode !== 0) throw StatusCodeParser.parse({ status: done.resultCode, errorMessage: done.diagnosticMessage } as Parameters<typeof StatusCodeParser.parse>[0]);
        this.ensureUsable(`page ${page} of the search of "${request.base}"`);
        pagesDone(page);
        const more = done.cookie !== undefined && done.cookie.length > 0;
        emptyInARow = messages === 0 ? emptyInARow + 1 : 0;
        if (more && emptyInARow >= MAX_EMPTY_PAGES) {
          throw new DirectoryError(
            'DIRECTORY_INCOMPLETE',
            `search of "${request.base}" on ${this.displayUrl}: ${emptyInARow} empty pages in a row after page ${page - emptyInARow}, each saying more pages follow; the read stops rather than loop`,
            { details: { url: this.displayUrl, base: request.base, filter: request.filter, page } },
          );
        }
        if (more) next = ask(done.cookie);
        const entries = await held.finish(() => this.ensureUsable(`the rest of page ${page} of the search of "${request.base}"`));
        spare.push(held);
        await intake.pageDone(page, entries);
        if (!more) {
          this.giveSocketBack();
          return;
        }
      }
    } catch (error) {
      // A page already asked for goes with the search: what still comes of it is read past, not
      // taken in (the page hook failed, say, or the read was aborted, while it was on its way).
      this.searchFailed = true;
      this.pages.get(asked)?.fail(error);
      throw error;
    }
  }

  /**
   * ldapts reads the socket again, when no page request is on the wire. Only after a complete
   * search, and never once one failed: after a failure the rest of an answer may still come, and
   * the session keeps reading (and dropping) it rather than hand ldapts a stream that starts
   * mid-message.
   */
  private giveSocketBack(): void {
    if (this.pages.size > 0 || this.searchFailed) return;
    this.restoreListeners?.();
    this.restoreListeners = undefined;
  }

  private nextMessageId(): number {
    const id = this.messageId;
    this.messageId = id >= LAST_MESSAGE_ID ? FIRST_PAGE_MESSAGE_ID : id + 1;
    return id;
  }

  /**
   * Writes one page request and settles with its SearchResultDone. From a paged search's first
   * page request until the search is complete the session reads the socket itself: ldapts' data
   * listeners are set aside, and put back (giveSocketBack) once the search is complete, not
   * between its pages. A page must be done within directory.timeoutMs; if not, the connection is
   * dropped, as ldapts does on its own timeouts.
   */
  private sendPage(messageId: number, bytes: Buffer, take: PageOnWire['take']): Promise<SearchDone> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) {
      return Promise.reject(new DirectoryError('DIRECTORY_CONNECT', `connection to ${this.displayUrl} is closed`));
    }
    const { promise, resolve, reject } = Promise.withResolvers<SearchDone>();
    const finish = (): void => {
      clearTimeout(timer);
      this.pages.delete(messageId);
    };
    const timer = setTimeout(() => {
      finish();
      // Noted before the socket goes, so its closing is not reported as a loss.
      this.lost ??= new DirectoryError('DIRECTORY_SEARCH', `a page of a search on ${this.displayUrl} timed out`);
      reject(new Error(`page request timed out after ${this.config.timeoutMs} ms`));
      for (const open of this.sockets) open.destroy();
    }, this.config.timeoutMs);
    this.pages.set(messageId, {
      take,
      resolve: (done) => {
        finish();
        resolve(done);
      },
      fail: (error) => {
        finish();
        reject(error);
      },
    });
    if (this.restoreListeners === undefined) this.takeOverSocket(socket);
    socket.write(bytes);
    return promise;
  }

  private takeOverSocket(socket: Socket): void {
    const previous = socket.listeners('data') as Array<(chunk: Buffer) => void>;
    socket.removeAllListeners('data');
    this.framer.reset();
    this.forward = (message) => {
      for (const listener of previous) listener(message);
    };
    const push = (chunk: Buffer, transient: boolean, length: number): void => {
      try {
        this.framer.push(chunk, this.onMessage, transient, length);
      } catch (error) {
        this.failPages(error);
      }
    };
    // Read in place where the socket allows it (secureConnect), else from its data events.
    const direct = directReads.get(socket);
    const onData = (chunk: Buffer): void => push(chunk, false, chunk.length);
    if (direct !== undefined) direct.reader = (buf, length) => push(buf, true, length);
    else socket.on('data', onData);
    this.restoreListeners = () => {
      this.forward = undefined;
      if (direct !== undefined) direct.reader = undefined;
      else socket.off('data', onData);
      for (const listener of previous) socket.on('data', listener);
    };
  }

  private readonly onMessage = (buf: Buffer, start: number, end: number): void => {
    const envelope = readEnvelope(buf, start, end);
    const page = this.pages.get(envelope.messageId);
    if (page === undefined) {
      // Message id 0 is unsolicited: a notice of disconnection (RFC 4511 4.4.1) ends every search.
      if (envelope.messageId === 0 && envelope.op === EXTENDED_RESPONSE) {
        // The connection is over: what is asked on it fails as lost, naming the search and page.
        if (this.lost === undefined) {
          const lost = new DirectoryError('DIRECTORY_CONNECT', `${this.displayUrl} sent a notice of disconnection`);
          this.lost = lost;
          this.disconnectNotice = true;
          this.options.logger.warn({ url: this.displayUrl }, 'directory sent a notice of disconnection');
          // As for a closed socket: an operation of ldapts' own waiting on this connection fails now.
          setImmediate(() => this.interrupt(lost));
        }
        this.failPages(this.lost);
      } else if (envelope.messageId < FIRST_PAGE_MESSAGE_ID) {
        // An answer to an operation of ldapts' own (a base read while a paged search runs): it
        // gets the message whole, as if it had read the socket itself (a copy: `buf` may be reused).
        this.forward?.(Buffer.from(buf.subarray(start, end)));
      }
      return;
    }
    try {
      switch (envelope.op) {
        case SEARCH_RESULT_ENTRY:
        case SEARCH_RESULT_REFERENCE:
          page.take(envelope);
          break;
        case SEARCH_RESULT_DONE:
          page.resolve(decodeDone(envelope));
          break;
        case INTERMEDIATE_RESPONSE:
          break;
        default:
          throw new DirectoryError('DIRECTORY_SEARCH', `${this.displayUrl} answered a search with protocol operation 0x${envelope.op.toString(16)}`);
      }
    } catch (error) {
      page.fail(error);
    }
  };

  private failPages(error: unknown): void {
    for (const page of [...this.pages.values()]) page.fail(error);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.failPages(new DirectoryError('DIRECTORY_CONNECT', `connection to ${this.displayUrl} is closed`));
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.lost) {
      // Nobody to say goodbye to; after StartTLS ldapts would wait out its timeout for the unbind.
      for (const socket of this.sockets) socket.destroy();
      return;
    }
    await this.client.unbind().catch(() => undefined);
  }
}

/**
 * Opens a session to the first URL that answers (failover in the configured order). Connection and
 * TLS failures move on to the next URL; a rejected bind or a configuration problem stops at once.
 */
export async function openSession(config: DirectoryConfig, options: SessionOptions): Promise<LdapSession> {
  if (config.urls.length === 0) throw new ConfigError([{ path: 'directory.urls', message: 'at least one ldap:// or ldaps:// URL is required' }]);
  const failures: DirectoryError[] = [];
  for (const url of config.urls) {
    try {
      return await LdapSession.open(url, config, options);
    } catch (error) {
      if (!(error instanceof DirectoryError) || error.code === 'DIRECTORY_BIND') throw error;
      failures.push(error);
      if (config.urls.length > 1) options.logger.warn({ url: displayUrl(url), error: error.message }, 'directory server unavailable, trying the next URL');
    }
  }
  if (failures.length === 1) throw failures[0]!;
  const code = failures.every((f) => f.code === 'DIRECTORY_TLS') ? 'DIRECTORY_TLS' : 'DIRECTORY_CONNECT';
  throw new DirectoryError(code, `no directory server could be used: ${failures.map((f) => f.message).join('; ')}`, {
    cause: failures[failures.length - 1],
    details: { urls: config.urls.map(displayUrl) },
  });
}
