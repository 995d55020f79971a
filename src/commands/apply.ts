// `apply`: one run (plan, safety checks, apply), or a reviewed plan from `plan --json` that is
// applied only if both sides still match it. Exit 3 when a safety limit blocks the plan.
import { notBuilt } from './not-built.ts';
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
    await ctx.loadConfig();
    throw notBuilt('apply');
  },
};
