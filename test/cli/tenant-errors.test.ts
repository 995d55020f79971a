// What a user sees when the tenant cannot be used: a 401, a 403, a name that does not resolve, a
// certificate that does not verify, an answer that is not JSON. Each ends the CLI run with exit 1
// and one clear line naming the tenant and the cause, never a stack trace, and writes nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates } from '../support/certs.ts';
import { requireServer } from '../support/servers.ts';
import { ROOT, runMain } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'qgs-tenant-errors-'));
const DEMO = `${ROOT}config/demo/demo.yaml`;
const servers: Server[] = [];

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function answer(status: number, body: string, type = 'application/json') {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
}

const plan = (url: string) =>
  runMain(['plan', '--config', DEMO, '--set', `tenant.url=${url}`, '--set', `sync.stateDir=${dir}`, '--set', 'tenant.retry.retries=0', '--set', 'tenant.requestTimeoutMs=5000', '--log-level', 'silent']);

function expectClearFailure(result: { code: number; stdout: string; stderr: string }, tenant: string, cause: RegExp): void {
  expect(result.code).toBe(1);
  const output = result.stdout + result.stderr;
  expect(output).not.toMatch(/^\s+at /m);
  const line = output.split('\n').find((l) => l.startsWith('Failed; nothing was written:'));
  expect(line, output).toBeDefined();
  expect(line).toContain(tenant);
  expect(line).toMatch(cause);
}

let unauthorized = '';
let forbidden = '';
let html = '';
let https = '';
beforeAll(async () => {
  if (!requireServer('slapd')) return; // openssl makes the certificate
  // One server per failure: a tenant URL is an origin, without a path.
  const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> => `http://127.0.0.1:${await listen(createHttpServer(handler))}`;
  unauthorized = await serve(answer(401, JSON.stringify({ errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] })));
  forbidden = await serve(answer(403, JSON.stringify({ errors: [{ code: 'HTTP-403', title: 'Forbidden', detail: 'the API key lacks the rights' }] })));
  html = await serve(answer(200, '<html><body>Sign in</body></html>', 'text/html'));
  const certs = createTestCertificates(join(dir, 'certs'));
  https = `https://127.0.0.1:${await listen(createHttpsServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, answer(200, '{"data":[]}')))}`;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!requireServer('slapd'))('tenant failures end in one clear line and exit 1', () => {
  it('401: the credentials are refused', async () => {
    expectClearFailure(await plan(unauthorized), '127.0.0.1', /\(TENANT_AUTH\)/);
  });

  it('403: the credentials lack the rights', async () => {
    expectClearFailure(await plan(forbidden), '127.0.0.1', /\(TENANT_FORBIDDEN\)/);
  });

  it('a name that does not resolve', async () => {
    expectClearFailure(await plan('https://qgs-tenant-that-does-not-exist.invalid'), 'qgs-tenant-that-does-not-exist.invalid', /\(TENANT_NETWORK\)/);
  });

  it('a certificate that does not verify (TLS verification is on by default)', async () => {
    expectClearFailure(await plan(https), '127.0.0.1', /\(TENANT_TLS\)/);
  });

  it('an answer that is not JSON (a sign-in page from a proxy)', async () => {
    expectClearFailure(await plan(html), '127.0.0.1', /\(TENANT_PROTOCOL\)/);
  });
});
