// One measured benchmark step, run in a child process of its own so its peak memory (max RSS) is
// its own: `node test/bench/step.ts '<json StepRequest>'`. Prints one JSON line (StepResult).
// Steps: read the directory (readDirectory; with `warm`, a second time in the same process), the same
// searches with ldapts alone and nothing done with the entries (what a general-purpose Node LDAP
// client takes just to receive them), the same searches only received and framed (receive-only.ts:
// the floor for a Node reader), read the tenant
// (createTenantClient().readTenant()), compute a plan from saved snapshots (buildPlan), or run the
// bridge once (runOnce, apply) with the client's pacing scaled by `timeScale`.
// Snapshots pass between steps as v8-serialised files, so the plan step loads exactly what the
// read steps returned, without JSON's cost.
//
// The bridge's code is the built one (dist/, which `npm run bench` compiles first), as the container
// image runs it; from source, every process would first strip the types of each module it loads.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { Client } from 'ldapts';
import type { DirectorySnapshot } from '../../src/directory/snapshot.ts';
import type { TenantSnapshot } from '../../src/tenant/snapshot.ts';
import { readerSearches } from './measure.ts';
import { receiveOnly } from './receive-only.ts';

const BUILT = new URL('../../dist/', import.meta.url);
if (!existsSync(new URL('cli.js', BUILT))) throw new Error('no dist/: run `npm run build` first (npm run bench does)');
const built = <T>(path: string): Promise<T> => import(new URL(path, BUILT).href) as Promise<T>;
const { loadConfig } = await built<typeof import('../../src/config/load.ts')>('config/load.js');
const { planQueries } = await built<typeof import('../../src/directory/build-snapshot.ts')>('directory/build-snapshot.js');
const { readDirectory } = await built<typeof import('../../src/directory/index.ts')>('directory/index.js');
const { vendorFor } = await built<typeof import('../../src/directory/vendors.ts')>('directory/vendors.js');
const { buildPlan } = await built<typeof import('../../src/reconcile/index.ts')>('reconcile/index.js');
const { runOnce } = await built<typeof import('../../src/runner/run-once.ts')>('runner/run-once.js');
const { createTenantClient } = await built<typeof import('../../src/tenant/client.ts')>('tenant/client.js');
const wire = await built<typeof import('../../src/directory/wire.ts')>('directory/wire.js');

export type StepRequest =
  /** `warm`: read again in the same process once the first read is measured (StepResult.warmMs). */
  | { step: 'directory'; config: string; save?: string; warm?: boolean }
  | { step: 'receive'; config: string }
  | { step: 'tenant'; config: string; save?: string }
  | { step: 'plan'; config: string; directory: string; tenant: string }
  | { step: 'ldapts'; config: string }
  | { step: 'sync'; config: string; timeScale: number };

export interface StepResult {
  step: StepRequest['step'];
  /** The measured call only (not process start or module loading). */
  ms: number;
  /** Peak resident memory of this process, kB (getrusage). */
  maxRssKb: number;
  /** Resident memory before the measured call, kB (the plan step: with its inputs loaded). */
  startRssKb: number;
  [key: string]: unknown;
}

const kb = (): number => Math.round(process.memoryUsage().rss / 1024);

async function main(request: StepRequest): Promise<StepResult> {
  const { config } = await loadConfig({ file: request.config, env: {} });
  const base = (ms: number, startRssKb: number) => ({ step: request.step, ms: Math.round(ms * 10) / 10, maxRssKb: process.resourceUsage().maxRSS, startRssKb });

  if (request.step === 'directory') {
    const startRss = kb();
    const t = performance.now();
    const snapshot = await readDirectory(config.directory);
    const ms = performance.now() - t;
    const result = {
      ...base(ms, startRss),
      groups: snapshot.groups.length,
      users: snapshot.users.length,
      memberValues: snapshot.groups.reduce((n, g) => n + g.members.length, 0),
      warnings: snapshot.warnings.length,
    };
    if (request.save) writeFileSync(request.save, serialize(snapshot));
    if (request.warm) {
      // After the figures above are taken (maxRss included): the second read, JIT-compiled code
      // and all, as a long-running service's later reads are.
      const w = performance.now();
      await readDirectory(config.directory);
      return { ...result, warmMs: Math.round((performance.now() - w) * 10) / 10 };
    }
    return result;
  }

  if (request.step === 'receive') {
    const searches = readerSearches(config.directory, planQueries(config.directory, vendorFor('openldap')));
    const startRss = kb();
    const t = performance.now();
    const entries = await receiveOnly(wire, config.directory, searches);
    return { ...base(performance.now() - t, startRss), entries };
  }

  if (request.step === 'ldapts') {
    const directory = config.directory;
    const searches = readerSearches(directory, planQueries(directory, vendorFor('openldap')));
    const client = new Client({ url: directory.urls[0]!, tlsOptions: { ca: [readFileSync(directory.caFile!, 'utf8')] } });
    const startRss = kb();
    const t = performance.now();
    let entries = 0;
    await client.bind(directory.bindDn!, directory.bindPassword!);
    for (const { base: searchBase, filter, attributes } of searches) {
      for await (const page of client.searchPaginated(searchBase, { scope: 'sub', filter, attributes, paged: { pageSize: directory.pageSize } })) entries += page.searchEntries.length;
    }
    await client.unbind();
    return { ...base(performance.now() - t, startRss), entries };
  }

  if (request.step === 'tenant') {
    const client = createTenantClient(config.tenant);
    try {
      const startRss = kb();
      const t = performance.now();
      const snapshot = await client.readTenant();
      const ms = performance.now() - t;
      const stats = client.stats();
      const result = { ...base(ms, startRss), requests: stats.total, retries: stats.retries, groups: snapshot.groups.length, users: snapshot.users.length, roles: snapshot.roles.length };
      if (request.save) writeFileSync(request.save, serialize(snapshot));
      return result;
    } finally {
      await client.close();
    }
  }

  if (request.step === 'plan') {
    const directory = deserialize(readFileSync(request.directory)) as DirectorySnapshot;
    const tenant = deserialize(readFileSync(request.tenant)) as TenantSnapshot;
    globalThis.gc?.();
    const startRss = kb();
    const t = performance.now();
    const plan = buildPlan(directory, tenant, config);
    const ms = performance.now() - t;
    return { ...base(ms, startRss), writeRequests: plan.stats.writeRequests, stats: plan.stats, warnings: plan.warnings.length };
  }

  const tenant = createTenantClient(config.tenant, { timeScale: request.timeScale });
  const startRss = kb();
  const t = performance.now();
  const result = await runOnce(config, { command: 'apply', dryRun: false, allowDeletes: true }, { tenant }).finally(() => tenant.close());
  const ms = performance.now() - t;
  const { report } = result;
  return {
    ...base(ms, startRss),
    outcome: report.outcome,
    exitCode: result.exitCode,
    error: report.error,
    timings: report.timings,
    planned: report.planned,
    applied: report.applied,
    failures: report.failures.length,
    requests: report.requests,
  };
}

const request = JSON.parse(process.argv[2] ?? '{}') as StepRequest;
main(request).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`bench step ${request.step} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
