// `migrate`: adopt IdP groups into CG- custom groups (roles copied), then a full sync.
import { notBuilt } from './not-built.ts';
import type { Command } from './types.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Adopt IdP groups into CG- custom groups (roles copied), then sync',
  usage: 'migrate --config FILE [--apply]',
  flags: [{ name: 'apply', type: 'boolean', description: 'Make the changes (without it, only the migration plan is printed)' }],
  async run(ctx) {
    await ctx.loadConfig();
    throw notBuilt('migrate');
  },
};
