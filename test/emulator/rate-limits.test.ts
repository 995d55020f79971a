// Rate limits over real HTTP: the qlik preset (tier 2 = 100/min over a 5-minute window, so 500 in
// a burst), the 429 body and Retry-After, tiers and credentials limited independently, scaled time
// for fast recovery, and switching limits at run time through the control surface.
import { describe, expect, it } from 'vitest';
import { parseRateLimitSpec, startEmulator } from '../../src/emulator/index.ts';
import { Client, expectError, useEmulator, type Answer } from './helpers.ts';

const emulator = useEmulator({ apiKeys: ['key-one-1234', 'key-two-1234'], oauthClients: [{ clientId: 'bot', clientSecret: 'bot-secret-1234' }] });
const client = () => emulator.client;

/** Sends `count` requests made by `make`, `parallel` at a time, and returns every answer. */
async function burst(count: number, make: (i: number) => Promise<Answer>, parallel = 25): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let start = 0; start < count; start += parallel) {
    answers.push(...(await Promise.all(Array.from({ length: Math.min(parallel, count - start) }, (_, k) => make(start + k)))));
  }
  return answers;
}

function expect429(answer: Answer): void {
  expect(answer.status).toBe(429);
  const seconds = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(seconds) && seconds >= 1).toBe(true);
  expect(answer.body).toMatchObject({ errors: [{ code: 'HTTP-429', title: 'API rate limit reached.', detail: `You need to wait ${seconds} seconds until limit is lifted.` }] });
  expect(Number(answer.headers.get('x-emulator-retry-after-ms'))).toBeGreaterThan(0);
}

describe('rate limits', () => {
  it('under --rate-limits qlik, writes in quick succession beyond the window budget get 429 + Retry-After while reads keep succeeding', async () => {
    emulator.handle.setRateLimits(parseRateLimitSpec('qlik'));
    let reads = 0;
    const answers = await burst(560, async (i) => {
      if (i % 10 === 0) {
        const read = await client().get('/api/v1/groups?limit=1');
        expect(read.status).toBe(200);
        reads++;
      }
      return client().post('/api/v1/groups', { name: `CG-${i}`, providerType: 'custom' });
    });
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(500); // 100/min x 5-minute window
    expect(limited).toHaveLength(60);
    for (const answer of limited) expect429(answer);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(250); // the oldest write leaves the 5-minute window
    expect(reads).toBe(56);
    expect((await client().get('/api/v1/groups?limit=1&totalResults=true')).body.totalResults).toBe(500);
    const stats = emulator.handle.stats();
    expect(stats.rateLimited).toBe(60);
    expect(stats.byStatus['429']).toBe(60);
  });

  it('with a one-minute window (--rate-limits 1000/100@1), 150 quick writes get 50 429s; reads still pass', async () => {
    emulator.handle.setRateLimits(parseRateLimitSpec('1000/100@1'));
    const user = await client().user('u'); // write 1
    const group = await client().group('CG-A'); // write 2
    const answers = await burst(148, (i) =>
      client().patch(`/api/v1/users/${user}`, [{ op: i % 2 ? 'remove-value' : 'add', path: i % 2 ? '/assignedGroups' : '/assignedGroups/-', value: group }]),
    );
    expect(answers.filter((a) => a.status === 429)).toHaveLength(50);
    for (const answer of answers.filter((a) => a.status === 429)) expect429(answer);
    expect((await client().get(`/api/v1/users/${user}`)).status).toBe(200);
    expect((await client().get('/api/v1/roles')).status).toBe(200);
  });

  it('blocks only the exhausted tier: reads and actions/filter go on while writes are limited, and the other way round', async () => {
    emulator.handle.setRateLimits({ tier1PerMinute: 3, tier2PerMinute: 2, specialPerMinute: 2, windowMinutes: 1 });
    await client().group('CG-1');
    await client().group('CG-2');
    expect429(await client().post('/api/v1/groups', { name: 'CG-3', providerType: 'custom' }));
    expect429(await client().delete('/api/v1/groups/abcdefabcdefabcdefabcdef'));
    expect((await client().get('/api/v1/groups')).status).toBe(200);
    expect((await client().post('/api/v1/groups/actions/filter', {})).status).toBe(200);
    expect((await client().post('/api/v1/users/actions/filter', {})).status).toBe(200);
    expect429(await client().post('/api/v1/users/actions/filter', {}));
    expect((await client().get('/api/v1/users')).status).toBe(200);
    expect((await client().get('/api/v1/roles')).status).toBe(200);
    expect429(await client().get('/api/v1/roles'));
    expect((await client().get('/__emulator/stats')).status).toBe(200); // the control surface is never limited
  });

  it('limits each credential on its own', async () => {
    emulator.handle.setRateLimits({ tier1PerMinute: 100, tier2PerMinute: 1, windowMinutes: 1 });
    const second = new Client(emulator.handle.url, 'key-two-1234');
    await client().group('CG-1');
    expect429(await client().post('/api/v1/groups', { name: 'CG-2', providerType: 'custom' }));
    expect((await second.post('/api/v1/groups', { name: 'CG-2', providerType: 'custom' })).status).toBe(201);
  });

  it('counts /oauth/token against the client\'s tier 2, shared with its writes', async () => {
    emulator.handle.setRateLimits({ tier1PerMinute: 100, tier2PerMinute: 2, windowMinutes: 1 });
    const anonymous = new Client(emulator.handle.url, undefined);
    const token = await anonymous.post('/oauth/token', { client_id: 'bot', client_secret: 'bot-secret-1234', grant_type: 'client_credentials' });
    expect(token.status).toBe(200);
    const bot = new Client(emulator.handle.url, token.body.access_token);
    expect((await bot.post('/api/v1/groups', { name: 'CG-bot', providerType: 'custom' })).status).toBe(201);
    expect429(await bot.post('/api/v1/groups', { name: 'CG-bot2', providerType: 'custom' }));
    expect429(await anonymous.post('/oauth/token', { client_id: 'bot', client_secret: 'bot-secret-1234', grant_type: 'client_credentials' }));
    expect((await client().post('/api/v1/groups', { name: 'CG-key', providerType: 'custom' })).status).toBe(201);
    expect(emulator.handle.stats().byTier.oauth).toBe(2);
  });

  it('switches limits at run time over PUT /__emulator/rate-limits and refuses bad settings', async () => {
    expect((await client().put('/__emulator/rate-limits', { tier1PerMinute: 10, tier2PerMinute: 1, windowMinutes: 1 })).body).toMatchObject({ mode: 'custom', tier2PerMinute: 1, specialPerMinute: 200 });
    await client().group('CG-1');
    expect429(await client().post('/api/v1/groups', { name: 'CG-2', providerType: 'custom' }));
    expect((await client().put('/__emulator/rate-limits', JSON.stringify('off'))).body).toEqual({ mode: 'off' });
    expect((await client().post('/api/v1/groups', { name: 'CG-2', providerType: 'custom' })).status).toBe(201);
    expect((await client().put('/__emulator/rate-limits', JSON.stringify('qlik'))).body).toMatchObject({ mode: 'qlik', tier1PerMinute: 1000, tier2PerMinute: 100, specialPerMinute: 200, windowMinutes: 5 });
    expect((await client().get('/__emulator/rate-limits')).body.tier2PerMinute).toBe(100);
    for (const bad of [JSON.stringify('fast'), 'fast', { tier1PerMinute: 0, tier2PerMinute: 1 }, { tier1PerMinute: 1 }, { tier1PerMinute: 1, tier2PerMinute: 1, burst: 2 }]) {
      expectError(await client().put('/__emulator/rate-limits', bad), 400);
    }
  });
});

describe('rate limits in scaled time', () => {
  it('frees a slot after the precise x-emulator-retry-after-ms (timeScale 600: one emulated minute in 100 ms)', async () => {
    const fast = await startEmulator({ rateLimits: { tier1PerMinute: 100, tier2PerMinute: 2, windowMinutes: 1 }, timeScale: 600 });
    try {
      const c = new Client(fast.url, fast.apiKey);
      await c.group('CG-1');
      await c.group('CG-2');
      const limited = await c.post('/api/v1/groups', { name: 'CG-3', providerType: 'custom' });
      expect429(limited);
      expect(limited.headers.get('retry-after')).toBe('1');
      const waitMs = Number(limited.headers.get('x-emulator-retry-after-ms'));
      expect(waitMs).toBeLessThanOrEqual(100);
      await new Promise((resolve) => setTimeout(resolve, waitMs + 5));
      expect((await c.post('/api/v1/groups', { name: 'CG-3', providerType: 'custom' })).status).toBe(201);
    } finally {
      await fast.close();
    }
  });
});
