// One benchmark run for one size, every measurement in the order a real deployment meets them:
// directory read (bridge and ldapsearch, in alternating order, after one unmeasured read warms the
// server), the first sync (its plan measured on its own first), the tenant read and the plan of the
// steady state, the steady-state sync, the churn applied to slapd over LDAP, and the churn sync.
// Write requests are counted by the emulator, independently of the bridge's own accounting, and
// after each sync the tenant is checked against the directory model: a count that is low because
// writes went missing fails.
import { join } from 'node:path';
import { planQueries } from '../../src/directory/build-snapshot.ts';
import { vendorFor } from '../../src/directory/vendors.ts';
import type { StatsSnapshot } from '../../src/emulator/index.ts';
import type { DirectoryChanges } from './churn.ts';
import { minimumRequests, perMembershipRequests, type WriteCounts } from './counts.ts';
import { applyChanges } from './directory-io.ts';
import { ldapsearchAll, readerSearches, runStep, type ProcessMeasure } from './measure.ts';
import { flatten, type BenchDirectory } from './model.ts';
import type { StepResult } from './step.ts';
import { initialTenantState } from './tenant-state.ts';
import { CLIENT_TIME_SCALE, PREFIX, type BenchWorld } from './world.ts';

export interface SyncFigures {
  ms: number;
  maxRssKb: number;
  outcome: string;
  timings: Record<string, number>;
  /** Write requests the emulator received. */
  writes: number;
  /** By route, e.g. `PATCH /api/v1/users/{id}`. */
  writesByRoute: Record<string, number>;
  expected: WriteCounts;
  minimum: number;
  perMembership: number;
  /** Memberships of owned groups that differ from the directory model after the sync (missing + extra). */
  mismatches: number;
}

export interface RunFigures {
  reader: StepResult;
  /** ldapts alone on the same searches, entries discarded: what a general-purpose Node client takes. */
  ldapts: StepResult;
  /** The same searches only received and framed, not decoded: the floor for a Node reader. */
  receive: StepResult;
  ldapsearch: ProcessMeasure;
  tenantRead: StepResult;
  tenantReadServerRequests: number;
  planFirst: StepResult;
  planSteady: StepResult;
  first: SyncFigures;
  steady: SyncFigures;
  churn: SyncFigures;
  ldapOperations: number;
}

export interface RunInput {
  world: BenchWorld;
  base: BenchDirectory;
  churned: BenchDirectory;
  changes: DirectoryChanges;
  accounts: ReadonlySet<number>;
  expected: { first: WriteCounts; churn: WriteCounts };
  index: number;
  progress: (line: string) => void;
}

const WRITE = /^(POST|PATCH|PUT|DELETE) /;

function writesOf(stats: StatsSnapshot): { writes: number; writesByRoute: Record<string, number> } {
  const writesByRoute = Object.fromEntries(Object.entries(stats.byRoute).filter(([route]) => WRITE.test(route)));
  return { writes: stats.writes, writesByRoute };
}

/** Owned memberships in the emulator that differ from the model's flattened groups. */
export function tenantMismatches(world: BenchWorld, directory: BenchDirectory): number {
  const state = world.emulator.exportState();
  const expected = new Map<string, Set<string>>();
  for (const [g, members] of flatten(directory)) expected.set(`${PREFIX}${directory.groups[g]!.cn}`, new Set([...members].map((u) => directory.users[u]!)));
  const ownedName = new Map(state.groups.filter((g) => g.providerType === 'custom' && g.name.startsWith(PREFIX)).map((g) => [g.id, g.name]));
  let mismatches = 0;
  const seen = new Map<string, number>();
  for (const user of state.users) {
    for (const id of user.groupIds) {
      const name = ownedName.get(id);
      if (name === undefined) continue;
      if (expected.get(name)?.has(user.subject)) seen.set(name, (seen.get(name) ?? 0) + 1);
      else mismatches++;
    }
  }
  for (const [name, members] of expected) mismatches += members.size - (seen.get(name) ?? 0);
  // Owned groups the model does not have (not deleted) count once each.
  for (const name of ownedName.values()) if (!expected.has(name)) mismatches++;
  return mismatches;
}

async function sync(input: RunInput, label: string, expected: WriteCounts, directory: BenchDirectory): Promise<SyncFigures> {
  const { world } = input;
  world.emulator.resetStats();
  const result = await runStep({ step: 'sync', config: world.configFile, timeScale: CLIENT_TIME_SCALE });
  if (result.outcome !== 'applied' && result.outcome !== 'no-changes') {
    throw new Error(`${label}: the run ended ${String(result.outcome)}: ${JSON.stringify(result.error ?? result.failures)}`);
  }
  const figures: SyncFigures = {
    ms: result.ms,
    maxRssKb: result.maxRssKb,
    outcome: String(result.outcome),
    timings: result.timings as Record<string, number>,
    ...writesOf(world.emulator.stats()),
    expected,
    minimum: minimumRequests(expected),
    perMembership: perMembershipRequests(expected),
    mismatches: tenantMismatches(world, directory),
  };
  input.progress(`${label}: ${figures.writes} writes (minimum ${figures.minimum}) in ${Math.round(result.ms)} ms, ${figures.mismatches} mismatches`);
  return figures;
}

export async function benchRun(input: RunInput): Promise<RunFigures> {
  const { world, base, progress } = input;
  const files = (name: string): string => join(world.dir, `${name}.snapshot`);
  if (input.index > 0) await world.restoreDirectory();
  world.emulator.importState(initialTenantState(base, input.accounts));

  // Directory read: the bridge's reader and ldapsearch on the same searches, alternating who goes first.
  const queries = planQueries(world.config.directory, vendorFor('openldap'));
  const searches = readerSearches(world.config.directory, queries);
  const server = { url: world.slapd.ldapsUrl!, bindDn: world.slapd.rootDn, password: world.slapd.rootPassword, caFile: world.slapd.caFile };
  const readBridge = (): Promise<StepResult> => runStep({ step: 'directory', config: world.configFile, save: files('directory'), warm: true });
  const readLdapsearch = (): Promise<ProcessMeasure> => ldapsearchAll(server, searches, world.config.directory.pageSize);
  const readLdapts = (): Promise<StepResult> => runStep({ step: 'ldapts', config: world.configFile });
  const readReceive = (): Promise<StepResult> => runStep({ step: 'receive', config: world.configFile });
  // One unmeasured pass first: slapd has just been (re)started, and its first reader would pay for
  // its cold caches. Without it that was the bridge in three runs of five and ldapsearch in none.
  await readLdapsearch();
  let reader: StepResult;
  let ldapsearch: ProcessMeasure;
  let ldapts: StepResult;
  let receive: StepResult;
  if (input.index % 2 === 0) {
    reader = await readBridge();
    ldapsearch = await readLdapsearch();
    receive = await readReceive();
    ldapts = await readLdapts();
  } else {
    ldapts = await readLdapts();
    receive = await readReceive();
    ldapsearch = await readLdapsearch();
    reader = await readBridge();
  }
  progress(
    `directory read: bridge ${Math.round(reader.ms)} ms (warm ${Math.round(Number(reader.warmMs))} ms), receive only ${Math.round(receive.ms)} ms, ldapts alone ${Math.round(ldapts.ms)} ms, ldapsearch ${Math.round(ldapsearch.ms)} ms`,
  );

  // First sync: its plan on its own, then the whole run.
  await runStep({ step: 'tenant', config: world.configFile, save: files('tenant-before') });
  const planFirst = await runStep({ step: 'plan', config: world.configFile, directory: files('directory'), tenant: files('tenant-before') });
  progress(`plan (first sync): ${Math.round(planFirst.ms)} ms`);
  const first = await sync(input, 'first sync', input.expected.first, base);

  // Steady state: the tenant read and the plan on their own, then the whole run.
  world.emulator.resetStats();
  const tenantRead = await runStep({ step: 'tenant', config: world.configFile, save: files('tenant-synced') });
  const tenantReadServerRequests = world.emulator.stats().total;
  const planSteady = await runStep({ step: 'plan', config: world.configFile, directory: files('directory'), tenant: files('tenant-synced') });
  progress(`tenant read: ${String(tenantRead.requests)} requests in ${Math.round(tenantRead.ms)} ms; plan (steady): ${Math.round(planSteady.ms)} ms`);
  const noChanges: WriteCounts = { createGroups: 0, updateGroups: 0, deleteGroups: 0, createUsers: 0, patchUsers: 0, membershipAdds: 0, membershipRemovals: 0 };
  const steady = await sync(input, 'steady state', noChanges, base);

  // Churn: the directory changes over LDAP, then one run.
  const ldapOperations = await applyChanges(world.slapd.url, world.slapd.rootDn, world.slapd.rootPassword, input.churned, base, input.changes);
  progress(`churn applied to slapd: ${ldapOperations} LDAP operations`);
  const churn = await sync(input, 'churn', input.expected.churn, input.churned);

  return { reader, ldapts, receive, ldapsearch, tenantRead, tenantReadServerRequests, planFirst, planSteady, first, steady, churn, ldapOperations };
}
