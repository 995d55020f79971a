// Failures on real sockets (no mocks): an unresolvable host, a certificate nobody vouches for, an
// answer that is not JSON, a refused connection, a reset; each ends in one TenantError with a
// stable code and a message naming the tenant and the cause, not a stack trace.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantError } from '../../src/errors.ts';
import { createTenantClient, type TenantClient } from '../../src/tenant/client.ts';
import { capturingLogger, hex24, tenantConfig } from './helpers.ts';

const U1 = hex24(1);
const user = JSON.stringify({ id: U1, subject: 's', status: 'active' });
const dir = mkdtempSync(join(tmpdir(), 'tenant-net-'));
const servers: Server[] = [];
const clients: TenantClient[] = [];

function listen(server: Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(String((server.address() as AddressInfo).port))));
}

async function failure(client: TenantClient): Promise<TenantError> {
  clients.push(client);
  const error = await client.getUser(U1).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TenantError);
  return error as TenantError;
}

let certFile: string;
let keyFile: string;
beforeAll(() => {
  certFile = join(dir, 'self-signed.pem');
  keyFile = join(dir, 'self-signed.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const server of servers) server.closeAllConnections?.();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe('failures over real sockets', () => {
  it('DNS: an unresolvable host is TENANT_NETWORK naming the host, not retried', async () => {
    const client = createTenantClient(tenantConfig({ url: 'https://tenant-does-not-exist.invalid' }));
    const error = await failure(client);
    expect(error.code).toBe('TENANT_NETWORK');
    expect(error.message).toMatch(/^tenant tenant-does-not-exist\.invalid: GET \/api\/v1\/users\/\w+: cannot resolve host tenant-does-not-exist\.invalid \((ENOTFOUND|EAI_AGAIN)\); check tenant\.url$/);
    expect(client.stats().total).toBeLessThanOrEqual(client.stats().retries + 1);
  });

  it('TLS: a self-signed certificate without a CA given is TENANT_TLS; with it as tenant.caFile the request succeeds', async () => {
    const server = createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(user);
    });
    const url = `https://127.0.0.1:${await listen(server)}`;
    const error = await failure(createTenantClient(tenantConfig({ url })));
    expect(error.code).toBe('TENANT_TLS');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^tenant 127\.0\.0\.1:\d+: GET \/api\/v1\/users\/\w+: TLS handshake with 127\.0\.0\.1 failed: .*self-signed certificate.* \(DEPTH_ZERO_SELF_SIGNED_CERT\); .*tenant\.caFile/);

    const trusted = createTenantClient(tenantConfig({ url, caFile: certFile }));
    clients.push(trusted);
    expect((await trusted.getUser(U1)).id).toBe(U1);

    const { logger, lines } = capturingLogger();
    const unverified = createTenantClient(tenantConfig({ url, tlsVerify: false }), { logger });
    clients.push(unverified);
    expect((await unverified.getUser(U1)).id).toBe(U1);
    expect(lines.join('')).toContain('tenant.tlsVerify is off');
  });

  it('a 200 answer that is not JSON is TENANT_PROTOCOL', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><title>Proxy login</title></html>'));
    const url = `http://127.0.0.1:${await listen(server)}`;
    const error = await failure(createTenantClient(tenantConfig({ url })));
    expect(error.code).toBe('TENANT_PROTOCOL');
    expect(error.message).toMatch(/^tenant 127\.0\.0\.1:\d+: GET \/api\/v1\/users\/\w+: answered 200 with text\/html instead of JSON: "<html><title>Proxy login<\/title><\/html>"/);
  });

  it('a 401 (bad key) and a 403 are TENANT_AUTH and TENANT_FORBIDDEN, each after one request', async () => {
    const server = createHttpServer((req, res) => {
      const ok = req.headers.authorization === 'Bearer good-key-1234';
      res
        .writeHead(ok ? 403 : 401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: ok ? 'HTTP-403' : 'HTTP-401', title: ok ? 'Forbidden' : 'Unauthorized' }], traceId: 'tr-9' }));
    });
    const url = `http://127.0.0.1:${await listen(server)}`;
    const bad = createTenantClient(tenantConfig({ url, apiKey: 'bad-key-5678' }));
    const auth = await failure(bad);
    expect(auth).toMatchObject({ code: 'TENANT_AUTH', status: 401, traceId: 'tr-9' });
    expect(auth.message).toMatch(/^tenant 127\.0\.0\.1:\d+: GET \/api\/v1\/users\/\w+: authentication failed \(401\) - HTTP-401: Unauthorized; check tenant\.apiKey/);
    expect(bad.stats().total).toBe(1);
    const forbidden = createTenantClient(tenantConfig({ url, apiKey: 'good-key-1234' }));
    const denied = await failure(forbidden);
    expect(denied).toMatchObject({ code: 'TENANT_FORBIDDEN', status: 403 });
    expect(denied.message).toContain('permission denied (403)');
    expect(forbidden.stats().total).toBe(1);
  });

  it('a refused connection is TENANT_NETWORK, retried within the bounds', async () => {
    const server = createHttpServer();
    const port = await listen(server);
    await new Promise((r) => server.close(r));
    const client = createTenantClient(tenantConfig({ url: `http://127.0.0.1:${port}`, retry: { retries: 2, maxRetryTimeMs: 10_000 } }), { timeScale: 100 });
    const error = await failure(client);
    expect(error.code).toBe('TENANT_NETWORK');
    expect(error.message).toMatch(/connection to 127\.0\.0\.1 refused \(ECONNREFUSED\) \(gave up after 3 attempts\)$/);
    expect(client.stats()).toMatchObject({ total: 3, retries: 2, byTier: { tier1: { network: 3 } } });
  });

  it('a connection reset mid-answer is retried and the next answer is used', async () => {
    let n = 0;
    const server = createHttpServer((req, res) => {
      if (n++ === 0) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(user);
    });
    const url = `http://127.0.0.1:${await listen(server)}`;
    const client = createTenantClient(tenantConfig({ url }), { timeScale: 100 });
    clients.push(client);
    expect((await client.getUser(U1)).id).toBe(U1);
    expect(client.stats()).toMatchObject({ total: 2, retries: 1, byTier: { tier1: { network: 1, ok: 1 } } });
  });
});
