// `run`: the scheduled worker (cron from sync.schedule, no overlapping runs, a per-tenant lock,
// /healthz /readyz /metrics, clean stop on SIGTERM). Each tick is one `runOnce` that applies.
import { renderReportMarkdown } from '../render/report.ts';
import { runOnce } from '../runner/run-once.ts';
import { startWorker } from '../runner/worker.ts';
import { prepare } from './sync.ts';
import type { Command } from './types.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run on the configured schedule (the container worker)',
  usage: 'run --config FILE',
  description: 'Runs on sync.schedule without overlapping runs, serves /healthz, /readyz and /metrics (sync.http), and stops cleanly on SIGTERM.',
  flags: [],
  async run(ctx) {
    const { config, logger } = await prepare(ctx);
    const worker = await startWorker({
      config,
      logger,
      renderMarkdown: renderReportMarkdown,
      runOnce: async (signal) => (await runOnce(config, { command: 'run', dryRun: false, logger, signal })).report,
    });
    logger.info({ schedule: config.sync.schedule, timezone: config.sync.timezone, http: worker.server?.url }, 'worker started');
    return worker.done;
  },
};
