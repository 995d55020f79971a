// A read that fails while its second connection is still being opened. The group search runs on
// the first connection, the user search waits for a second one; when the server stops answering
// new connections and the group search then fails, the read must fail at once with the group
// search's error and drop the half-open connection, not wait for it (its bind would wait out
// directory.timeoutMs, a minute here). An earlier version waited: a read that failed beside a
// frozen server hung.
//
// The server is a real slapd behind a TCP proxy: the first connection passes through, except that
// the group search's page request is answered "busy" (LDAP result 51); every later connection is
// accepted and never answered.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDirectory } from '../../src/directory/index.ts';
import { DirectoryError } from '../../src/errors.ts';
import { element, searchDone } from '../support/ber.ts';
import { openldapBulkLdif } from '../support/ldif-fixtures.ts';
import { requireServer } from '../support/servers.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';
import { directoryConfig } from './config.ts';

const SUFFIX = 'dc=example,dc=test';
const GROUPS = `ou=groups,${SUFFIX}`;
const available = requireServer('slapd');

interface Proxy {
  url: string;
  /** Resolves when the client closes the n-th connection (1-based). */
  closed(n: number): Promise<void>;
  /** Bytes received on the n-th connection. */
  received(n: number): number;
  close(): Promise<void>;
}

async function startProxy(target: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const closings: Array<Promise<void>> = [];
  const bytes: number[] = [];
  const server: Server = createServer((client) => {
    const n = closings.length;
    bytes.push(0);
    closings.push(new Promise((resolve) => client.once('close', () => resolve())));
    sockets.add(client);
    if (n > 0) {
      // A server that accepts a connection and then never answers.
      client.on('data', (chunk: Buffer) => (bytes[n]! += chunk.length));
      client.on('error', () => undefined);
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    sockets.add(upstream);
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      bytes[n]! += chunk.length;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const whole = element(pending, 0);
        if (whole.end > pending.length) break;
        const message = pending.subarray(0, whole.end);
        pending = pending.subarray(whole.end);
        const id = element(message, whole.start);
        const op = element(message, id.end);
        const base = op.tag === 0x63 ? element(message, op.start) : undefined;
        if (base !== undefined && message.toString('utf8', base.start, base.end) === GROUPS) {
          client.write(searchDone(message.readUIntBE(id.start, id.end - id.start), 51, undefined, 'busy'));
        } else {
          upstream.write(message);
        }
      }
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ldap://127.0.0.1:${port}`,
    closed: (n) => closings[n - 1] ?? Promise.reject(new Error(`no connection ${n}`)),
    received: (n) => bytes[n - 1] ?? 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!available)('a read that fails while a connection is still being opened', () => {
  let server: SlapdServer;
  beforeAll(async () => {
    server = await startSlapd({ suffix: SUFFIX, ldif: openldapBulkLdif({ suffix: SUFFIX, users: 20, groups: 3, membersPerGroup: 5 }) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("fails with the search's own error and drops the connection still opening, without waiting for it", async () => {
    const proxy = await startProxy(Number(new URL(server.url).port));
    try {
      const config = directoryConfig({
        urls: [proxy.url],
        allowInsecure: true,
        bindDn: server.rootDn,
        bindPassword: server.rootPassword,
        connectTimeoutMs: 60_000,
        timeoutMs: 60_000,
        groups: { baseDns: [GROUPS] },
        users: { baseDns: [`ou=people,${SUFFIX}`] },
      });
      const error = await readDirectory(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirectoryError);
      expect((error as DirectoryError).code).toBe('DIRECTORY_SEARCH');
      expect((error as DirectoryError).message).toMatch(/^search of "ou=groups,dc=example,dc=test" .* at page 1 failed: .*\(LDAP result 51\)$/);
      // The second connection was opened (its bind sent, never answered) and has been closed by
      // the reader: the read did not wait for its minute-long timeout.
      expect(proxy.received(2)).toBeGreaterThan(0);
      await proxy.closed(2);
    } finally {
      await proxy.close();
    }
  }, 15_000);
});
