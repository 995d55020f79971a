// The registered secrets and their scrubbing, apart from the logger (log.ts re-exports them), so
// code that only registers a secret, such as the directory connection, does not need the logging
// library.

export const REDACTED = '[REDACTED]';
const secretValues = new Set<string>();

/** Registers a secret value (password, API key, client secret, token) to be scrubbed everywhere. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 4) {
    // The JSON-escaped forms too (a JSON line, and a JSON text quoted inside a JSON line), so a
    // secret with quotes or backslashes is found wherever it is embedded; and the URL-encoded form.
    let form = value;
    for (let depth = 0; depth < 3; depth++) {
      secretValues.add(form);
      const escaped = JSON.stringify(form).slice(1, -1);
      if (escaped === form) break;
      form = escaped;
    }
    secretValues.add(encodeURIComponent(value));
    ordered = undefined;
  }
}

/** Longest first, so a secret that contains another is removed whole. */
let ordered: string[] | undefined;

/** Removes every registered secret from a text (log line, error message, report). */
export function scrub(text: string): string {
  if (secretValues.size === 0) return text;
  let out = text;
  ordered ??= [...secretValues].sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secretValues.clear();
  ordered = undefined;
}
