// The sources a configuration is read from, each turned into entries (key, value, where it
// came from): the YAML file (with `${VAR}` interpolation and line numbers for messages), the
// `QGS_*` environment, and `--set` overrides. Unknown keys are reported here with a suggestion;
// secrets are registered for scrubbing the moment they are read, before any message is made.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { ConfigProblem } from '../errors.ts';
import { registerSecret } from '../log.ts';
import { interpolate } from './interpolate.ts';
import { CONFIG_ENV, ENV_PREFIX, KEYS, KEYS_BY_ENV, OBJECT_PATHS, type KeySpec } from './options.ts';
import { didYouMean, suggest } from './suggest.ts';

export type ConfigLayer = 'default' | 'file' | 'env' | 'cli';

/** One value a source gave for a key. */
export interface Entry {
  key: KeySpec;
  value: unknown;
  layer: ConfigLayer;
  from: string;
  /** Relative paths are resolved against this folder (the config file's for file values). */
  baseDir: string;
  /** The value is text to parse by type (environment, `--set`, or a file value that was a `${VAR}`). */
  text: boolean;
  /** A `${VAR}` in it could not be replaced (already reported): the value is not checked further. */
  broken?: boolean;
  /**
   * Where a part of the value is, for a problem found in it (`at`: `[2]`, `[1].roles`, as the
   * value checks name it); `from` when the source has no finer places (environment, `--set`).
   */
  placeOf?: (at: string) => string;
}

export interface Collector {
  problems: ConfigProblem[];
  add(path: string, message: string, from?: string): void;
}

export function collector(): Collector {
  const problems: ConfigProblem[] = [];
  return {
    problems,
    add(path, message, from) {
      problems.push({ path, message: from ? `${message} (${from})` : message });
    },
  };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Registers a configured secret for scrubbing. Its JSON-escaped form is registered as a secret of
 * its own too, so log.ts also scrubs the doubly escaped form a secret takes when JSON text holding
 * it (a request body, a `%j` argument) is itself logged as a JSON string.
 */
export function registerConfigSecret(value: string): void {
  registerSecret(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) registerSecret(escaped);
}

/** Registers a secret given under a mistyped key too (`tenant.apikey`), if the typo is of a secret. */
function registerIfSecretTypo(path: string, value: unknown): void {
  const near = suggest(path, KEYS.keys());
  if (near && KEYS.get(near)?.option.secret && typeof value === 'string') registerConfigSecret(value);
}

export function registerEntrySecrets(entries: Iterable<Entry>): void {
  for (const entry of entries) {
    if (entry.key.option.secret && !entry.key.fromFile && typeof entry.value === 'string') {
      registerConfigSecret(entry.value);
      // And as used: fromText drops a trailing line break from a secret.
      const bare = entry.value.replace(/\r?\n$/, '');
      if (bare !== entry.value) registerConfigSecret(bare);
    }
  }
}

// ---------------------------------------------------------------- file layer

interface FileContext {
  doc: Document;
  lines: LineCounter;
  display: string;
  baseDir: string;
  env: Record<string, string | undefined>;
  out: Collector;
  entries: Map<string, Entry>;
}

/** Where the node at `segments` starts in the file; undefined when the file has no such node. */
function offsetOf(ctx: FileContext, segments: (string | number)[]): number | undefined {
  return (ctx.doc.getIn(segments, true) as { range?: [number, number, number] } | undefined)?.range?.[0];
}

function placeAt(ctx: FileContext, offset: number | undefined): string {
  return offset === undefined ? ctx.display : `${ctx.display}:${ctx.lines.linePos(offset).line}`;
}

function lineOf(ctx: FileContext, segments: (string | number)[]): string {
  return placeAt(ctx, offsetOf(ctx, segments));
}

/** The line of a key itself (its value may start lines below it: a nested mapping, a block list). */
function keyLineOf(ctx: FileContext, segments: (string | number)[]): string {
  const parent = segments.length === 1 ? ctx.doc.contents : ctx.doc.getIn(segments.slice(0, -1), true);
  const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === segments.at(-1)) : undefined;
  return placeAt(ctx, (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0] ?? offsetOf(ctx, segments));
}

/** `[2].roles` -> [2, 'roles']: a value check's place inside an option, as YAML path segments. */
function segmentsOf(at: string): (string | number)[] {
  return [...at.matchAll(/\[(\d+)\]|\.([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[2]!));
}

/** `${VAR}` in every string of a value (lists and role rules included). */
function interpolateValue(ctx: FileContext, key: KeySpec, value: unknown, segments: (string | number)[]): { value: unknown; whole: boolean; broken: boolean } {
  let whole = false;
  let broken = false;
  const visit = (node: unknown, at: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const result = interpolate(node, ctx.env);
      if (at.length === segments.length && result.replaced) whole = true;
      if (result.missing.length > 0 || result.malformed.length > 0) broken = true;
      const path = at.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').slice(1);
      for (const name of result.missing) ctx.out.add(path, `environment variable ${name} is not set (used as \${${name}})`, lineOf(ctx, at));
      for (const reference of result.malformed) {
        const shown = key.option.secret ? 'a "${" reference' : JSON.stringify(reference);
        ctx.out.add(path, `${shown} is not \${NAME} or \${NAME:-default} (NAME: letters, digits, _); write "$\${" for a literal "\${"`, lineOf(ctx, at));
      }
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...at, i]));
    if (isMapping(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, [...at, k])]));
    return node;
  };
  const out = visit(value, segments);
  return { value: out, whole, broken };
}

/**
 * DNs in a flow list without quotes (`[OU=Groups,DC=example,DC=com]`): YAML starts a new item at
 * every comma, so one DN becomes several one-RDN DNs, each valid alone, and the read would search
 * DC=com. Reported (true) when such a list has two or more plain `attr=value` items; quoting the
 * DNs, or one `- ` item each, is how to say several one-RDN DNs are meant.
 */
function splitDns(ctx: FileContext, key: KeySpec, path: string, at: string[]): boolean {
  if (key.option.check !== 'dn' || key.option.type !== 'string[]') return false;
  const node = ctx.doc.getIn(at, true);
  if (!isSeq(node) || !node.flow || node.items.length < 2) return false;
  const plain = node.items.every((item) => isScalar(item) && item.type === 'PLAIN' && /^\s*[\w.-]+\s*=/.test(String(item.value)));
  if (!plain) return false;
  const items = node.items.map((item) => String((item as { value: unknown }).value));
  ctx.out.add(
    path,
    `${items.length} DNs of one RDN each (${items.join(' | ')}): YAML starts a new item at every comma of [${items.join(',')}] without quotes; ` +
      `quote each DN, ["${items.join(',')}"], or write one "- " item per DN`,
    keyLineOf(ctx, at),
  );
  return true;
}

function walkFile(ctx: FileContext, node: Record<string, unknown>, segments: string[]): void {
  for (const [name, value] of Object.entries(node)) {
    const at = [...segments, name];
    const path = at.join('.');
    if (value === null || value === undefined) continue; // `key:` with nothing: not set
    const key = KEYS.get(path);
    if (key) {
      const { value: interpolated, whole, broken: unreplaced } = interpolateValue(ctx, key, value, at);
      const broken = unreplaced || splitDns(ctx, key, path, at);
      ctx.entries.set(path, {
        key,
        value: interpolated,
        layer: 'file',
        from: keyLineOf(ctx, at),
        baseDir: ctx.baseDir,
        text: whole && !key.fromFile,
        broken,
        placeOf: (inner) => {
          // The innermost part that is in the file (a missing `group:` is placed at its rule).
          const parts = segmentsOf(inner);
          for (let n = parts.length; n > 0; n--) {
            const offset = offsetOf(ctx, [...at, ...parts.slice(0, n)]);
            if (offset !== undefined) return placeAt(ctx, offset);
          }
          return keyLineOf(ctx, at);
        },
      });
      continue;
    }
    if (OBJECT_PATHS.has(path)) {
      if (isMapping(value)) walkFile(ctx, value, at);
      else {
        const children = [...new Set([...KEYS.keys(), ...OBJECT_PATHS].filter((k) => k.startsWith(`${path}.`)).map((k) => k.slice(path.length + 1).split('.')[0]))].sort();
        ctx.out.add(path, `expected a mapping with keys such as ${children.slice(0, 4).join(', ')}, got ${Array.isArray(value) ? 'a list' : 'a single value'}`, keyLineOf(ctx, at));
      }
      continue;
    }
    registerIfSecretTypo(path, value);
    ctx.out.add(path, `unknown key${didYouMean(path, [...KEYS.keys(), ...OBJECT_PATHS])}`, keyLineOf(ctx, at));
  }
}

/**
 * Errors whose yaml message quotes source text without a ": " before it (`Invalid escape sequence
 * \Users2024` from `"Qk\Users2024!"`, `Unsupported YAML version ...`), or passes on a tag
 * resolver's own message: said in our words.
 */
const FIXED_YAML_MESSAGES: Readonly<Record<string, string>> = {
  BAD_DQ_ESCAPE: 'Invalid escape sequence in a double-quoted value (single-quote a value that holds backslashes)',
  TAG_RESOLVE_FAILED: 'a value that does not fit its tag (!!...)',
  BAD_DIRECTIVE: 'a bad % directive (%YAML 1.2 or %TAG only)',
};

/**
 * yaml's message without the source text it may quote: the first line only, cut before the ": "
 * that introduces a quoted token (`Block scalar header includes extra characters: |s3cret`,
 * `Unresolved alias ...: s3cret`), or our own words for the codes that quote it otherwise. The
 * line and column still say where.
 */
export function yamlMessage(message: string, code?: string): string {
  const fixed = code === undefined ? undefined : FIXED_YAML_MESSAGES[code];
  if (fixed !== undefined) return fixed;
  const first = message.split('\n')[0]!;
  const colon = first.indexOf(': ');
  return colon === -1 ? first : first.slice(0, colon);
}

export async function fileLayer(file: string, cwd: string, env: Record<string, string | undefined>, out: Collector): Promise<{ entries: Map<string, Entry>; absolute: string } | undefined> {
  const absolute = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    out.add(file, `cannot read the config file${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`);
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = lines.linePos(error.pos[0]);
      out.add(`${file}:${line}:${col}`, `YAML: ${yamlMessage(error.message, error.code)}`);
    }
    return undefined;
  }
  // An alias with no anchor before it fails only in toJS, whose message names the alias (which may
  // be a mistyped secret such as `bindPassword: *x`); found here first so the problem has a line.
  let unresolved = false;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return;
      unresolved = true;
      const { line, col } = lines.linePos(node.range?.[0] ?? 0);
      out.add(`${file}:${line}:${col}`, 'YAML: an alias (*name) with no anchor (&name) before it; quote the value if "*" is part of it');
    },
  });
  if (unresolved) return undefined;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    out.add(file, `YAML: ${yamlMessage((error as Error).message, typeof code === 'string' ? code : undefined)}`);
    return undefined;
  }
  const entries = new Map<string, Entry>();
  if (data === null || data === undefined) return { entries, absolute };
  if (!isMapping(data)) {
    out.add(file, `expected a mapping with the keys directory, tenant, mapping, sync, logging; got ${Array.isArray(data) ? 'a list' : 'a single value'}`);
    return undefined;
  }
  walkFile({ doc, lines, display: file, baseDir: dirname(absolute), env, out, entries }, data, []);
  return { entries, absolute };
}

// ---------------------------------------------------------------- environment and command line

export function envLayer(env: Record<string, string | undefined>, cwd: string, out: Collector): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(ENV_PREFIX) || name === CONFIG_ENV || raw === undefined) continue;
    const key = KEYS_BY_ENV.get(name);
    if (!key) {
      const near = suggest(name, KEYS_BY_ENV.keys(), '_');
      if (near && KEYS_BY_ENV.get(near)?.option.secret) registerConfigSecret(raw);
      out.add(name, `unknown environment variable${near ? ` (did you mean ${near}?)` : ''}`);
      continue;
    }
    if (raw === '') continue; // set but empty: treated as unset (`docker run --env-file` with `X=`)
    entries.set(key.key, { key, value: raw, layer: 'env', from: name, baseDir: cwd, text: !key.fromFile });
  }
  return entries;
}

export function cliLayer(overrides: Record<string, string>, cwd: string, out: Collector): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [path, raw] of Object.entries(overrides)) {
    const key = KEYS.get(path);
    if (!key) {
      registerIfSecretTypo(path, raw);
      out.add(path, `unknown option${didYouMean(path, KEYS.keys())}`, '--set');
      continue;
    }
    entries.set(key.key, { key, value: raw, layer: 'cli', from: '--set', baseDir: cwd, text: !key.fromFile });
  }
  return entries;
}
