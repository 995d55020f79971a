// End to end: the real `run` worker (a child process) against slapd and the emulator. Its first
// run applies; /metrics then agrees with the report it saved; SIGTERM in the middle of a long
// apply stops it after the request in flight with exit 0 and the report written, and the next
// run converges.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/runner/report.ts';
import { freePort, requireServer } from '../support/servers.ts';
import { plain, startWorld, until, type World } from './harness.ts';

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`qlik_group_sync_${name}${labels} `));
  if (!line) throw new Error(`no sample qlik_group_sync_${name}${labels} in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.skipIf(!requireServer('slapd'))('end to end: the run worker', () => {
  let world: World;
  let port: number;
  let reportFile: string;
  beforeAll(async () => {
    port = await freePort();
    world = await startWorld({
      users: 80,
      groups: 10,
      // 10 writes a second: a first sync of ~170 writes lasts long enough to stop it in the middle.
      config: { tenant: { rateLimits: { tier2PerMinute: 600 } }, sync: { runAtStart: true, schedule: '0 0 1 1 *', http: { enabled: true, host: '127.0.0.1', port } } },
    });
    reportFile = join(world.dir, 'state', 'last-report.json');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('runs at start, serves /metrics that match its report, and stops on SIGTERM with exit 0', async () => {
    const { child, done } = world.spawnCli(['run']);
    try {
      await until('the first run report', () => existsSync(reportFile));
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
      expect(report.outcome).toBe('applied');
      expect(plain(world.actual())).toEqual(plain(await world.expected()));

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metric(text, 'runs_total', '{outcome="applied"}')).toBe(1);
      expect(metric(text, 'write_requests_total')).toBe(report.requests.writes);
      expect(metric(text, 'write_requests_total')).toBe(world.emulator.stats().writes);
      expect(metric(text, 'applied_changes_total', '{change="createGroups"}')).toBe(report.applied.createGroups);
      expect(metric(text, 'managed_groups')).toBe(report.managed.groups);
    } finally {
      child.kill('SIGTERM');
    }
    const exit = await done;
    expect(exit.code, exit.stderr).toBe(0);
  });

  it('SIGTERM during an apply: the request in flight finishes, the report is written, exit 0; the next run converges', async () => {
    // Start over on an empty tenant, so the worker's first run is a long first sync.
    world.emulator.reset();
    world.emulator.resetStats();
    const expected = await world.expected();
    const before = readFileSync(reportFile, 'utf8');
    const { child, done } = world.spawnCli(['run']);
    await until('the apply to be under way', () => world.emulator.stats().writes >= 30);
    child.kill('SIGTERM');
    const exit = await done;
    expect(exit.code, exit.stderr).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    expect(JSON.stringify(report)).not.toBe(before);
    expect(report.outcome).toBe('partial');
    expect(report.error?.code).toBe('ABORTED');
    expect(report.applied.writeRequests).toBeLessThan(report.planned.writeRequests);
    expect(plain(world.actual())).not.toEqual(plain(expected));

    const next = await world.cli(['apply']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(plain(world.actual())).toEqual(plain(expected));
  });

  it('a stop while writes keep failing still ends within the stop budget, with the report written', async () => {
    world.emulator.reset();
    world.emulator.resetStats();
    world.emulator.setFaults({ rate: 1, kinds: ['503'], writesOnly: true, seed: 1 });
    rmSync(reportFile, { force: true });
    const config = world.writeConfig(
      { tenant: { rateLimits: { tier2PerMinute: 600 } }, sync: { runAtStart: true, schedule: '0 0 1 1 *', stopTimeoutMs: 2000, http: { enabled: false } } },
      'stop-budget.yaml',
    );
    try {
      const { child, done } = world.spawnCli(['run'], { configFile: config });
      await until('writes failing and being retried', () => world.emulator.stats().faultsInjected >= 3);
      child.kill('SIGTERM');
      // Without the stop budget the client would retry each write for up to 5 minutes; the test's
      // own timeout (60 s) is the bound here, not a measured time.
      const exit = await done;
      expect(exit.signal).toBe(null);
      expect([0, 1]).toContain(exit.code);
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
      expect(report.outcome).toBe('partial');
      expect(report.applied.createGroups).toBe(0);
      expect(report.failures.length).toBeGreaterThan(0);
      expect(report.error?.code).toBe('ABORTED');
    } finally {
      world.emulator.clearFaults();
    }
  });
});

