// A TCP proxy in front of a real LDAP server (plain ldap://), for tests that change what the
// reader sees on the wire: the client's messages are framed one by one and each may be answered by
// the test instead of passed on; the server's answers pass through unchanged. A connection can
// also be left unanswered altogether, as a server that accepts and then says nothing.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { element } from './ber.ts';

export interface LdapProxyOptions {
  /**
   * Asked for each message the client sends on connection `connection` (1-based): bytes to send
   * back instead of passing the message on, or undefined to pass it on.
   */
  answer?(message: Buffer, connection: number): Buffer | undefined;
  /** Connections that are accepted and never answered (nothing reaches the server). */
  silent?(connection: number): boolean;
}

export interface LdapProxy {
  url: string;
  /** Resolves when the n-th connection (1-based) has closed. */
  closed(connection: number): Promise<void>;
  /** Bytes the client sent on the n-th connection. */
  received(connection: number): number;
  close(): Promise<void>;
}

/** Starts a proxy on loopback to the server listening on 127.0.0.1:`target`. */
export async function startLdapProxy(target: number, options: LdapProxyOptions = {}): Promise<LdapProxy> {
  const sockets = new Set<Socket>();
  const closings: Array<Promise<void>> = [];
  const bytes: number[] = [];
  const server: Server = createServer((client) => {
    const connection = closings.length + 1;
    bytes.push(0);
    closings.push(new Promise((resolve) => client.once('close', () => resolve())));
    sockets.add(client);
    if (options.silent?.(connection)) {
      client.on('data', (chunk: Buffer) => (bytes[connection - 1]! += chunk.length)).on('error', () => undefined);
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    sockets.add(upstream);
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      bytes[connection - 1]! += chunk.length;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const whole = element(pending, 0);
        if (whole.end > pending.length) break;
        const message = pending.subarray(0, whole.end);
        pending = pending.subarray(whole.end);
        const reply = options.answer?.(message, connection);
        if (reply !== undefined) client.write(reply);
        else upstream.write(message);
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
    closed: (connection) => closings[connection - 1] ?? Promise.reject(new Error(`no connection ${connection}`)),
    received: (connection) => bytes[connection - 1] ?? 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
