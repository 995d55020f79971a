// Figures as the table shows them: a median over the runs with its spread (min–max), durations,
// memory, counts and ratios formatted one way everywhere.

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: values.length };
}

const group = (n: number): string => Math.round(n).toLocaleString('en-US');

export function count(n: number): string {
  return Number.isFinite(n) ? group(n) : '–';
}

export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 100) return `${s.toFixed(1)} s`;
  return `${Math.round(s)} s`;
}

export function megabytes(kb: number): string {
  return Number.isFinite(kb) ? `${group(kb / 1024)} MB` : '–';
}

export function ratio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : '–';
}

/** A duration in minutes as hours and minutes (`3 h 50 min`, `12 min`, `< 1 min`). */
export function minutes(total: number): string {
  if (!Number.isFinite(total)) return '–';
  if (total === 0) return '0';
  if (total < 1) return '< 1 min';
  const m = Math.round(total);
  const h = Math.floor(m / 60);
  return h === 0 ? `${m} min` : `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `median (min–max)`, or just the value when every run gave the same. */
export function withSpread(values: number[], format: (n: number) => string): string {
  const s = spread(values);
  if (s.runs === 0) return '–';
  const median = format(s.median);
  const low = format(s.min);
  const high = format(s.max);
  if (low === high) return median;
  // One unit for the range: `0.82 s (0.75–1.32 s)`.
  const [, lowNumber = low, lowUnit] = /^(.*\d)(\D*)$/.exec(low) ?? [];
  const [, , highUnit] = /^(.*\d)(\D*)$/.exec(high) ?? [];
  return `${median} (${lowUnit === highUnit ? lowNumber : low}–${high})`;
}
