// `healthcheck` (hidden): the container image's HEALTHCHECK. GETs the `run` worker's own
// /healthz on loopback (no curl in a distroless image) and exits 0 when it answers 2xx.
import { healthcheck, healthcheckUrl } from '../runner/healthcheck.ts';
import type { Command } from './types.ts';

export const healthcheckCommand: Command = {
  name: 'healthcheck',
  summary: "Probe the running worker's /healthz (the image's HEALTHCHECK)",
  usage: 'healthcheck --config FILE [--timeout-ms N]',
  hidden: true,
  flags: [{ name: 'timeout-ms', type: 'string', value: 'N', description: 'Give up after N milliseconds (default 3000)' }],
  async run(ctx) {
    const { config } = await ctx.loadConfig();
    if (!config.sync.http.enabled) {
      ctx.io.stderr.write('healthcheck: sync.http.enabled is false, so the worker serves no /healthz to probe\n');
      return 1;
    }
    const raw = ctx.flags['timeout-ms'];
    const timeoutMs = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : 3_000;
    return healthcheck(healthcheckUrl(config.sync.http), timeoutMs, ctx.io.stderr);
  },
};
