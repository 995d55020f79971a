// Connection checks that need no directory server: configuration refused before any socket is
// opened, and a StartTLS handshake that never finishes (a loopback server that answers the
// StartTLS request, then nothing).
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { displayUrl, openSession } from '../../src/directory/connection.ts';
import { parseReferral } from '../../src/directory/ldap-source.ts';
import { ConfigError, DirectoryError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { ldapMessage, octets, requestOf, tlv } from '../support/ber.ts';
import { directoryConfig } from './config.ts';

const options = { logger: silentLogger() };

describe('openSession', () => {
  it('needs at least one URL, and only ldap:// or ldaps://', async () => {
    await expect(openSession(directoryConfig({ urls: [] }), options)).rejects.toBeInstanceOf(ConfigError);
    const error = await openSession(directoryConfig({ urls: ['https://dc.example.test'] }), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ path: 'directory.urls', message: 'https://dc.example.test must be ldap:// or ldaps://' }]);
  });

  it('refuses plain ldap:// unless allowed, naming the option', async () => {
    const error = await openSession(directoryConfig({ urls: ['ldap://dc.example.test'] }), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]!.path).toBe('directory.startTls');
  });

  it('reports an unreadable CA file as a TLS problem', async () => {
    const error = await openSession(directoryConfig({ urls: ['ldaps://127.0.0.1:1'], caFile: '/nonexistent/ca.pem' }), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryError);
    expect((error as DirectoryError).code).toBe('DIRECTORY_TLS');
    expect((error as DirectoryError).message).toContain('/nonexistent/ca.pem');
  });
});

describe('a StartTLS handshake the server never answers', () => {
  it('fails after directory.connectTimeoutMs, naming StartTLS, and leaves no connection open', async () => {
    const sockets = new Set<Socket>();
    let handshakeBytes = 0;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      let answered = false;
      socket.on('data', (chunk: Buffer) => {
        if (answered) {
          handshakeBytes += chunk.length; // the TLS ClientHello, never answered
          return;
        }
        answered = true;
        // The StartTLS ExtendedRequest's message id, then a successful ExtendedResponse.
        socket.write(ldapMessage(requestOf(chunk).messageId, tlv(0x78, tlv(0x0a, Buffer.from([0])), octets(''), octets(''))));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const error = await openSession(directoryConfig({ urls: [`ldap://127.0.0.1:${port}`], startTls: true, connectTimeoutMs: 300, timeoutMs: 5_000 }), options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirectoryError);
      expect((error as DirectoryError).code).toBe('DIRECTORY_CONNECT');
      expect((error as DirectoryError).message).toBe(`StartTLS with ldap://127.0.0.1:${port} timed out after 300 ms (directory.connectTimeoutMs)`);
      expect(handshakeBytes).toBeGreaterThan(0);
      for (let waited = 0; sockets.size > 0 && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(sockets.size).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('displayUrl', () => {
  it('keeps scheme, host and port only', () => {
    expect(displayUrl('ldaps://user:secret@dc1.example.test:636/dc=example??sub')).toBe('ldaps://dc1.example.test:636');
    expect(displayUrl('ldap://dc1.example.test')).toBe('ldap://dc1.example.test');
  });
});

describe('parseReferral', () => {
  it('reads server and base DN from an RFC 4516 URL', () => {
    expect(parseReferral('ldap://dc2.example.test:389/CN=Configuration,DC=example,DC=test')).toEqual({ url: 'ldap://dc2.example.test:389', base: 'CN=Configuration,DC=example,DC=test' });
    expect(parseReferral('ldaps://dc2/ou=a%20b,dc=x??sub')).toEqual({ url: 'ldaps://dc2', base: 'ou=a b,dc=x' });
    expect(parseReferral('ldap://dc2')).toEqual({ url: 'ldap://dc2', base: undefined });
    expect(parseReferral('http://elsewhere/')).toBeUndefined();
  });
});
