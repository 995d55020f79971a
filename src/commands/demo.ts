// `demo` (what `npm start` runs): the emulator in-process, the sample directory in config/demo/,
// one real apply through the production code path, and a summary for newcomers (src/demo/).
import { demoIntro, demoNext, describeTenant, openDemo } from '../demo/demo.ts';
import { syncCommand } from './sync.ts';
import type { Command } from './types.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Plan and apply the sample directory against an in-process tenant emulator',
  usage: 'demo [--changed] [--reset] [--allow-deletes]',
  hidden: true,
  flags: [
    { name: 'changed', type: 'boolean', description: 'Read the changed sample directory (a rename, a removal, a disabled user)' },
    { name: 'reset', type: 'boolean', description: 'Start over with a fresh emulated tenant' },
    { name: 'allow-deletes', type: 'boolean', description: 'Lift the deletion and removal limits for this run' },
  ],
  async run(ctx) {
    const changed = ctx.flags.changed === true;
    const session = await openDemo({ changed, reset: ctx.flags.reset === true, ...(ctx.env.QLIK_GROUP_SYNC_DEMO_DIR ? { stateDir: ctx.env.QLIK_GROUP_SYNC_DEMO_DIR } : {}) });
    try {
      ctx.io.stdout.write(demoIntro(session, changed));
      const result = await syncCommand(ctx, { config: session.config, logger: ctx.logger(session.config) }, { command: 'demo', dryRun: false, allowDeletes: ctx.flags['allow-deletes'] === true, lockAndReport: true });
      if (result.report.outcome === 'failed') return result.exitCode;
      ctx.io.stdout.write(`\n${await describeTenant(session.config)}\n`);
      ctx.io.stdout.write(demoNext(result, changed));
      return result.exitCode;
    } finally {
      await session.close();
    }
  },
};
