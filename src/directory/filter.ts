// LDAP search filter strings (RFC 4515): escaping of values put into a filter, and composition.
// Every value the reader interpolates into a filter (a uid from memberUid, a name from config)
// goes through escapeFilterValue, so `*`, parentheses and backslashes match literally.

/**
 * Escapes a value for use inside an RFC 4515 filter assertion: `\` `*` `(` `)` and NUL become
 * `\5c` `\2a` `\28` `\29` `\00`. Other characters, non-ASCII included, stay as they are (UTF-8).
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const c of value) {
    switch (c) {
      case '\\':
        out += '\\5c';
        break;
      case '*':
        out += '\\2a';
        break;
      case '(':
        out += '\\28';
        break;
      case ')':
        out += '\\29';
        break;
      case '\0':
        out += '\\00';
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** Wraps a bare assertion in parentheses: `objectClass=user` -> `(objectClass=user)`. */
export function parenthesize(filter: string): string {
  const trimmed = filter.trim();
  return trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
}

/** `(&a b ...)`, or the single filter itself. */
export function andFilters(...filters: string[]): string {
  const parts = filters.map(parenthesize);
  return parts.length === 1 ? parts[0]! : `(&${parts.join('')})`;
}

/** `(|a b ...)`, or the single filter itself. */
export function orFilters(...filters: string[]): string {
  const parts = [...new Set(filters.map(parenthesize))];
  return parts.length === 1 ? parts[0]! : `(|${parts.join('')})`;
}

/** `(attribute=value)` with the value escaped. */
export function equalityFilter(attribute: string, value: string): string {
  return `(${attribute}=${escapeFilterValue(value)})`;
}

const ESCAPE_RUN = /(?:\\[0-9a-fA-F]{2})+/g;
const KEEP_ESCAPED = new Set(['\\', '*', '(', ')', '\0']);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Rewrites hex escapes of non-ASCII UTF-8 sequences (`Zo\c3\ab`) as the characters themselves
 * (`Zoë`), leaving every other escape as written. ldapts decodes each `\XX` escape as a separate
 * character and would send `ZoÃ«`; a literal character it encodes correctly as UTF-8.
 */
export function normalizeFilterEscapes(filter: string): string {
  return filter.replace(ESCAPE_RUN, (run) => {
    const bytes = Uint8Array.from(run.slice(1).split('\\'), (pair) => Number.parseInt(pair, 16));
    if (bytes.every((byte) => byte < 0x80)) return run;
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      return run; // not UTF-8 (binary, e.g. an objectGUID assertion): leave it alone
    }
    let out = '';
    for (const c of text) out += KEEP_ESCAPED.has(c) || c.codePointAt(0)! < 0x20 ? `\\${c.codePointAt(0)!.toString(16).padStart(2, '0')}` : c;
    return out;
  });
}
