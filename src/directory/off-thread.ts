// Paged searches read by a worker thread (page-worker.ts) and decoded here, on the main thread, by
// the same decoder the in-thread search uses, so entries and interned ids are the same. Used for
// a search that runs while another one has the main session: the two then cost the main thread
// only their decoding.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DirectoryConfig } from '../config/types.ts';
import { ConfigError, DirectoryError, SyncError, type ErrorCode } from '../errors.ts';
import { PageIntake, type SearchRequest, type SessionOptions } from './connection.ts';
import type { RawEntry } from './entry.ts';
import type { PageWorkerConnect, PageWorkerMessage, PageWorkerSearch, SerializedError } from './page-worker.ts';
import { readMessages } from './wire.ts';

/** Pages the worker may read ahead of the main thread (its page hooks). */
export const OFF_THREAD_AHEAD = 4;
/** The worker's module, next to this one (.ts when run from source, .js when built). */
const WORKER_URL = new URL(`./page-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

function deserializeError(error: SerializedError): SyncError {
  if (error.name === 'ConfigError' && error.problems) return new ConfigError(error.problems);
  if (error.code !== undefined) {
    const Kind = error.name === 'DirectoryError' ? DirectoryError : SyncError;
    return new Kind(error.code as ErrorCode, error.message, { details: error.details });
  }
  return new DirectoryError('DIRECTORY_SEARCH', error.message);
}

/**
 * One search read by one worker thread. The worker starts when this is made, before it is known
 * which server it will read (starting a thread and loading its modules takes about a hundred
 * milliseconds, more on a busy machine), and is told by `connect`; `close` ends a worker that was
 * never used.
 */
export class OffThreadSearch {
  private server: { url: string; displayUrl: string } | undefined;
  private readonly config: DirectoryConfig;
  private readonly options: SessionOptions;
  private readonly worker: Worker;
  private used = false;

  constructor(config: DirectoryConfig, options: SessionOptions) {
    this.config = config;
    this.options = options;
    // None of the process's Node options: some are refused in a worker (--expose-gc), some only
    // make sense for the main script (--input-type), and the worker needs none.
    this.worker = new Worker(WORKER_URL, { execArgv: [] });
    // Until a search listens, a worker that fails to start has nobody to tell.
    this.worker.on('error', () => undefined);
  }

  /**
   * The server to read (the one the main session reached). The worker connects and binds at once,
   * beside the main thread's own search; a failure to connect comes back with the search, if one
   * is made.
   */
  connect(url: string, displayUrl: string): this {
    if (this.server !== undefined) throw new Error('an OffThreadSearch connects once');
    this.server = { url, displayUrl };
    this.worker.postMessage({ type: 'connect', url, config: this.config } satisfies PageWorkerConnect);
    return this;
  }

  /**
   * Ends the worker if no search was made with it (a search ends its own); the connection it may
   * have opened goes with it.
   */
  async close(): Promise<void> {
    if (!this.used) await this.worker.terminate();
  }

  /** As LdapSession.searchEach for a paged search: every entry to `onEntry`, the references returned. */
  searchEach(request: SearchRequest, onEntry: (entry: RawEntry) => void): Promise<string[]> {
    if (this.used) return Promise.reject(new Error('an OffThreadSearch makes one search'));
    const server = this.server;
    if (server === undefined) return Promise.reject(new Error('an OffThreadSearch searches after connect'));
    this.used = true;
    const worker = this.worker;
    const signal = this.options.signal;
    if (signal?.aborted) {
      void worker.terminate();
      return Promise.reject(new SyncError('ABORTED', 'directory read aborted', { cause: signal.reason }));
    }
    const { interning: _interning, ...plain } = request; // the KeyTable stays here: pages are decoded here
    worker.postMessage({ type: 'search', url: server.url, config: this.config, request: plain, ahead: OFF_THREAD_AHEAD } satisfies PageWorkerSearch);
    const intake = new PageIntake(request, onEntry, this.options, server.displayUrl);
    let settled = false;
    // Pages are taken in one at a time, in order, each after the one before (and its hook).
    let chain = Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<string[]>();
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      reject(error);
    };
    const onAbort = (): void => fail(new SyncError('ABORTED', 'directory read aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });

    const takePage = async (page: number, bytes: Buffer): Promise<void> => {
      await intake.take(readMessages(bytes), page);
      if (!settled) worker.postMessage('ack');
    };

    worker.on('message', (message: PageWorkerMessage) => {
      chain = chain.then(async () => {
        if (settled) return;
        if (message.type === 'page') await takePage(message.page, Buffer.from(message.bytes));
        else if (message.type === 'error') fail(deserializeError(message.error));
        else {
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(intake.references);
        }
      }).catch(fail);
    });
    worker.on('error', (error) => fail(new DirectoryError('DIRECTORY_SEARCH', `the search of "${request.base}" on ${server.displayUrl} stopped: its reader thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      // After the last message the worker exits by itself; before it, its end is a failure.
      void chain.then(() => fail(new DirectoryError('DIRECTORY_SEARCH', `the search of "${request.base}" on ${server.displayUrl} stopped: its reader thread exited (${code})`)));
    });
    return promise;
  }
}
