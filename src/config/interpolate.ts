// `${VAR}` interpolation of string values in the config file, so one file serves several
// environments and secrets can come from the environment. A variable that is not set is an
// error naming it (a silent empty string would, say, turn a bind password into an anonymous
// bind). `${VAR:-default}` gives a default for unset or empty variables; `$${` is a literal `${`.

export interface Interpolated {
  value: string;
  /** True when at least one `${...}` was replaced. */
  replaced: boolean;
  /** Variables used but not set (without a default). */
  missing: string[];
  /** Malformed references as written (`${a.b}`, or `${...` without its `}`). */
  malformed: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolate(text: string, env: Record<string, string | undefined>): Interpolated {
  let value = '';
  let replaced = false;
  const missing: string[] = [];
  const malformed: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      value += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end === -1) {
      malformed.push(text.slice(i));
      value += text.slice(i);
      break;
    }
    const body = text.slice(i + 2, end);
    const split = body.indexOf(':-');
    const name = split === -1 ? body : body.slice(0, split);
    const fallback = split === -1 ? undefined : body.slice(split + 2);
    if (!NAME.test(name)) {
      malformed.push(text.slice(i, end + 1));
      value += text.slice(i, end + 1);
    } else {
      const found = env[name];
      if (fallback !== undefined && (found === undefined || found === '')) value += fallback;
      else if (found === undefined) missing.push(name);
      else value += found;
      replaced = true;
    }
    i = end + 1;
  }
  return { value, replaced, missing, malformed };
}
