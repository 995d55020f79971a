// `plan`: read both sides, print the plan, optionally write it as JSON; change nothing.
// With --detailed-exitcode: 0 no changes, 2 changes pending (Terraform's convention).
import { notBuilt } from './not-built.ts';
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
    await ctx.loadConfig();
    throw notBuilt('plan');
  },
};
