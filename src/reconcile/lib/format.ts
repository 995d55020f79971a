// Numbers in messages and plans, formatted the same on every machine (no locale): 12,345 and 12.5%.

export function count(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `part` as a percentage of `whole`, at most one decimal: 33.3, 20, 0.1. */
export function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.round((part * 1000) / whole) / 10;
}
