// `validate`: checks the configuration (every problem at once, exit 78) and prints what was
// loaded, with secrets only as [set] / [not set]. The live checks (both connections, what the
// directory query matches) are not built yet: without --offline the command says so and exits 1.
import { renderConfigSummary } from '../config/summary.ts';
import { notBuilt } from './not-built.ts';
import type { Command } from './types.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check the configuration and both connections; show what the directory query matches',
  usage: 'validate --config FILE [--offline]',
  flags: [{ name: 'offline', type: 'boolean', description: 'Check the configuration only; connect to nothing' }],
  async run(ctx) {
    const loaded = await ctx.loadConfig();
    ctx.io.stdout.write(renderConfigSummary(loaded));
    if (ctx.flags.offline === true) return 0;
    throw notBuilt('validate', 'the configuration is valid, but the live checks (directory and tenant connections) are not built yet (see issue #6/#7); use --offline to check the configuration only');
  },
};
