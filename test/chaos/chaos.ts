// `npm run chaos`: seeded fault-injection scenarios against the real CLI, real slapd and the tenant
// emulator (issue 8). Each seed decides its directory edits and its trouble (scenario.ts); every
// scenario starts from the same baseline, so any failing seed replays alone:
//
//   npm run chaos                       # 50 scenarios, seeds 1..50
//   npm run chaos -- --scenarios 200    # more
//   npm run chaos -- --from 1000        # seeds 1000..1049
//   npm run chaos -- --seed 17          # replay one seed, printing the runs' output
//   npm run chaos -- --kind kill-ldap   # only the seeds of one kind (see scenario.ts KINDS)
//
// Prints one line per scenario and a summary; exits 1 when any scenario broke an invariant.
// The change set and the fault settings replay exactly; where a fault or a kill lands can vary a
// little between replays (concurrent requests, process timing).
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { serverMissing } from '../support/servers.ts';
import { runScenario, type ScenarioResult } from './run-scenario.ts';
import { KINDS, kindOf } from './scenario.ts';
import { startChaosWorld } from './world.ts';

const USAGE = 'usage: npm run chaos -- [--scenarios N] [--from S] [--seed S] [--kind K] [--verbose]';

function seedsFrom(argv: string[]): { seeds: number[]; verbose: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenarios: { type: 'string' },
      from: { type: 'string' },
      seed: { type: 'string' },
      kind: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min} (got ${value})\n${USAGE}`);
    return n;
  };
  if (values.seed !== undefined) return { seeds: [int('seed', values.seed, 0, 0)], verbose: true };
  const from = int('from', values.from, 1, 0);
  const count = int('scenarios', values.scenarios, 50, 1);
  const kind = values.kind;
  if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) throw new Error(`--kind must be one of ${KINDS.join(', ')} (got ${kind})\n${USAGE}`);
  const seeds: number[] = [];
  for (let seed = from; seeds.length < count; seed++) if (kind === undefined || kindOf(seed) === kind) seeds.push(seed);
  return { seeds, verbose: values.verbose === true };
}

function line(r: ScenarioResult): string {
  const t = r.troubled;
  const exit = t.signal ? t.signal : `exit ${t.code}`;
  const how = `${exit}, ${t.writes} writes, ${t.faults} faults${t.note ? `, ${t.note}` : ''}; clean runs ${r.cleanRuns}`;
  return `seed ${String(r.seed).padStart(5)}  ${r.description}  | ${how}  ${r.ok ? 'ok' : 'FAIL'}  ${(r.ms / 1000).toFixed(1)}s`;
}

async function main(argv: string[]): Promise<number> {
  const { seeds, verbose } = seedsFrom(argv);
  const missing = serverMissing('slapd');
  if (missing) {
    console.error(`chaos: ${missing}`);
    return 1;
  }
  const started = performance.now();
  const cw = await startChaosWorld();
  const results: ScenarioResult[] = [];
  try {
    for (const seed of seeds) {
      let result: ScenarioResult;
      try {
        result = await runScenario(cw, seed);
      } catch (error) {
        result = {
          seed,
          kind: kindOf(seed),
          description: `${kindOf(seed).padEnd(12)}  scenario crashed`,
          ok: false,
          problems: [`the scenario itself failed: ${(error as Error).stack ?? String(error)}`],
          troubled: { code: null, signal: null, writes: 0, faults: 0, note: '' },
          cleanRuns: 0,
          ms: 0,
          transcript: '',
        };
      }
      results.push(result);
      console.log(line(result));
      for (const problem of result.problems) console.log(`        ! ${problem}`);
      if ((verbose || !result.ok) && result.transcript) console.log(result.transcript.replace(/^/gm, '        | '));
    }
  } finally {
    await cw.close();
  }

  const failed = results.filter((r) => !r.ok);
  const byKind = new Map<string, { ok: number; failed: number }>();
  for (const r of results) {
    const entry = byKind.get(r.kind) ?? { ok: 0, failed: 0 };
    entry[r.ok ? 'ok' : 'failed']++;
    byKind.set(r.kind, entry);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\n${results.length} scenarios in ${seconds}s: ${results.length - failed.length} passed, ${failed.length} failed`);
  for (const [kind, n] of [...byKind].sort()) console.log(`  ${kind.padEnd(12)} ${n.ok} passed${n.failed ? `, ${n.failed} failed` : ''}`);
  const cleanRuns = [0, 1, 2].map((n) => results.filter((r) => r.ok && r.cleanRuns === n).length);
  console.log(`  converged with 0 / 1 / 2 clean runs: ${cleanRuns.join(' / ')}`);
  if (failed.length > 0) {
    console.log(`\nFailed seeds: ${failed.map((r) => r.seed).join(', ')}`);
    console.log(`Replay one with: npm run chaos -- --seed ${failed[0]!.seed}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`chaos: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
