// One chaos scenario, start to finish: back to the baseline, the seed's directory edits, one run of
// the real CLI under the seed's trouble (emulator faults, a SIGKILL of the bridge, slapd killed
// mid-read), then clean runs until the tenant equals the oracle (at most two allowed), one more run
// that must write nothing, and the invariants of invariants.ts over the whole scenario.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PREFIX, type CliRun, type World } from '../e2e/harness.ts';
import { freezeProcess, thawProcess, waitFor } from '../support/servers.ts';
import {
  foreignChanges,
  foreignLogEntries,
  identityChanges,
  isOwnedGroup,
  membershipDiff,
  sameMemberships,
  wrongfulRemovals,
  type Memberships,
} from './invariants.ts';
import { describeScenario, planScenario, type Scenario, type ScenarioKind } from './scenario.ts';
import { applyEdit, type ChaosWorld } from './world.ts';

export interface ScenarioResult {
  seed: number;
  kind: ScenarioKind;
  description: string;
  ok: boolean;
  problems: string[];
  /** What the troubled run did: exit, writes the emulator saw, faults it injected, and how the trouble landed. */
  troubled: { code: number | null; signal: string | null; writes: number; faults: number; note: string };
  /** Clean runs it took to converge (0: the troubled run finished the job). */
  cleanRuns: number;
  ms: number;
  /** The outputs of the scenario's runs, for a failure report. */
  transcript: string;
}

/** Longest a single CLI run may take before the scenario calls it hung. */
const RUN_TIMEOUT_MS = 120_000;

interface BridgeRun extends CliRun {
  timedOut: boolean;
}

/** Starts `apply` with a watchdog; `exited()` says whether it has finished. */
function startBridge(world: World): { child: ReturnType<World['spawnCli']>['child']; done: Promise<BridgeRun>; exited: () => boolean } {
  const { child, done } = world.spawnCli(['apply']);
  let finished = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, RUN_TIMEOUT_MS);
  const watched = done.then((run) => {
    finished = true;
    clearTimeout(timer);
    return { ...run, timedOut };
  });
  return { child, done: watched, exited: () => finished };
}

/** True when some socket is connected to 127.0.0.1:`port` from this machine (the bridge reaching slapd). */
function connectedTo(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => {
      const [, , remote, state] = line.trim().split(/\s+/);
      return state === '01' && remote?.endsWith(`:${hex}`) === true;
    });
}

interface Renames {
  renames: Map<string, string>;
  deleted: Set<string>;
}

function renamesOf(scenario: Scenario, prefix: string): Renames {
  const renames = new Map<string, string>();
  const deleted = new Set<string>();
  for (const e of scenario.edits) {
    if (e.op === 'rename') renames.set(`${prefix}${e.group}`, `${prefix}${e.to}`);
    if (e.op === 'delete-group') deleted.add(`${prefix}${e.group}`);
  }
  return { renames, deleted };
}

/** Roughly the write requests the edits call for (for placing a kill point): patched users, created and changed groups, new users. */
function estimateWrites(before: Memberships, after: Memberships, { renames, deleted }: Renames, knownSubjects: Set<string>): number {
  const groupsOf = (map: Memberships, rename: boolean): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    for (const [group, members] of map) {
      if (rename && deleted.has(group)) continue;
      const name = rename ? (renames.get(group) ?? group) : group;
      for (const s of members) out.set(s, new Set([...(out.get(s) ?? []), name]));
    }
    return out;
  };
  const a = groupsOf(before, true);
  const b = groupsOf(after, false);
  const affected = [...new Set([...a.keys(), ...b.keys()])].filter((s) => {
    const x = a.get(s) ?? new Set();
    const y = b.get(s) ?? new Set();
    return x.size !== y.size || [...x].some((g) => !y.has(g));
  }).length;
  const renamedBefore = new Set([...before.keys()].map((g) => renames.get(g) ?? g));
  const newGroups = [...after.keys()].filter((g) => !renamedBefore.has(g)).length;
  const newUsers = new Set([...after.values()].flatMap((m) => [...m]).filter((s) => !knownSubjects.has(s))).size;
  return affected + newGroups + deleted.size + renames.size + newUsers;
}

function describeRun(label: string, run: BridgeRun): string {
  const tail = (text: string): string => text.trim().split('\n').slice(-25).join('\n');
  return `--- ${label}: exit ${run.code}${run.signal ? ` (${run.signal})` : ''}${run.timedOut ? ' TIMED OUT' : ''}\n${tail(run.stdout)}\n${tail(run.stderr)}`.trim();
}

/** Runs the troubled apply of the scenario; returns the run and how the trouble landed. */
async function troubledRun(cw: ChaosWorld, scenario: Scenario, estimate: number): Promise<{ run: BridgeRun; note: string }> {
  const { world } = cw;
  if (scenario.faults) world.emulator.setFaults(scenario.faults);
  try {
    if (scenario.kill) {
      const bridge = startBridge(world);
      let note: string;
      if (scenario.kill.after === 'writes') {
        const target = Math.max(1, Math.round(scenario.kill.fraction * estimate));
        while (!bridge.exited() && world.emulator.stats().writes < target) await sleep(2);
        note = `kill point: ${target} of ~${estimate} writes`;
      } else {
        await Promise.race([bridge.done, sleep(scenario.kill.ms)]);
        note = `kill point: ${scenario.kill.ms} ms`;
      }
      if (bridge.exited()) note += ', finished before it';
      else bridge.child.kill('SIGKILL');
      return { run: await bridge.done, note };
    }
    if (scenario.ldapKill) {
      const { slapd } = world;
      const pid = slapd.pid;
      if (!(pid > 0)) throw new Error('slapd is not running'); // never signal pid -1 (every process)
      await freezeProcess(pid);
      const bridge = startBridge(world);
      let note = '';
      try {
        await waitFor('the bridge to connect to slapd', () => bridge.exited() || connectedTo(slapd.ldapsPort ?? slapd.port), { timeoutMs: 20_000, intervalMs: 2 });
        if (bridge.exited()) note = 'the bridge ended before connecting';
        if (scenario.ldapKill.when === 'mid-read') {
          thawProcess(pid);
          await sleep(scenario.ldapKill.ms);
        }
      } finally {
        await slapd.kill();
      }
      const run = await bridge.done;
      await slapd.restart();
      return { run, note: note || `exit ${run.code} after slapd died` };
    }
    const bridge = startBridge(world);
    return { run: await bridge.done, note: '' };
  } finally {
    world.emulator.clearFaults();
  }
}

/** What the troubled run's exit says, checked against the scenario kind. */
function checkTroubled(scenario: Scenario, run: BridgeRun, writes: number, converged: boolean): string[] {
  const problems: string[] = [];
  if (run.timedOut) return [`the troubled run hung (killed after ${RUN_TIMEOUT_MS} ms)`];
  if (run.code === 0 && !converged) problems.push('the troubled run exited 0 but the tenant does not equal the directory');
  if (scenario.kill) {
    if (run.signal !== 'SIGKILL' && run.code !== 0) problems.push(`the run to be killed exited ${run.code} on its own`);
    return problems;
  }
  if (run.code !== 0 && run.code !== 1) problems.push(`the troubled run exited ${run.code}${run.code === 3 ? ' (blocked: a partial read reached the safety checks?)' : ''}`);
  if (scenario.ldapKill && run.code === 1) {
    if (writes > 0) problems.push(`the directory read failed but ${writes} write requests were made`);
    if (!/\(DIRECTORY_[A-Z_]+\)/.test(run.stdout)) problems.push('the directory read failed without a DIRECTORY_ error code in the output');
  }
  return problems;
}

export async function runScenario(cw: ChaosWorld, seed: number): Promise<ScenarioResult> {
  const started = performance.now();
  const { world } = cw;
  await cw.reset();
  const scenario = planScenario(seed, cw.model);
  const client = await world.ldap();
  try {
    for (const e of scenario.edits) await applyEdit(client, e);
  } finally {
    await client.unbind();
  }
  const after = await world.expected();
  const start = cw.state();
  const logStart = world.emulator.membershipLog().at(-1)?.seq ?? 0;
  const renames = renamesOf(scenario, PREFIX);
  const estimate = estimateWrites(cw.baseline, after, renames, new Set(start.users.map((u) => u.subject)));
  const transcript: string[] = [];
  const problems: string[] = [];

  world.emulator.resetStats();
  const { run, note } = await troubledRun(cw, scenario, estimate);
  const stats = world.emulator.stats();
  // A slow answer the bridge gave up on (or was killed waiting for) still lands later; let it land
  // before the clean runs, which are judged on their own (a production run comes much later).
  if (scenario.faults?.kinds.includes('slow')) await sleep(scenario.faults.slowMs ?? 1_000);
  transcript.push(describeRun('troubled run', run));
  problems.push(...checkTroubled(scenario, run, stats.writes, sameMemberships(cw.owned(), after)));

  let cleanRuns = 0;
  while (!sameMemberships(cw.owned(), after) && cleanRuns < 2) {
    cleanRuns++;
    const clean = await startBridge(world).done;
    transcript.push(describeRun(`clean run ${cleanRuns}`, clean));
    if (clean.code !== 0) problems.push(`clean run ${cleanRuns} exited ${clean.code}`);
  }
  if (!sameMemberships(cw.owned(), after)) problems.push(`not converged after 2 clean runs: ${membershipDiff(cw.owned(), after).join('; ')}`);
  world.emulator.resetStats();
  const last = await startBridge(world).done;
  transcript.push(describeRun('final run', last));
  const lastWrites = world.emulator.stats().writes;
  if (last.code !== 0 || lastWrites !== 0) problems.push(`the run after convergence exited ${last.code} with ${lastWrites} write requests (expected 0 and 0)`);

  const end = cw.state();
  const log = world.emulator.membershipLog(logStart);
  const ownedCount = end.groups.filter(isOwnedGroup).length;
  if (ownedCount !== cw.owned().size) problems.push(`${ownedCount} owned groups for ${cw.owned().size} names: duplicates`);
  problems.push(
    ...wrongfulRemovals(log, { before: cw.baseline, after, start, end }),
    ...foreignLogEntries(log, start, end),
    ...foreignChanges(start, end),
    ...identityChanges(start, end, renames.renames, renames.deleted),
  );

  return {
    seed,
    kind: scenario.kind,
    description: describeScenario(scenario),
    ok: problems.length === 0,
    problems,
    troubled: { code: run.code, signal: run.signal, writes: stats.writes, faults: stats.faultsInjected, note },
    cleanRuns,
    ms: Math.round(performance.now() - started),
    transcript: transcript.join('\n'),
  };
}
