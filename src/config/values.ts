// Checks one option's value against its entry in the option table, and turns the text of an
// environment variable or `--set` into a typed value. Messages say what is expected and, for
// values that are not secret, what was given; a secret's value is never put into a message.
import type { OptionSpec } from './options.ts';
import { didYouMean } from './suggest.ts';

export interface ValueProblem {
  /** Appended to the option's key (`[2].group` for an item of a list), or empty. */
  at: string;
  message: string;
}

export type Checked = { ok: true; value: unknown } | { ok: false; problems: ValueProblem[] };

const fail = (message: string, at = ''): Checked => ({ ok: false, problems: [{ at, message }] });

/** What a value is, for "expected X, got Y" without its content. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

/** `, got "x"` for a value that is not secret (long text cut); `, got text` for a secret. */
export function got(spec: OptionSpec, value: unknown): string {
  if (spec.secret) return `, got ${kindOf(value)}`;
  if (typeof value === 'string') {
    return `, got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `, got ${String(value)}`;
  return `, got ${kindOf(value)}`;
}

function range(spec: OptionSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return ` of at least ${spec.min}`;
  if (spec.max !== undefined) return ` of at most ${spec.max}`;
  return '';
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function schemeList(spec: OptionSpec): string {
  const schemes = (spec.schemes ?? []).map((s) => `${s}//`);
  return schemes.join(' or ') + (spec.loopbackHttp ? ' (http:// only for localhost / 127.0.0.1)' : '');
}

/**
 * A URL's value is never echoed, only its scheme: URLs can carry tokens (chat webhooks, query
 * strings), and a secret pasted into the wrong key must not come back in an error message.
 */
function checkUrl(spec: OptionSpec, value: unknown): string | undefined {
  const expected = `expected a ${schemeList(spec)} URL`;
  if (typeof value !== 'string') return `${expected}, got ${kindOf(value)}`;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return `${expected}, got text that is not a URL`;
  }
  const allowed = spec.schemes?.includes(url.protocol) || (spec.loopbackHttp === true && url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!allowed) return `${expected}, got a${/^[aeiou]/i.test(url.protocol) ? 'n' : ''} ${url.protocol}// URL${url.protocol === 'http:' && spec.loopbackHttp ? ' for a host that is not loopback' : ''}`;
  if (url.username || url.password) return 'must not carry credentials (user:password@); use the dedicated secret options';
  if (!url.hostname) return `${expected} with a host`;
  return undefined;
}

const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;
const PLACEHOLDER = /^[A-Za-z][A-Za-z0-9-]*$/;

/** `{attr}` placeholder names in a template, or a problem with its braces. */
export function templateFields(template: string): { fields: string[]; problem?: string } {
  const fields: string[] = [];
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c === '}') return { fields, problem: 'has a "}" without its "{"' };
    if (c !== '{') {
      i += 1;
      continue;
    }
    const end = template.indexOf('}', i + 1);
    if (end === -1) return { fields, problem: 'has a "{" without its "}"' };
    const name = template.slice(i + 1, end);
    if (!PLACEHOLDER.test(name)) return { fields, problem: `has a placeholder {${name}} that is not an attribute name` };
    fields.push(name);
    i = end + 1;
  }
  return { fields };
}

function filterBalance(filter: string): string | undefined {
  let depth = 0;
  for (const c of filter) {
    if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth < 0) return 'has a ")" without its "(" (escape literal parentheses as \\28 and \\29)';
    }
  }
  return depth === 0 ? undefined : 'has a "(" without its ")"';
}

/** A `/regex/flags` pattern's problem, or undefined for a valid one or a glob. */
export function patternProblem(pattern: string): string | undefined {
  const match = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (!match) return undefined;
  try {
    new RegExp(match[1]!, match[2]);
    return undefined;
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
}

function checkString(spec: OptionSpec, value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected text${got(spec, value)}`;
  if (value.trim() === '') return 'must not be empty (leave the key out to use the default)';
  if (spec.minLength !== undefined && value.length < spec.minLength) return `must be at least ${spec.minLength} characters long`;
  switch (spec.check) {
    case 'dn':
      return value.includes('=') ? undefined : `expected a distinguished name such as "OU=Groups,DC=example,DC=com"${got(spec, value)}`;
    case 'filter': {
      const problem = filterBalance(value);
      return problem ? `LDAP filter ${problem}${got(spec, value)}` : undefined;
    }
    case 'pattern': {
      const problem = patternProblem(value);
      return problem ? `${JSON.stringify(value)} ${problem}` : undefined;
    }
    case 'template': {
      const { fields, problem } = templateFields(value);
      if (problem) return `template ${problem}${got(spec, value)}`;
      if (fields.length === 0) return `template names no attribute (e.g. "{name}"), so every value would be the same${got(spec, value)}`;
      return undefined;
    }
    case 'attribute':
      return ATTRIBUTE.test(value) ? undefined : `expected an LDAP attribute name${got(spec, value)}`;
    default:
      return undefined;
  }
}

const ROLE_RULE_KEYS = ['group', 'roles'];

function checkRoles(value: unknown): Checked {
  if (!Array.isArray(value)) return fail(`expected a list of {group, roles} rules, got ${kindOf(value)}`);
  const problems: ValueProblem[] = [];
  value.forEach((rule: unknown, index) => {
    const at = `[${index}]`;
    if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
      problems.push({ at, message: `expected a mapping {group, roles}, got ${kindOf(rule)}` });
      return;
    }
    const record = rule as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!ROLE_RULE_KEYS.includes(key)) problems.push({ at: `${at}.${key}`, message: `unknown key${didYouMean(key, ROLE_RULE_KEYS)}` });
    }
    const group = record.group;
    if (group === undefined) problems.push({ at: `${at}.group`, message: 'required: a directory group name, glob or /regex/' });
    else if (typeof group !== 'string' || group.trim() === '') problems.push({ at: `${at}.group`, message: `expected a group name, glob or /regex/, got ${kindOf(group)}` });
    else {
      const problem = patternProblem(group);
      if (problem) problems.push({ at: `${at}.group`, message: `${JSON.stringify(group)} ${problem}` });
    }
    const roles = record.roles;
    if (roles === undefined) problems.push({ at: `${at}.roles`, message: 'required: a list of Qlik role names' });
    else if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => typeof r !== 'string' || r.trim() === '')) {
      problems.push({ at: `${at}.roles`, message: `expected a non-empty list of role names such as ["Developer"], got ${!Array.isArray(roles) ? kindOf(roles) : roles.length === 0 ? 'an empty list' : 'a list with empty or non-text entries'}` });
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: (value as { group: string; roles: string[] }[]).map((r) => ({ group: r.group, roles: [...r.roles] })) };
}

/** Checks a typed value (from YAML, or from `fromText`) against the option. */
export function checkValue(spec: OptionSpec, value: unknown): Checked {
  switch (spec.type) {
    case 'string':
    case 'path': {
      const problem = checkString(spec, value);
      return problem ? fail(problem) : { ok: true, value };
    }
    case 'url': {
      const problem = checkUrl(spec, value);
      return problem ? fail(problem) : { ok: true, value: (value as string).trim() };
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`expected an integer${range(spec)}${got(spec, value)}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) return fail(`expected an integer${range(spec)}${got(spec, value)}`);
      return { ok: true, value };
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`expected a number${range(spec)}${got(spec, value)}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) return fail(`expected a number${range(spec)}${got(spec, value)}`);
      return { ok: true, value };
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail(`expected true or false${got(spec, value)}`);
    case 'enum': {
      const values = spec.values ?? [];
      if (typeof value === 'string' && values.includes(value)) return { ok: true, value };
      const hint = typeof value === 'string' && !spec.secret ? didYouMean(value, values) : '';
      return fail(`expected one of ${values.join(', ')}${got(spec, value)}${hint}`);
    }
    case 'string[]':
    case 'url[]': {
      if (!Array.isArray(value)) return fail(`expected a list${spec.type === 'url[]' ? ` of ${schemeList(spec)} URLs` : ''}, got ${kindOf(value)}`);
      const problems: ValueProblem[] = [];
      const out: string[] = [];
      value.forEach((item: unknown, index) => {
        const problem = spec.type === 'url[]' ? checkUrl(spec, item) : checkString(spec, item);
        if (problem) problems.push({ at: `[${index}]`, message: problem });
        else out.push((item as string).trim());
      });
      return problems.length > 0 ? { ok: false, problems } : { ok: true, value: out };
    }
    case 'roles':
      return checkRoles(value);
  }
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/**
 * The typed value of an environment variable or `--set` text (also of a file value that was
 * entirely a `${VAR}`): booleans true/false/yes/no/on/off/1/0, numbers, lists as a JSON array or
 * separated by the option's separator, `mapping.roles` as JSON. The result still goes through
 * `checkValue`.
 */
export function fromText(spec: OptionSpec, text: string): Checked {
  const trimmed = text.trim();
  switch (spec.type) {
    case 'integer':
    case 'number': {
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return fail(`expected ${spec.type === 'integer' ? 'an integer' : 'a number'}${range(spec)}${got(spec, text)}`);
      return { ok: true, value: Number(trimmed) };
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (TRUE.has(lower)) return { ok: true, value: true };
      if (FALSE.has(lower)) return { ok: true, value: false };
      return fail(`expected true or false${got(spec, text)}`);
    }
    case 'string[]':
    case 'url[]': {
      if (trimmed.startsWith('[')) {
        try {
          return { ok: true, value: JSON.parse(trimmed) as unknown };
        } catch {
          return fail(`expected a JSON array or a "${spec.separator ?? ','}"-separated list`);
        }
      }
      return { ok: true, value: trimmed.split(spec.separator ?? ',').map((s) => s.trim()).filter((s) => s !== '') };
    }
    case 'roles':
      try {
        return { ok: true, value: JSON.parse(trimmed) as unknown };
      } catch {
        return fail('expected a JSON array such as [{"group":"Qlik-Admins","roles":["TenantAdmin"]}]');
      }
    default:
      // A secret from a Kubernetes Secret or `$(cat key.txt)`-style tooling often ends in the
      // file's line break; as for `*File` secrets, one trailing line break is not part of it.
      return { ok: true, value: spec.secret ? text.replace(/\r?\n$/, '') : text };
  }
}
