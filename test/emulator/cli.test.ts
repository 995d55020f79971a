// The `emulator` command: flag parsing (every bad flag a USAGE error naming it), the in-process
// command (prints its URL, stops on abort, saves --state), and the real CLI in a child process
// stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEmulatorArgs, runEmulatorCommand } from '../../src/emulator/index.ts';
import { Client } from './helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('parseEmulatorArgs', () => {
  it('reads every flag', () => {
    expect(
      parseEmulatorArgs([
        '--host', '::1', '--port', '8123', '--state', 'tenant.json', '--api-key', 'key-1234', '--api-key', 'key-5678',
        '--oauth-client', 'bot:se:cret', '--rate-limits', '1000/100/200@5', '--time-scale', '60', '--token-ttl', '600', '--tenant-id', 'acme',
      ]),
    ).toEqual({
      host: '::1', port: 8123, stateFile: 'tenant.json', apiKeys: ['key-1234', 'key-5678'], oauthClients: [{ clientId: 'bot', clientSecret: 'se:cret' }],
      rateLimits: { tier1PerMinute: 1000, tier2PerMinute: 100, specialPerMinute: 200, windowMinutes: 5 }, timeScale: 60, tokenTtlSeconds: 600, tenantId: 'acme',
    });
    expect(parseEmulatorArgs([])).toEqual({});
    expect(parseEmulatorArgs(['--rate-limits', 'qlik']).rateLimits).toBe('qlik');
    expect(parseEmulatorArgs(['--rate-limits', 'off']).rateLimits).toBe('off');
    expect(parseEmulatorArgs(['--rate-limits', '10/1']).rateLimits).toEqual({ tier1PerMinute: 10, tier2PerMinute: 1 });
  });

  it('throws SyncError USAGE naming the flag for every bad value', () => {
    for (const [argv, text] of [
      [['--port', 'http'], '--port'],
      [['--port', '70000'], 'port'],
      [['--rate-limits', 'fast'], '--rate-limits'],
      [['--rate-limits', '0/100'], 'tier1PerMinute'],
      [['--oauth-client', 'nosecret'], '--oauth-client'],
      [['--time-scale', '0'], 'timeScale'],
      [['--token-ttl', '1.5'], '--token-ttl'],
      [['--bogus'], 'bogus'],
      [['positional'], 'positional'],
      [['--host', '0.0.0.0'], 'not a loopback address'],
      [['--api-key', 'a b c d'], 'apiKeys'],
    ] as [string[], string][]) {
      expect(() => parseEmulatorArgs(argv), argv.join(' ')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(text) }));
    }
    expect(parseEmulatorArgs(['--host', '0.0.0.0', '--api-key', 'my-own-key']).host).toBe('0.0.0.0');
  });
});

describe('runEmulatorCommand', () => {
  it('prints the URL when ready, serves, and on stop saves --state and returns 0', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'emulator-cli-')), 'state.json');
    let stdout = '';
    let stderr = '';
    const stop = new AbortController();
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    const running = runEmulatorCommand(['--port', '0', '--state', file, '--api-key', 'cli-key-1234'], io, { signal: stop.signal });
    for (let i = 0; i < 100 && !stdout.includes('http://'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    expect(stdout).toBe(`Qlik Cloud tenant emulator listening on ${url}\n`);
    expect(stderr).not.toContain('cli-key-1234');
    expect((await new Client(url, 'cli-key-1234').post('/api/v1/groups', { name: 'CG-cli', providerType: 'custom' })).status).toBe(201);
    stop.abort();
    expect(await running).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).groups[0].name).toBe('CG-cli');
  });

  it('prints help, and reports usage errors with exit code 1', async () => {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    expect(await runEmulatorCommand(['--help'], io)).toBe(0);
    expect(stdout).toContain('--rate-limits SPEC');
    expect(await runEmulatorCommand(['--port', 'x'], io)).toBe(1);
    expect(stderr).toMatch(/^error: emulator: --port: "x" is not an integer\n$/);
  });
});

describe('qlik-group-sync emulator (child process)', () => {
  it('starts from the CLI, applies --rate-limits qlik, and stops on SIGTERM saving --state', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'emulator-proc-')), 'state.json');
    const child = spawn(`${ROOT}node_modules/.bin/node`, ['src/cli.ts', 'emulator', '--port', '0', '--rate-limits', 'qlik', '--state', file, '--api-key', 'proc-key-1234'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 300 && !/http:\/\/\S+/.test(stdout); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(url, stderr).toBeDefined();
      const client = new Client(url!, 'proc-key-1234');
      expect((await client.get('/__emulator/rate-limits')).body).toMatchObject({ mode: 'qlik', tier2PerMinute: 100, windowMinutes: 5 });
      expect((await client.post('/api/v1/groups', { name: 'CG-proc', providerType: 'custom' })).status).toBe(201);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('emulator: stopped');
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).groups[0].name).toBe('CG-proc');
  });
});
