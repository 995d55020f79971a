// OAuth client credentials over a MockAgent: one token request for concurrent callers, the token
// used as the bearer, refreshed before expiry and once on a 401; credentials and tokens never in a
// log line or an error message, even with a logger that does not scrub.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TenantError } from '../../src/errors.ts';
import { createTenantClient } from '../../src/tenant/client.ts';
import { hex24, MockTenant, tenantConfig } from './helpers.ts';

const U1 = hex24(1);
const SECRET = 'client-secret-s3cr3t-value';
const oauth = { clientId: 'bridge-client', clientSecret: SECRET, scope: 'admin_classic' };
const tokenBody = { client_id: 'bridge-client', client_secret: SECRET, grant_type: 'client_credentials', scope: 'admin_classic' };
const user = { id: U1, subject: 's', status: 'active' };
const config = () => tenantConfig({ apiKey: undefined, oauth });
const token = (value: string, expiresIn = 21_600) => ({ status: 200, json: { access_token: value, token_type: 'bearer', expires_in: expiresIn } });

let mock: MockTenant;
afterEach(async () => {
  await mock?.close();
});

describe('OAuth client credentials', () => {
  it('fetches one token for concurrent requests and sends it as the bearer', async () => {
    mock = new MockTenant().on({ method: 'POST', pathname: '/oauth/token', body: tokenBody }, token('token-AAAA-1111'));
    for (let i = 0; i < 3; i++) mock.on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: user });
    const client = createTenantClient(config(), { dispatcher: mock.agent });
    await Promise.all([client.getUser(U1), client.getUser(U1), client.getUser(U1)]);
    mock.assertDone();
    expect(mock.requests[0]!.headers.authorization).toBeUndefined();
    expect(mock.requests[0]!.headers['content-type']).toBe('application/json');
    expect(mock.requests.slice(1).map((r) => r.headers.authorization)).toEqual(Array(3).fill('Bearer token-AAAA-1111'));
    expect(client.stats()).toMatchObject({ total: 4, writes: 0, byTier: { oauth: { ok: 1 }, tier1: { ok: 3 } } });
  });

  it('on a 401, fetches a new token and repeats the request once', async () => {
    mock = new MockTenant()
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-old-1111'))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 401, json: { errors: [{ code: 'HTTP-401' }] } })
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-new-2222'))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: user });
    const client = createTenantClient(config(), { dispatcher: mock.agent });
    expect((await client.getUser(U1)).id).toBe(U1);
    mock.assertDone();
    expect(mock.requests[3]!.headers.authorization).toBe('Bearer token-new-2222');
  });

  it('a second 401 with a fresh token is TENANT_AUTH (no loop)', async () => {
    mock = new MockTenant()
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-old-1111'))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 401, json: {} })
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-new-2222'))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 401, json: {} });
    const client = createTenantClient(config(), { dispatcher: mock.agent });
    await expect(client.getUser(U1)).rejects.toMatchObject({ code: 'TENANT_AUTH' });
    mock.assertDone();
  });

  it('refreshes the token before it expires', async () => {
    mock = new MockTenant()
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-short-1111', 0.05))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: user })
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-next-2222'))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: user });
    const client = createTenantClient(config(), { dispatcher: mock.agent });
    await client.getUser(U1);
    await new Promise((r) => setTimeout(r, 60));
    await client.getUser(U1);
    mock.assertDone();
    expect(mock.requests.map((r) => r.headers.authorization ?? r.pathname)).toEqual(['/oauth/token', 'Bearer token-short-1111', '/oauth/token', 'Bearer token-next-2222']);
  });

  it('refused client credentials are TENANT_AUTH naming the client, never the secret', async () => {
    mock = new MockTenant().on({ method: 'POST', pathname: '/oauth/token' }, { status: 401, json: { errors: [{ code: 'OAUTH-1', title: 'invalid_client' }] } });
    const client = createTenantClient(config(), { dispatcher: mock.agent });
    const error = (await client.getUser(U1).catch((e: unknown) => e)) as TenantError;
    expect(error).toBeInstanceOf(TenantError);
    expect(error.code).toBe('TENANT_AUTH');
    expect(error.message).toContain('tenant acme.eu.qlikcloud.com: OAuth client bridge-client was refused a token (401 OAUTH-1)');
    expect(error.message).not.toContain(SECRET);
    mock.assertDone();
  });
});

describe('secrets', () => {
  it('no API key, client secret or token in any log line or error, even through a logger that does not scrub', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const apiKey = 'api-key-never-logged-9876';
    mock = new MockTenant()
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 503, json: {} })
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 401, json: {} })
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-never-logged-1111'))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 401, json: {} })
      .on({ method: 'POST', pathname: '/oauth/token' }, token('token-never-logged-2222'))
      .on({ method: 'GET', pathname: `/api/v1/users/${U1}` }, { status: 200, json: user });
    const errors: string[] = [];
    const keyed = createTenantClient(tenantConfig({ apiKey }), { dispatcher: mock.agent, logger, timeScale: 100 });
    await keyed.getUser(U1).catch((e: Error) => errors.push(e.message, String(e.cause)));
    const oauthClient = createTenantClient(config(), { dispatcher: mock.agent, logger, timeScale: 100 });
    await oauthClient.getUser(U1);
    mock.assertDone();
    expect(lines.length).toBeGreaterThan(4);
    const all = lines.join('\n') + errors.join('\n');
    for (const secret of [apiKey, SECRET, 'token-never-logged-1111', 'token-never-logged-2222']) expect(all).not.toContain(secret);
  });
});
