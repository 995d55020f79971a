// `apply`: one run (plan, safety checks, apply), or a reviewed plan from `plan --json` that is
// applied only if both sides still match it. Exit 3 when a safety limit blocks the plan, 1 when
// the run failed or some operations failed (the next run retries them), 0 otherwise.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SyncError, describeError } from '../errors.ts';
import { parsePlanDocument } from '../render/json.ts';
import { prepare, syncCommand } from './sync.ts';
import type { Command } from './types.ts';

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Plan, check the safety limits and apply once',
  usage: 'apply --config FILE [--plan PLAN] [--allow-deletes] [--dry-run]',
  flags: [
    { name: 'plan', type: 'string', value: 'PLAN', description: 'Apply this saved plan (from `plan --json`) if both sides still match it' },
    { name: 'allow-deletes', type: 'boolean', description: 'Lift the deletion and removal limits (sync.limits) for this run' },
    { name: 'dry-run', type: 'boolean', description: 'Stop after printing the plan' },
  ],
  async run(ctx) {
    const prepared = await prepare(ctx);
    let savedPlan;
    if (typeof ctx.flags.plan === 'string') {
      const path = resolve(ctx.cwd, ctx.flags.plan);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new SyncError('PLAN_INVALID', `cannot read the plan ${path}: ${describeError(error)}`, { cause: error });
      }
      savedPlan = parsePlanDocument(text).plan;
    }
    const dryRun = ctx.flags['dry-run'] === true;
    const result = await syncCommand(ctx, prepared, {
      command: 'apply',
      dryRun,
      allowDeletes: ctx.flags['allow-deletes'] === true,
      ...(savedPlan ? { savedPlan } : {}),
      lockAndReport: !dryRun,
    });
    return result.exitCode;
  },
};
