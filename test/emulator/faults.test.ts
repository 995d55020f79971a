// Fault injection over real HTTP: each kind, the difference between faults before processing (no
// change) and after (the change is made, the answer lost), writes-only, and seeded reproducibility.
import { describe, expect, it } from 'vitest';
import { expectError, useEmulator } from './helpers.ts';

const emulator = useEmulator();
const client = () => emulator.client;

const groupNames = (): string[] => [...emulator.handle.core.tenant.groups.values()].map((g) => g.name).sort();

describe('faults', () => {
  it('500 and 503 are answered before processing: the documented error body, nothing changes', async () => {
    for (const kind of ['500', '503'] as const) {
      expect((await client().put('/__emulator/faults', { rate: 1, kinds: [kind] })).status).toBe(200);
      expectError(await client().post('/api/v1/groups', { name: `CG-${kind}`, providerType: 'custom' }), Number(kind));
    }
    expect(groupNames()).toEqual([]);
    expect(emulator.handle.stats()).toMatchObject({ faultsInjected: 2, byStatus: { '500': 1, '503': 1 } });
  });

  it('an injected 429 carries Retry-After and the documented body', async () => {
    emulator.handle.setFaults({ rate: 1, kinds: ['429'] });
    const answer = await client().get('/api/v1/groups');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.body.errors[0]).toMatchObject({ code: 'HTTP-429', title: 'API rate limit reached.', detail: 'You need to wait 1 seconds until limit is lifted.' });
    expect(emulator.handle.stats().rateLimited).toBe(1);
  });

  it('reset drops the connection before processing; reset-after and 500-after make the change and lose the answer', async () => {
    emulator.handle.setFaults({ rate: 1, kinds: ['reset'] });
    await expect(client().post('/api/v1/groups', { name: 'CG-reset', providerType: 'custom' })).rejects.toThrow();
    expect(groupNames()).toEqual([]);

    emulator.handle.setFaults({ rate: 1, kinds: ['reset-after'] });
    await expect(client().post('/api/v1/groups', { name: 'CG-reset-after', providerType: 'custom' })).rejects.toThrow();
    expect(groupNames()).toEqual(['CG-reset-after']);

    emulator.handle.setFaults({ rate: 1, kinds: ['500-after'] });
    expectError(await client().post('/api/v1/groups', { name: 'CG-500-after', providerType: 'custom' }), 500);
    expect(groupNames()).toEqual(['CG-500-after', 'CG-reset-after']);
    emulator.handle.clearFaults();
    expectError(await client().post('/api/v1/groups', { name: 'CG-500-after', providerType: 'custom' }), 409); // the retry meets its own change
    expect(emulator.handle.stats().byStatus).toMatchObject({ reset: 2, '500': 1, '409': 1 });
  });

  it('slow delays, then answers normally', async () => {
    emulator.handle.setFaults({ rate: 1, kinds: ['slow'], slowMs: 30 });
    const answer = await client().post('/api/v1/groups', { name: 'CG-slow', providerType: 'custom' });
    expect(answer.status).toBe(201);
    expect(groupNames()).toEqual(['CG-slow']);
  });

  it('writesOnly leaves reads alone', async () => {
    emulator.handle.setFaults({ rate: 1, kinds: ['503'], writesOnly: true });
    for (let i = 0; i < 5; i++) expect((await client().get('/api/v1/groups')).status).toBe(200);
    expectError(await client().post('/api/v1/groups', { name: 'CG-x', providerType: 'custom' }), 503);
  });

  it('is reproducible: the same seed gives the same faults for the same requests', async () => {
    const run = async (seed: number): Promise<number[]> => {
      emulator.handle.setFaults({ rate: 0.4, kinds: ['500', '503', '429'], seed });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await client().get('/api/v1/roles?limit=1')).status);
      return statuses;
    };
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    expect(first.filter((s) => s !== 200).length).toBeGreaterThan(4);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(10);
    expect(await run(8)).not.toEqual(first);
    expect((await client().get('/__emulator/faults')).body).toMatchObject({ rate: 0.4, seed: 8, injected: expect.any(Number) });
  });

  it('turns off with DELETE, and refuses bad settings', async () => {
    emulator.handle.setFaults({ rate: 1, kinds: ['500'] });
    expect((await client().delete('/__emulator/faults')).status).toBe(204);
    expect((await client().get('/api/v1/groups')).status).toBe(200);
    for (const bad of [{ rate: 2, kinds: ['500'] }, { rate: 0.5, kinds: [] }, { rate: 0.5, kinds: ['timeout'] }, { rate: 0.5, kinds: ['500'], seed: 1.5 }, { rate: 0.5, kinds: ['slow'], slowMs: -1 }, { rate: 0.5, kinds: ['500'], extra: 1 }, []]) {
      expectError(await client().put('/__emulator/faults', bad), 400);
    }
    expect((await client().get('/api/v1/groups')).status).toBe(200);
  });
});
