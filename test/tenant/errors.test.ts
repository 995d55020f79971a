// Error mapping and the retry policy over a MockAgent: each failure is one TenantError with a
// stable code, the tenant named, Qlik's code, detail and trace id carried; only 429, 5xx, resets
// and timeouts are retried, within bounds.
import { afterEach, describe, expect, it } from 'vitest';
import { TenantError } from '../../src/errors.ts';
import { createTenantClient } from '../../src/tenant/client.ts';
import { errorForStatus, retryAfterMs } from '../../src/tenant/http-errors.ts';
import { hex24, MockTenant, tenantConfig } from './helpers.ts';

const G1 = hex24(1);
const U1 = hex24(2);
const label = { tenant: 'acme.eu.qlikcloud.com', method: 'GET', path: '/api/v1/groups/x' };

let mock: MockTenant;
afterEach(async () => {
  await mock?.close();
});

async function failure(p: Promise<unknown>): Promise<TenantError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TenantError);
  return error as TenantError;
}

describe('Retry-After', () => {
  it('reads seconds, an HTTP date, and prefers the emulator header when present', () => {
    expect(retryAfterMs({ 'retry-after': '13' })).toBe(13_000);
    expect(retryAfterMs({ 'retry-after': '0' })).toBe(0);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6_000);
    expect(retryAfterMs({ 'retry-after': '13', 'x-emulator-retry-after-ms': '217' })).toBe(217);
    expect(retryAfterMs({})).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
  });
});

describe('status mapping', () => {
  it.each([
    [400, 'TENANT_BAD_REQUEST', false],
    [401, 'TENANT_AUTH', false],
    [403, 'TENANT_FORBIDDEN', false],
    [404, 'TENANT_NOT_FOUND', false],
    [409, 'TENANT_CONFLICT', false],
    [413, 'TENANT_BAD_REQUEST', false],
    [429, 'TENANT_RATE_LIMITED', true],
    [500, 'TENANT_SERVER', true],
    [502, 'TENANT_SERVER', true],
    [503, 'TENANT_SERVER', true],
    [302, 'TENANT_PROTOCOL', false],
    [418, 'TENANT_PROTOCOL', false],
  ] as const)('%i -> %s (retryable: %s)', (status, code, retryable) => {
    const error = errorForStatus(label, status, '', undefined);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.message).toMatch(/^tenant acme\.eu\.qlikcloud\.com: GET \/api\/v1\/groups\/x: /);
  });

  it("carries Qlik's error code, detail and trace id", () => {
    const body = JSON.stringify({ errors: [{ code: 'GROUPS-7', title: 'Not found', status: 404, detail: 'group x does not exist' }], traceId: 'abc123' });
    const error = errorForStatus(label, 404, body, undefined);
    expect(error).toMatchObject({ code: 'TENANT_NOT_FOUND', qlikCode: 'GROUPS-7', detail: 'group x does not exist', traceId: 'abc123' });
    expect(error.message).toBe('tenant acme.eu.qlikcloud.com: GET /api/v1/groups/x: not found (404) - GROUPS-7: group x does not exist (trace abc123)');
  });
});

describe('errors from the client', () => {
  it('a 404 is TENANT_NOT_FOUND and is not retried', async () => {
    mock = new MockTenant().on(
      { method: 'GET', pathname: `/api/v1/groups/${G1}` },
      { status: 404, json: { errors: [{ code: 'GROUPS-7', title: 'Not found', status: 404 }], traceId: 't-1' } },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const error = await failure(client.getGroup(G1));
    expect(error).toMatchObject({ code: 'TENANT_NOT_FOUND', qlikCode: 'GROUPS-7', traceId: 't-1', status: 404 });
    mock.assertDone();
    expect(client.stats()).toMatchObject({ total: 1, retries: 0, byTier: { tier1: { '4xx': 1 } } });
  });

  it('a 401 with a bad API key is TENANT_AUTH, not retried, without the key in the message', async () => {
    mock = new MockTenant().on({ method: 'GET', pathname: `/api/v1/groups/${G1}` }, { status: 401, json: { errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] } });
    const client = createTenantClient(tenantConfig({ apiKey: 'bad-key-zzzzzzzz' }), { dispatcher: mock.agent });
    const error = await failure(client.getGroup(G1));
    expect(error.code).toBe('TENANT_AUTH');
    expect(error.message).toContain('tenant acme.eu.qlikcloud.com');
    expect(error.message).toContain('tenant.apiKey');
    expect(error.message).not.toContain('bad-key-zzzzzzzz');
    mock.assertDone();
  });

  it('retries a 503 and a connection reset, then succeeds', async () => {
    mock = new MockTenant()
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 503, text: 'upstream unavailable' })
      .fail({ method: 'GET', pathname: `/api/v1/users/${U1}` }, 'ECONNRESET')
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' } });
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent, timeScale: 100 });
    expect((await client.getUser(U1)).id).toBe(U1);
    mock.assertDone();
    expect(client.stats()).toEqual({ byTier: { tier1: { '5xx': 1, network: 1, ok: 1 } }, total: 3, writes: 0, retries: 2, rateLimited: 0 });
  });

  it('honours Retry-After on a 429 and does not count it against the ordinary retries', async () => {
    mock = new MockTenant();
    for (let i = 0; i < 3; i++) {
      mock.on(
        { method: 'GET', pathname: `/api/v1/users/${U1}` },
        { status: 429, headers: { 'retry-after': '1', 'x-emulator-retry-after-ms': '30' }, json: { errors: [{ code: 'HTTP-429', title: 'API rate limit reached.' }] } },
      );
    }
    mock.on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' } });
    // retries: 3 and three 429s: a 429 has its own allowance, so there is room left for other failures.
    const client = createTenantClient(tenantConfig({ retry: { retries: 3, maxRetryTimeMs: 60_000 } }), { dispatcher: mock.agent });
    const started = performance.now();
    expect((await client.getUser(U1)).id).toBe(U1);
    // Three pauses of at least 30 ms each were taken (a lower bound, not a timing assertion).
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 29);
    mock.assertDone();
    expect(client.stats()).toMatchObject({ rateLimited: 3, retries: 3, byTier: { tier1: { '429': 3, ok: 1 } } });
  });

  it('waits as long as a 503 asks (Retry-After) before asking again, not only its shorter backoff', async () => {
    mock = new MockTenant()
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 503, headers: { 'retry-after': '1', 'x-emulator-retry-after-ms': '250' }, text: 'maintenance' })
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' } });
    // timeScale 100: the ordinary backoff is a few milliseconds, far below the 250 ms asked for.
    const client = createTenantClient(tenantConfig({ retry: { retries: 2, maxRetryTimeMs: 60_000 } }), { dispatcher: mock.agent, timeScale: 100 });
    const started = performance.now();
    expect((await client.getUser(U1)).id).toBe(U1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(245); // a lower bound, not a timing assertion
    mock.assertDone();
    expect(client.stats()).toMatchObject({ retries: 1, rateLimited: 0, byTier: { tier1: { '5xx': 1, ok: 1 } } });
  });

  it('gives up after the configured retries with the last error, saying so', async () => {
    mock = new MockTenant();
    for (let i = 0; i < 3; i++) mock.on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 500, json: { errors: [{ code: 'X-500', title: 'boom' }], traceId: `t${i}` } });
    const client = createTenantClient(tenantConfig({ retry: { retries: 2, maxRetryTimeMs: 60_000 } }), { dispatcher: mock.agent, timeScale: 100 });
    const error = await failure(client.getUser(U1));
    expect(error).toMatchObject({ code: 'TENANT_SERVER', status: 500, traceId: 't2', retryable: true });
    expect(error.message).toContain('gave up after 3 attempts');
    mock.assertDone();
  });

  it('stops retrying when the time budget is spent', async () => {
    mock = new MockTenant();
    mock.on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 429, headers: { 'x-emulator-retry-after-ms': '60000' }, json: {} });
    const client = createTenantClient(tenantConfig({ retry: { retries: 5, maxRetryTimeMs: 1_000 } }), { dispatcher: mock.agent });
    const error = await failure(client.getUser(U1));
    expect(error.code).toBe('TENANT_RATE_LIMITED');
    expect(error.retryAfterMs).toBe(60_000);
    // The tier's pause is held to the retry budget too: the next request on it is sent after at
    // most 1 s, not after the minute the 429 asked for (which no timeout would have bounded).
    mock.on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' } });
    const next = client.getUser(U1).then((u) => u.id);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still waiting after 10 s')));
    expect(await Promise.race([next, late])).toBe(U1);
    clearTimeout(timer);
    mock.assertDone();
    await client.close();
  });

  it('with no retry budget (0) a 429 still holds its tier for what it asked, up to a second', async () => {
    mock = new MockTenant()
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 429, headers: { 'x-emulator-retry-after-ms': '200' }, json: {} })
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' } });
    const client = createTenantClient(tenantConfig({ retry: { retries: 5, maxRetryTimeMs: 0 } }), { dispatcher: mock.agent });
    expect((await failure(client.getUser(U1))).code).toBe('TENANT_RATE_LIMITED');
    const started = performance.now();
    expect((await client.getUser(U1)).id).toBe(U1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195); // a lower bound, not a timing assertion
    mock.assertDone();
    await client.close();
  });

  it('a request without an answer within requestTimeoutMs is TENANT_TIMEOUT, retried', async () => {
    mock = new MockTenant()
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' }, delayMs: 2_000 })
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' }, delayMs: 2_000 });
    const client = createTenantClient(tenantConfig({ requestTimeoutMs: 50, retry: { retries: 1, maxRetryTimeMs: 60_000 } }), { dispatcher: mock.agent, timeScale: 100 });
    const error = await failure(client.getUser(U1));
    expect(error.code).toBe('TENANT_TIMEOUT');
    expect(error.message).toContain('no answer within 50 ms (tenant.requestTimeoutMs)');
    expect(client.stats()).toMatchObject({ retries: 1, byTier: { tier1: { timeout: 2 } } });
  });

  it('a 200 that is not JSON is TENANT_PROTOCOL naming what came instead', async () => {
    mock = new MockTenant().on(
      { method: 'GET', pathname: `/api/v1/users/${U1}` },
      { status: 200, text: '<!DOCTYPE html><html><body>Sign in</body></html>', headers: { 'content-type': 'text/html; charset=utf-8' } },
    );
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const error = await failure(client.getUser(U1));
    expect(error.code).toBe('TENANT_PROTOCOL');
    expect(error.message).toBe(
      `tenant acme.eu.qlikcloud.com: GET /api/v1/users/${U1}: answered 200 with text/html instead of JSON: "<!DOCTYPE html><html><body>Sign in</body></html>"; is tenant.url the tenant's address?`,
    );
    mock.assertDone();
  });

  it('close() abandons requests in flight and refuses new ones with ABORTED', async () => {
    mock = new MockTenant().on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' }, delayMs: 5_000 });
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent });
    const pending = failure(client.getUser(U1));
    await new Promise((r) => setTimeout(r, 20));
    await client.close();
    expect((await pending).code).toBe('ABORTED');
    expect((await failure(client.getUser(U1))).code).toBe('ABORTED');
    expect(client.stats()).toMatchObject({ total: 1, byTier: { tier1: { aborted: 1 } } });
  });

  it('an abort signal given to the client works like close()', async () => {
    mock = new MockTenant().on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: { id: U1, subject: 's', status: 'active' }, delayMs: 5_000 });
    const controller = new AbortController();
    const client = createTenantClient(tenantConfig(), { dispatcher: mock.agent, signal: controller.signal });
    const pending = failure(client.getUser(U1));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect((await pending).code).toBe('ABORTED');
  });
});
