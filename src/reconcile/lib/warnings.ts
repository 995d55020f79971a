// Warnings are part of the plan, so they are sorted and deduplicated like everything else in it,
// and long lists of names are shortened the same way everywhere.
import type { Warning } from '../../directory/snapshot.ts';
import { compareStrings } from './order.ts';

export function warning(code: string, message: string, subject?: string): Warning {
  return subject === undefined ? { code, message } : { code, message, subject };
}

/** Sorted by code, subject, message; exact duplicates dropped. */
export function normaliseWarnings(warnings: readonly Warning[]): Warning[] {
  const seen = new Set<string>();
  const out: Warning[] = [];
  for (const w of warnings) {
    const key = `${w.code}\u0000${w.subject ?? ''}\u0000${w.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(w.subject === undefined ? { code: w.code, message: w.message } : { code: w.code, message: w.message, subject: w.subject });
  }
  return out.sort(
    (a, b) => compareStrings(a.code, b.code) || compareStrings(a.subject ?? '', b.subject ?? '') || compareStrings(a.message, b.message),
  );
}

/** `a, b, c and 7 more` with at most `limit` names shown. */
export function listNames(names: readonly string[], limit = 10): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
