// `run`: the scheduled worker (cron from sync.schedule, no overlapping runs, /healthz /readyz
// /metrics, clean stop on SIGTERM).
import { notBuilt } from './not-built.ts';
import type { Command } from './types.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run on the configured schedule (the container worker)',
  usage: 'run --config FILE',
  description: 'Runs on sync.schedule without overlapping runs, serves /healthz, /readyz and /metrics (sync.http), and stops cleanly on SIGTERM.',
  flags: [],
  async run(ctx) {
    await ctx.loadConfig();
    throw notBuilt('run');
  },
};
