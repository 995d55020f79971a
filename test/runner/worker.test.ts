import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, SyncError } from '../../src/errors.ts';
import { clearSecrets, createLogger } from '../../src/log.ts';
import { METRICS_CONTENT_TYPE } from '../../src/runner/http-server.ts';
import type { RunOutcome, RunReport } from '../../src/runner/report.ts';
import { REPORT_JSON, REPORT_MARKDOWN, startWorker, type Worker, type WorkerOptions } from '../../src/runner/worker.ts';
import { counts, report, testConfig } from './fixtures/config.ts';
import { parseExposition, valueOf } from './fixtures/prometheus.ts';

const P = 'qlik_group_sync_';
let dir: string;
const workers: Worker[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qgs-worker-'));
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('test end')));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  clearSecrets();
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', format: 'json', destination: { write: (l: string) => lines.push(l) } }), lines };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function start(options: Partial<WorkerOptions> & { sync?: Parameters<typeof testConfig>[0] | Partial<Parameters<typeof testConfig>[0]> }): Promise<Worker> {
  const { sync, ...rest } = options;
  const worker = await startWorker({
    config: testConfig({ stateDir: dir, ...sync }),
    runOnce: async () => report(),
    handleSignals: false,
    schedule: false,
    ...rest,
  });
  workers.push(worker);
  return worker;
}

async function receiver(status = 200, hang = false) {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      if (!hang) res.writeHead(status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/SECRETTOKEN123`, bodies, server };
}

describe('worker: runs, lock, reports', () => {
  it('two workers in one process against one tenant never run at once: the second skips while the lock is held', async () => {
    const active = { now: 0, max: 0 };
    const gate = deferred();
    const entered = deferred();
    const slow = async (): Promise<RunReport> => {
      entered.resolve();
      active.now++;
      active.max = Math.max(active.max, active.now);
      await gate.promise;
      active.now--;
      return report();
    };
    const a = await start({ runOnce: slow });
    const b = await start({ runOnce: slow });
    const first = a.tick();
    await entered.promise; // A holds the lock and is running
    await b.tick();
    expect(valueOf(parseExposition(b.metrics.render()), `${P}runs_skipped_total`, { reason: 'locked' })).toBe(1);
    gate.resolve();
    await first;
    // The lock is released after the run: B now runs.
    await b.tick();
    expect(active.max).toBe(1);
    expect(valueOf(parseExposition(b.metrics.render()), `${P}runs_total`, { outcome: 'no-changes' })).toBe(1);
    expect(valueOf(parseExposition(a.metrics.render()), `${P}runs_total`, { outcome: 'no-changes' })).toBe(1);
  });

  it('writes the report to the state folder as JSON, and Markdown when given a renderer', async () => {
    const r = report({ runId: 'abc', outcome: 'applied', applied: counts({ createGroups: 2, writeRequests: 2 }) });
    const worker = await start({ runOnce: async () => r, renderMarkdown: (x) => `# Run ${x.runId}: ${x.outcome}\n` });
    await worker.tick();
    expect(JSON.parse(await readFile(join(dir, REPORT_JSON), 'utf8'))).toEqual(r);
    expect(await readFile(join(dir, REPORT_MARKDOWN), 'utf8')).toBe('# Run abc: applied\n');
    // Only the reports remain: the lock is gone, no temp files.
    expect((await readdir(dir)).sort()).toEqual([REPORT_JSON, REPORT_MARKDOWN]);
  });

  it('counts a runOnce that throws as a failed run with a report', async () => {
    const { logger } = capture();
    const worker = await start({
      logger,
      runOnce: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    });
    expect(await worker.tick()).toEqual({ ran: true });
    const written = JSON.parse(await readFile(join(dir, REPORT_JSON), 'utf8')) as RunReport;
    expect(written).toMatchObject({ outcome: 'failed', command: 'run', error: { code: 'INTERNAL', message: 'cannot read properties of undefined' } });
    expect(written.tenant.url).toBe('https://acme.eu.qlikcloud.com');
    expect(worker.readiness().consecutiveFailures).toBe(1);
  });

  it('runs at start when configured', async () => {
    const ran = deferred<AbortSignal>();
    await start({
      sync: { stateDir: dir, runAtStart: true },
      runOnce: async (signal) => {
        ran.resolve(signal);
        return report();
      },
    });
    expect((await ran.promise).aborted).toBe(false);
  });

  it('refuses a state folder it cannot write, naming sync.stateDir', async () => {
    const error = await startWorker({ config: testConfig({ stateDir: '/dev/null/state' }), runOnce: async () => report(), handleSignals: false, schedule: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]?.path).toBe('sync.stateDir');
  });
});

describe('worker: HTTP endpoint', () => {
  it('serves /healthz, /metrics matching the runs fed in, and 404/405 elsewhere', async () => {
    const script: RunReport[] = [
      report({ outcome: 'applied', planned: counts({ createGroups: 2, writeRequests: 2 }), applied: counts({ createGroups: 2, writeRequests: 2 }), requests: { byTier: { tier2: { ok: 2, '429': 1 } }, total: 3, writes: 2, retries: 1, rateLimited: 1 } }),
      report({ outcome: 'no-changes', requests: { byTier: { tier1: { ok: 5 } }, total: 5, writes: 0, retries: 0, rateLimited: 0 } }),
      report({ outcome: 'failed', error: { code: 'TENANT_AUTH', message: 'unauthorized' } }),
    ];
    let i = 0;
    const worker = await start({ sync: { stateDir: dir, http: { enabled: true, host: '127.0.0.1', port: 0 } }, runOnce: async () => script[i++]! });
    for (let n = 0; n < script.length; n++) await worker.tick();
    const base = worker.server!.url;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
    const families = parseExposition(await res.text());
    const byOutcome = (o: RunOutcome) => valueOf(families, `${P}runs_total`, { outcome: o });
    expect([byOutcome('applied'), byOutcome('no-changes'), byOutcome('failed'), byOutcome('partial')]).toEqual([1, 1, 1, 0]);
    expect(valueOf(families, `${P}applied_changes_total`, { change: 'createGroups' })).toBe(2);
    expect(valueOf(families, `${P}requests_total`, { tier: 'tier2', result: '429' })).toBe(1);
    expect(valueOf(families, `${P}requests_total`, { tier: 'tier1', result: 'ok' })).toBe(5);
    expect(valueOf(families, `${P}rate_limited_total`)).toBe(1);
    expect(valueOf(families, `${P}retries_total`)).toBe(1);
    expect(valueOf(families, `${P}last_success_timestamp_seconds`)).toBe(Date.parse(script[1]!.finishedAt) / 1000);

    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('/readyz turns 503 after N unsuccessful runs, and after N intervals without a success (injected clock)', async () => {
    let now = Date.parse('2026-05-01T08:00:00Z');
    let outcome: RunOutcome = 'failed';
    const worker = await start({
      clock: () => now,
      sync: { stateDir: dir, schedule: '*/15 * * * *', unhealthyAfterIntervals: 2, http: { enabled: true, host: '127.0.0.1', port: 0 } },
      runOnce: async () => report({ outcome }, now),
    });
    const ready = async () => {
      const res = await fetch(`${worker.server!.url}/readyz`);
      return { status: res.status, body: (await res.json()) as { ready: boolean; reason: string } };
    };
    expect((await ready()).status).toBe(200);
    await worker.tick();
    expect((await ready()).status).toBe(200);
    await worker.tick();
    const failing = await ready();
    expect(failing.status).toBe(503);
    expect(failing.body.reason).toContain('last 2 runs did not succeed');

    outcome = 'no-changes';
    await worker.tick();
    expect((await ready()).status).toBe(200);

    // Two 15-minute intervals later, with no run at all (stuck schedule, lock never free): unready.
    now += 30 * 60_000 + 1500;
    expect((await ready()).status).toBe(200);
    now += 1;
    const stale = await ready();
    expect(stale.status).toBe(503);
    expect(stale.body.reason).toContain('the last successful run finished');
  });

  it('fails to start with HTTP_LISTEN when the port is taken', async () => {
    const taken = await receiver();
    const port = (taken.server.address() as AddressInfo).port;
    const error = await start({ sync: { stateDir: dir, http: { enabled: true, host: '127.0.0.1', port } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).code).toBe('HTTP_LISTEN');
  });
});

describe('worker: webhook', () => {
  it('posts failed and blocked runs with a text summary and the report facts, never secrets or its own URL in logs', async () => {
    const hook = await receiver();
    const { logger, lines } = capture();
    const outcomes: RunReport[] = [
      report({ outcome: 'failed', error: { code: 'DIRECTORY_BIND', message: 'invalid credentials for cn=sync' } }),
      report({ outcome: 'no-changes' }),
      report({ outcome: 'blocked', violations: [{ limit: 'maxGroupDeletes', message: 'would delete 12 groups; at most 5 allowed', actual: 12, allowed: 5 }] }),
      report({ outcome: 'partial', error: { code: 'ABORTED', message: 'stopped' } }),
    ];
    let i = 0;
    const worker = await start({ logger, sync: { stateDir: dir, webhookUrl: hook.url }, runOnce: async () => outcomes[i++]! });
    for (let n = 0; n < outcomes.length; n++) await worker.tick();

    expect(hook.bodies.map((b) => b.outcome)).toEqual(['failed', 'blocked']);
    const [failed, blocked] = hook.bodies as [Record<string, unknown>, Record<string, unknown>];
    expect(failed.text).toContain('FAILED');
    expect(failed.text).toContain('DIRECTORY_BIND: invalid credentials for cn=sync');
    expect(failed).toMatchObject({ tenant: 'https://acme.eu.qlikcloud.com', command: 'run', error: { code: 'DIRECTORY_BIND' } });
    expect(blocked.text).toContain('maxGroupDeletes');
    expect(blocked.violations).toEqual(outcomes[2]!.violations);
    const everything = JSON.stringify(hook.bodies) + lines.join('');
    expect(everything).not.toContain('test-api-key-never-logged');
    expect(lines.join('')).not.toContain('SECRETTOKEN123');
    expect(lines.some((l) => l.includes('notified the webhook'))).toBe(true);
    expect(valueOf(parseExposition(worker.metrics.render()), `${P}webhook_notifications_total`, { result: 'sent' })).toBe(2);
  });

  it('logs a refused or unanswered notification and carries on', async () => {
    const refusing = await receiver(500);
    const silent = await receiver(200, true);
    for (const hook of [refusing, silent]) {
      const { logger, lines } = capture();
      const worker = await start({ logger, webhookTimeoutMs: 200, sync: { stateDir: dir, webhookUrl: hook.url }, runOnce: async () => report({ outcome: 'failed', error: { code: 'X', message: 'y' } }) });
      expect(await worker.tick()).toEqual({ ran: true });
      expect(hook.bodies).toHaveLength(1);
      expect(lines.some((l) => l.includes('the webhook refused') || l.includes('could not notify the webhook'))).toBe(true);
      expect(lines.join('')).not.toContain('SECRETTOKEN123');
      expect(valueOf(parseExposition(worker.metrics.render()), `${P}webhook_notifications_total`, { result: 'failed' })).toBe(1);
      await worker.stop();
    }
    silent.server.closeAllConnections();
  });
});

describe('worker: stop', () => {
  it('asks the run in flight to stop, waits for its report, releases the lock and resolves 0', async () => {
    const started = deferred();
    const worker = await start({
      sync: { stateDir: dir, http: { enabled: true, host: '127.0.0.1', port: 0 } },
      runOnce: async (signal) => {
        started.resolve();
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        await new Promise((r) => setTimeout(r, 50)); // the request in flight
        return report({ outcome: 'partial', error: { code: 'ABORTED', message: 'stopped' } });
      },
    });
    const tick = worker.tick();
    await started.promise;
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(await worker.done).toBe(0);
    await tick;
    expect(JSON.parse(await readFile(join(dir, REPORT_JSON), 'utf8'))).toMatchObject({ outcome: 'partial', error: { code: 'ABORTED' } });
    expect(await readdir(dir)).toEqual([REPORT_JSON]);
    expect(await fetch(`${worker.server!.url}/healthz`).then(() => 'answered', () => 'closed')).toBe('closed');
    expect(await worker.tick()).toEqual({ ran: false, skipped: 'stopped' });
  });

  it('gives up after sync.stopTimeoutMs on a run that ignores the signal: resolves 1 and frees the lock', async () => {
    const started = deferred();
    const { logger, lines } = capture();
    const worker = await start({
      logger,
      sync: { stateDir: dir, stopTimeoutMs: 150 },
      runOnce: async () => {
        started.resolve();
        return new Promise<RunReport>(() => {}); // never settles
      },
    });
    void worker.tick();
    await started.promise;
    expect(await worker.stop('SIGTERM')).toBe(1);
    expect(lines.some((l) => l.includes('did not stop within sync.stopTimeoutMs'))).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });
});
