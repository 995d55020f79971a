// The floor for any Node reader: the reader's own searches (same bases, filters, attributes, page
// size, both at once on two connections) over LDAPS, with every response only framed and counted,
// never decoded. It reads the socket as the bridge does (onread into one reused buffer), encodes
// its requests with ldapts as the bridge does, and frames with the bridge's MessageFramer, so what
// it measures is Node receiving the bytes: TLS, sockets, event loop, one page after another. The
// bridge's reader cannot be faster than this; the distance between the two is its decoding and
// snapshot building.
import { readFileSync } from 'node:fs';
import { connect, type ConnectionOptions } from 'node:tls';
import { BindRequest, FilterParser, PagedResultsControl, SearchRequest } from 'ldapts';
import type { DirectoryConfig } from '../../src/config/types.ts';
import type * as Wire from '../../src/directory/wire.ts';
import type { LdapSearch } from './measure.ts';

const BIND_RESPONSE = 0x61;
const READ_BUFFER_BYTES = 64 * 1024;

/** Entries received by each search. */
export async function receiveOnly(wire: typeof Wire, directory: DirectoryConfig, searches: LdapSearch[]): Promise<number[]> {
  const url = new URL(directory.urls[0]!);
  if (url.protocol !== 'ldaps:') throw new Error(`the receive-only floor reads ldaps:// only, not ${url.protocol}`);
  const tls: ConnectionOptions = { host: url.hostname, port: Number(url.port || 636), ...(directory.caFile ? { ca: [readFileSync(directory.caFile, 'utf8')] } : {}) };
  return Promise.all(searches.map((search) => receiveOne(wire, directory, tls, search)));
}

function receiveOne(wire: typeof Wire, directory: DirectoryConfig, tls: ConnectionOptions, search: LdapSearch): Promise<number> {
  const filter = FilterParser.parseString(search.filter);
  const framer = new wire.MessageFramer();
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  let messageId = 1;
  let entries = 0;
  const ask = (cookie: Buffer | undefined): Buffer =>
    new SearchRequest({
      messageId: ++messageId,
      baseDN: search.base,
      scope: 'sub',
      filter,
      attributes: search.attributes,
      controls: [new PagedResultsControl({ value: { size: directory.pageSize, ...(cookie ? { cookie } : {}) } })],
    }).write();
  return new Promise((resolve, reject) => {
    const onMessage = (buf: Buffer, start: number, end: number): void => {
      const envelope = wire.readEnvelope(buf, start, end);
      if (envelope.op === wire.SEARCH_RESULT_ENTRY) {
        entries++;
      } else if (envelope.op === BIND_RESPONSE) {
        const bound = wire.decodeDone(envelope);
        if (bound.resultCode !== 0) throw new Error(`bind: LDAP result ${bound.resultCode} ${bound.diagnosticMessage}`);
        socket.write(ask(undefined));
      } else if (envelope.op === wire.SEARCH_RESULT_DONE) {
        const done = wire.decodeDone(envelope);
        if (done.resultCode !== 0) throw new Error(`search of ${search.base}: LDAP result ${done.resultCode} ${done.diagnosticMessage}`);
        if (done.cookie !== undefined && done.cookie.length > 0) {
          socket.write(ask(done.cookie));
        } else {
          socket.end();
          resolve(entries);
        }
      }
    };
    // onread: Node reads a TLS socket into the given buffer (not in the TLS option types).
    const socket = connect({
      ...tls,
      onread: {
        buffer,
        callback: (length: number): boolean => {
          try {
            framer.push(buffer, onMessage, true, length);
          } catch (error) {
            socket.destroy();
            reject(error instanceof Error ? error : new Error(String(error)));
          }
          return true;
        },
      },
    } as ConnectionOptions);
    socket.on('error', reject);
    // After the last page this is a no-op (the promise is settled); before it, the read is short.
    socket.once('close', () => reject(new Error(`search of ${search.base}: connection closed after ${entries} entries, before the last page`)));
    socket.once('secureConnect', () => socket.write(new BindRequest({ messageId: 1, dn: directory.bindDn ?? '', password: directory.bindPassword ?? '' }).write()));
  });
}
