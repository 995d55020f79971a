// `plan`: read both sides, print the plan, optionally write it as JSON; change nothing.
// With --detailed-exitcode: 0 no changes, 2 changes pending (Terraform's convention). A plan the
// safety limits would block exits 3 either way, so a review gate stops on it.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SyncError, describeError } from '../errors.ts';
import { hasChanges } from '../reconcile/plan.ts';
import { renderPlanJson } from '../render/json.ts';
import { prepare, syncCommand } from './sync.ts';
import type { Command } from './types.ts';

export const planCommand: Command = {
  name: 'plan',
  summary: 'Read the directory and the tenant, print what would change; change nothing',
  usage: 'plan --config FILE [--json OUT] [--detailed-exitcode]',
  flags: [
    { name: 'json', type: 'string', value: 'OUT', description: 'Also write the plan as a JSON document to OUT (for `apply --plan`)' },
    { name: 'detailed-exitcode', type: 'boolean', description: 'Exit 2 when there are changes, 0 when there are none' },
  ],
  async run(ctx) {
    const result = await syncCommand(ctx, await prepare(ctx), { command: 'plan', dryRun: true, lockAndReport: false });
    const out = ctx.flags.json;
    if (typeof out === 'string' && result.plan) {
      const path = resolve(ctx.cwd, out);
      try {
        await writeFile(path, renderPlanJson(result.plan, { generatedAt: new Date().toISOString() }), { mode: 0o600 });
      } catch (error) {
        throw new SyncError('PLAN_WRITE', `cannot write the plan to ${path}: ${describeError(error)}`, { cause: error });
      }
      ctx.io.stderr.write(`plan written to ${path}; apply it after review with: apply --plan ${out}\n`);
    }
    if (result.report.outcome === 'failed' || result.report.outcome === 'blocked') return result.exitCode;
    if (ctx.flags['detailed-exitcode'] === true && result.plan && hasChanges(result.plan)) return 2;
    return 0;
  },
};
