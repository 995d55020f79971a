// "Did you mean ...?" for mistyped keys, environment variables and enum values: the nearest
// candidate by edit distance, or a candidate whose last segment is the key itself (a key put
// at the wrong level, e.g. `pageSize` instead of `directory.pageSize`).

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1).toLowerCase();
}

/** The best candidate for a mistyped word, or undefined when nothing is close. */
export function suggest(word: string, candidates: Iterable<string>, separator = '.'): string | undefined {
  const list = [...candidates];
  const exact = list.find((c) => c.toLowerCase() === word.toLowerCase());
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 4))) return best;
  // Right key, wrong level: `pageSize` or `directory.groups.pageSize` -> `directory.pageSize`.
  const tail = separator === '.' ? lastSegment(word) : word.toLowerCase();
  const moved = list.filter((c) => lastSegment(c) === tail).sort();
  return moved.length === 1 ? moved[0] : undefined;
}

/** ` (did you mean X?)`, or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>, separator = '.'): string {
  const hit = suggest(word, candidates, separator);
  return hit === undefined ? '' : ` (did you mean ${hit}?)`;
}
