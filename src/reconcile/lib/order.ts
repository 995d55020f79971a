// Ordering used everywhere a plan is sorted. Plain code-unit comparison, never localeCompare: the
// same inputs must give byte-identical plans on every machine, whatever its locale or ICU data.
// (`Array.prototype.sort()` without a comparator sorts strings in this same order, and faster:
// lists of plain strings use it.)

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Case-insensitive first, then exact, so `alice` and `Alice` sort together but in a fixed order. */
export function compareFolded(a: string, b: string): number {
  return compareStrings(a.toLowerCase(), b.toLowerCase()) || compareStrings(a, b);
}

/** A sorted copy without duplicates. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  if (left.size !== right.size) return false;
  for (const value of left) if (!right.has(value)) return false;
  return true;
}
