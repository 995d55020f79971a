// What `/readyz` answers: whether the worker is doing its job. Not "is the process up" (that is
// `/healthz`) but "have runs been succeeding": unready after N failed runs in a row, or when no run
// succeeded for N schedule intervals (a run stuck forever, a lock never free, a schedule that never
// fires). Pure: the state and the clock come in, so tests need no waiting.
import type { RunOutcome } from './report.ts';

/** Outcomes that count as the bridge doing its job. `partial`, `blocked` and `failed` do not. */
export const SUCCESS_OUTCOMES: ReadonlySet<RunOutcome> = new Set<RunOutcome>(['no-changes', 'dry-run', 'applied']);

export interface RunState {
  /** When the worker started (ms): the age of "no success yet" counts from here. */
  since: number;
  running: boolean;
  lastRunAt?: number;
  lastOutcome?: RunOutcome;
  lastSuccessAt?: number;
  /** Runs in a row that did not succeed. */
  consecutiveFailures: number;
}

export interface Readiness {
  ready: boolean;
  reason: string;
  running: boolean;
  lastOutcome: RunOutcome | null;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  /** How long without a success is tolerated. */
  maxAgeMs: number;
  /** Time since the last success (or since start, before the first one). */
  ageMs: number;
}

export function assessReadiness(state: RunState, options: { now: number; intervalMs: number; intervals: number }): Readiness {
  const intervals = Math.max(1, options.intervals);
  const maxAgeMs = intervals * options.intervalMs;
  const ageMs = Math.max(0, options.now - (state.lastSuccessAt ?? state.since));
  const base = {
    running: state.running,
    lastOutcome: state.lastOutcome ?? null,
    lastRunAt: state.lastRunAt === undefined ? null : new Date(state.lastRunAt).toISOString(),
    lastSuccessAt: state.lastSuccessAt === undefined ? null : new Date(state.lastSuccessAt).toISOString(),
    consecutiveFailures: state.consecutiveFailures,
    maxAgeMs,
    ageMs,
  };
  if (state.consecutiveFailures >= intervals) {
    return { ready: false, reason: `the last ${state.consecutiveFailures} runs did not succeed (last: ${state.lastOutcome ?? 'unknown'})`, ...base };
  }
  if (ageMs > maxAgeMs) {
    const what = state.lastSuccessAt === undefined ? 'no run has succeeded since the worker started' : 'the last successful run finished';
    return { ready: false, reason: `${what} ${formatAge(ageMs)} ago; allowed: ${intervals} interval(s) of ${formatAge(options.intervalMs)}`, ...base };
  }
  return { ready: true, reason: state.lastOutcome === undefined ? 'waiting for the first run' : `last run: ${state.lastOutcome}`, ...base };
}

function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m}m`;
  return `${Math.round(m / 60)}h`;
}
