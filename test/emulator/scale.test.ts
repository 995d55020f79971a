// Scale: 10,000 groups and 100,000 users with 200,000 memberships loaded through the in-process API
// (not HTTP), then pages read in-process and one over HTTP. No timing assertions (speed is for
// benchmarks); this checks the indexes give the right answers at that size.
import { describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.ts';
import { Client } from './helpers.ts';

describe('a tenant of 100,000 users and 10,000 groups', () => {
  it('loads in-process and answers 100-item pages, filters and counts from indexes', async () => {
    const handle: EmulatorHandle = await startEmulator();
    try {
      const groupIds: string[] = [];
      for (let g = 0; g < 10_000; g++) groupIds.push(handle.api.createGroup({ name: `CG-${String(g).padStart(5, '0')}`, providerType: 'custom' }).id as string);
      const userIds: string[] = [];
      for (let u = 0; u < 100_000; u++) {
        const id = handle.api.createUser({ subject: `sub-${u}`, email: `user${u}@example.com`, name: `User ${String(99_999 - u).padStart(6, '0')}` }).id as string;
        handle.api.patchUser(id, [
          { op: 'add', path: '/assignedGroups/-', value: groupIds[u % 10_000] },
          { op: 'add', path: '/assignedGroups/-', value: groupIds[(u * 7 + 1) % 10_000] },
        ]);
        userIds.push(id);
      }

      const first = handle.api.request('GET', '/api/v1/users?limit=100&totalResults=true');
      const body = first.body as { data: { name: string }[]; links: { next: { href: string } }; totalResults: number };
      expect(first.status).toBe(200);
      expect(body.totalResults).toBe(100_000);
      expect(body.data.map((u) => u.name)).toEqual(Array.from({ length: 100 }, (_, i) => `User ${String(i).padStart(6, '0')}`));
      const second = handle.api.request('GET', body.links.next.href.replace(handle.url, ''));
      expect((second.body as { data: { name: string }[] }).data[0]!.name).toBe('User 000100');

      const bySubject = handle.api.request('GET', `/api/v1/users?filter=${encodeURIComponent('subject eq "SUB-54321"')}`);
      expect((bySubject.body as { data: { id: string }[] }).data.map((u) => u.id)).toEqual([userIds[54_321]]);
      const members = handle.api.request('GET', `/api/v1/users?limit=100&totalResults=true&fields=id&filter=${encodeURIComponent(`assignedGroups.id eq "${groupIds[42]}"`)}`);
      expect((members.body as { totalResults: number }).totalResults).toBe(20);
      const last = handle.api.request('GET', '/api/v1/users?limit=100&sort=-name');
      expect((last.body as { data: { name: string }[] }).data[0]!.name).toBe('User 099999');
      const groups = handle.api.request('GET', '/api/v1/groups?limit=100&totalResults=true');
      expect((groups.body as { totalResults: number; data: unknown[] }).data).toHaveLength(100);
      expect((groups.body as { totalResults: number }).totalResults).toBe(10_000);

      const http = await new Client(handle.url, handle.apiKey).get('/api/v1/users?limit=100&fields=id,subject,email,status,assignedGroups,name');
      expect(http.status).toBe(200);
      expect(http.body.data).toHaveLength(100);
      expect(http.body.data[0].assignedGroups).toHaveLength(2);
      expect(handle.api.request('GET', '/api/v1/users/actions/count').body).toEqual({ total: 100_000 });
    } finally {
      await handle.close();
    }
  });
});
