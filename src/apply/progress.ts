// Progress of a long apply: counts, rate and ETA. On a TTY a one-line bar redrawn in place;
// otherwise a log line at most every `intervalMs`. Writes at 100/minute make a first sync of
// 20,000 users take hours, so an operator must be able to see where it is.
import type { Logger } from '../log.ts';

export interface ProgressSink {
  start(total: number): void;
  tick(ok: boolean): void;
  finish(): void;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress(options: {
  logger: Logger;
  tty?: { write(text: string): unknown; columns?: number } | undefined;
  intervalMs?: number;
  now?: () => number;
}): ProgressSink {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 15_000;
  let total = 0;
  let done = 0;
  let failed = 0;
  let startedAt = 0;
  let lastReport = 0;

  const eta = (): number => {
    const elapsed = now() - startedAt;
    return done === 0 ? Number.NaN : (elapsed / done) * (total - done);
  };
  const draw = (): void => {
    if (!options.tty) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    options.tty.write(`\r[${bar}] ${done}/${total} writes, ${failed} failed, ETA ${formatDuration(eta())}   `);
  };

  return {
    start(n) {
      total = n;
      startedAt = now();
      lastReport = startedAt;
      if (total > 0) draw();
    },
    tick(ok) {
      done++;
      if (!ok) failed++;
      if (options.tty) {
        draw();
        return;
      }
      const t = now();
      if (t - lastReport >= intervalMs) {
        lastReport = t;
        options.logger.info({ done, total, failed, etaSeconds: Math.round(eta() / 1000) }, `apply progress: ${done}/${total} writes, ETA ${formatDuration(eta())}`);
      }
    },
    finish() {
      if (options.tty && total > 0) options.tty.write('\n');
    },
  };
}
