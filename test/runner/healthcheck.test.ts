import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthcheck, healthcheckUrl } from '../../src/runner/healthcheck.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function sink() {
  let text = '';
  return { write: (t: string) => (text += t), text: () => text };
}

describe('healthcheck', () => {
  it('probes a wildcard listen address on loopback', () => {
    expect(healthcheckUrl({ host: '0.0.0.0', port: 9464 })).toBe('http://127.0.0.1:9464/healthz');
    expect(healthcheckUrl({ host: '::', port: 9464 })).toBe('http://[::1]:9464/healthz');
    expect(healthcheckUrl({ host: '10.1.2.3', port: 80 })).toBe('http://10.1.2.3:80/healthz');
    expect(healthcheckUrl({ host: 'fd00::1', port: 80 })).toBe('http://[fd00::1]:80/healthz');
  });

  it('exits 0 on 200 and 1 on an error status, a refused connection or no answer in time', async () => {
    const ok = await serve((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end('ok'));
    const down = await serve((_req, res) => res.writeHead(503).end());
    const hung = await serve(() => {});
    const out = sink();
    expect(await healthcheck(`http://127.0.0.1:${ok}/healthz`, 1000, out)).toBe(0);
    expect(out.text()).toBe('');
    expect(await healthcheck(`http://127.0.0.1:${down}/healthz`, 1000, out)).toBe(1);
    expect(out.text()).toContain('HTTP 503');
    expect(await healthcheck(`http://127.0.0.1:${hung}/healthz`, 150, out)).toBe(1);
    const free = await serve(() => {});
    servers.pop()!.close();
    expect(await healthcheck(`http://127.0.0.1:${free}/healthz`, 1000, out)).toBe(1);
    expect(await healthcheck('not a url', 1000, out)).toBe(1);
  });
});
