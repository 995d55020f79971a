// Authentication over real HTTP: bearer API keys, OAuth client credentials with expiring tokens,
// and the documented error body for every refusal.
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { Client, expectError, useEmulator } from './helpers.ts';

const emulator = useEmulator({ apiKeys: ['first-key-123', 'second-key-456'], oauthClients: [{ clientId: 'sync-bot', clientSecret: 's3cret-value' }] });
const anonymous = () => new Client(emulator.handle.url, undefined);

describe('authentication', () => {
  it('refuses missing, malformed and unknown credentials with 401 and the documented body, for any path', async () => {
    for (const path of ['/api/v1/groups', '/api/v1/users/me', '/api/v1/nowhere', '/__emulator/stats']) {
      const answer = await anonymous().get(path);
      expectError(answer, 401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
    expectError(await new Client(emulator.handle.url, 'not-a-key').get('/api/v1/groups'), 401);
    expectError(await anonymous().call('GET', '/api/v1/groups', undefined, { authorization: 'Basic Zmlyc3Qta2V5LTEyMw==' }), 401);
    expectError(await anonymous().call('GET', '/api/v1/groups', undefined, { authorization: 'Bearer first-key-123 extra' }), 401);
  });

  it('accepts every configured API key, with the Bearer scheme in any case', async () => {
    expect((await new Client(emulator.handle.url, 'first-key-123').get('/api/v1/groups')).status).toBe(200);
    expect((await new Client(emulator.handle.url, 'second-key-456').get('/api/v1/groups')).status).toBe(200);
    expect((await anonymous().call('GET', '/api/v1/groups', undefined, { authorization: 'bearer first-key-123' })).status).toBe(200);
  });

  it('issues client-credentials tokens from JSON or form bodies; the token works like a key', async () => {
    const json = await anonymous().post('/oauth/token', { client_id: 'sync-bot', client_secret: 's3cret-value', grant_type: 'client_credentials', scope: 'user_default' });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ token_type: 'bearer', expires_in: 21_600, scope: 'user_default', access_token: expect.any(String) });
    expect(Date.parse(json.body.expires_at)).toBeGreaterThan(Date.now() + 21_000_000);
    expect(json.headers.get('cache-control')).toBe('no-store');
    const form = await anonymous().call('POST', '/oauth/token', 'client_id=sync-bot&client_secret=s3cret-value&grant_type=client_credentials', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(200);
    expect(form.body.access_token).not.toBe(json.body.access_token);
    const bot = new Client(emulator.handle.url, json.body.access_token);
    const me = await bot.get('/api/v1/users/me');
    expect(me.body).toMatchObject({ subject: 'qlikbot/sync-bot' });
    const created = await bot.post('/api/v1/groups', { name: 'CG-bot', providerType: 'custom' });
    expect(created.body.createdBy).toBe(me.body.id);
  });

  it('refuses wrong secrets (401), other grants and unknown parameters (400), in both error vocabularies', async () => {
    const wrong = await anonymous().post('/oauth/token', { client_id: 'sync-bot', client_secret: 'nope', grant_type: 'client_credentials' });
    expectError(wrong, 401);
    expect(wrong.body).toMatchObject({ error: 'invalid_client' });
    expect(wrong.text).not.toContain('s3cret-value');
    expectError(await anonymous().post('/oauth/token', { client_id: 'nobody', client_secret: 'nope', grant_type: 'client_credentials' }), 401);
    const grant = await anonymous().post('/oauth/token', { client_id: 'sync-bot', client_secret: 's3cret-value', grant_type: 'password' });
    expectError(grant, 400);
    expect(grant.body.error).toBe('unsupported_grant_type');
    expectError(await anonymous().post('/oauth/token', { client_id: 'sync-bot', client_secret: 's3cret-value', grant_type: 'client_credentials', user_lookup: {} }), 400);
    expectError(await anonymous().post('/oauth/token', '{bad json'), 400);
    expectError(await anonymous().post('/oauth/token'), 400);
  });
});

describe('token expiry', () => {
  it('refuses an expired access token with 401', async () => {
    const short = await startEmulator({ apiKeys: [], oauthClients: [{ clientId: 'c', clientSecret: 'secret-1' }], tokenTtlSeconds: 1 });
    try {
      const grant = await new Client(short.url, undefined).post('/oauth/token', { client_id: 'c', client_secret: 'secret-1', grant_type: 'client_credentials' });
      expect(grant.body.expires_in).toBe(1);
      const bot = new Client(short.url, grant.body.access_token);
      expect((await bot.get('/api/v1/groups')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expectError(await bot.get('/api/v1/groups'), 401);
    } finally {
      await short.close();
    }
  });
});
