// Loads the configuration: defaults < YAML file < environment (`QGS_*`) < command line
// (`--set key=value`), driven by the option table. The environment and the overrides are
// arguments, never read from `process`, so every precedence rule is testable. Every problem is
// collected and thrown at once as a ConfigError (exit 78), each naming its key. Every secret is
// registered for scrubbing as soon as it is seen, before any message is made, and every
// message is scrubbed again on the way out: no secret reaches an error or a log line.
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from './types.ts';
import { ConfigError } from '../errors.ts';
import { scrub } from '../log.ts';
import { KEYS, OPTIONS, fileKey, type OptionSpec } from './options.ts';
import { checkRules } from './rules.ts';
import { cliLayer, collector, envLayer, fileLayer, isMapping, registerConfigSecret, registerEntrySecrets, type Collector, type ConfigLayer, type Entry } from './sources.ts';
import { checkValue, fromText, templateFields } from './values.ts';

export type { ConfigLayer } from './sources.ts';

/** Where an option's value came from: `file` with `config.yaml:12`, `env` with the variable, `cli` with `--set`. */
export interface ValueSource {
  layer: ConfigLayer;
  from: string;
}

export interface LoadConfigOptions {
  /** The YAML file; without one, the configuration comes from the environment and overrides only. */
  file?: string;
  env: Record<string, string | undefined>;
  /** Dotted key -> text, from `--set key=value` and dedicated flags (`--log-level`). */
  overrides?: Record<string, string>;
  /** Base of relative paths given in the environment or on the command line (default: process.cwd()). */
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** For every option (by dotted path), where its value came from. */
  sources: Record<string, ValueSource>;
  /** Settings that are allowed but weaken security or have no effect; log them at start. */
  warnings: string[];
  /** The absolute path of the file read, if any. */
  file?: string;
}

/** Reads a `*File` secret: the content without its final line break. Never puts the content in a message. */
async function readSecretFile(entry: Entry, out: Collector): Promise<string | undefined> {
  const where = entry.key.key;
  if (typeof entry.value !== 'string' || entry.value.trim() === '') {
    out.add(where, 'expected the path of a file holding the value', entry.from);
    return undefined;
  }
  const path = resolve(entry.baseDir, entry.value);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    out.add(where, `cannot read ${path}${code === 'ENOENT' ? ': no such file' : code === 'EACCES' ? ': permission denied' : code ? ` (${code})` : ''}`, entry.from);
    return undefined;
  }
  const value = text.replace(/\r?\n$/, '');
  if (entry.key.option.secret) registerConfigSecret(value);
  if (value === '') {
    out.add(where, `${path} is empty`, entry.from);
    return undefined;
  }
  return value;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g;

/** Why a CA bundle cannot be used (no certificate, or one that does not parse); undefined when it can. */
function pemProblem(text: string): string | undefined {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `holds a certificate that cannot be read (the ${ordinal(index + 1)} in the file)`;
    }
  }
  return undefined;
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}

async function checkPath(option: OptionSpec, value: string, entry: Entry, out: Collector): Promise<string | undefined> {
  const path = resolve(entry.baseDir, value);
  if (!option.mustExist) return path;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      out.add(option.path, `${path} is not a file`, entry.from);
      return undefined;
    }
    if (option.pem) {
      const problem = pemProblem(await readFile(path, 'utf8'));
      if (problem) {
        out.add(option.path, `${path} ${problem}`, entry.from);
        return undefined;
      }
    }
    return path;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    out.add(option.path, `${path}${code === 'ENOENT' ? ': no such file' : ` cannot be read (${code ?? 'error'})`}`, entry.from);
    return undefined;
  }
}

/** The typed value of an entry that is not a `*File` reference, or its problems reported. */
function typedValue(option: OptionSpec, entry: Entry, raw: unknown, text: boolean, out: Collector): { ok: true; value: unknown } | { ok: false } {
  let value = raw;
  if (text && typeof value === 'string') {
    const parsed = fromText(option, value);
    if (!parsed.ok) {
      for (const p of parsed.problems) out.add(option.path + p.at, p.message, entry.placeOf?.(p.at) ?? entry.from);
      return { ok: false };
    }
    value = parsed.value;
  }
  const checked = checkValue(option, value);
  if (!checked.ok) {
    for (const p of checked.problems) out.add(option.path + p.at, p.message, entry.placeOf?.(p.at) ?? entry.from);
    return { ok: false };
  }
  return { ok: true, value: checked.value };
}

async function resolveEntry(option: OptionSpec, entry: Entry, out: Collector): Promise<{ value?: unknown; invalid: boolean }> {
  if (entry.broken) return { invalid: true };
  let raw = entry.value;
  let text = entry.text;
  if (entry.key.fromFile) {
    const content = await readSecretFile(entry, out);
    if (content === undefined) return { invalid: true };
    raw = content;
    text = true;
  }
  const checked = typedValue(option, entry, raw, text, out);
  if (!checked.ok) return { invalid: true };
  if (option.type === 'path' && typeof checked.value === 'string') {
    const path = await checkPath(option, checked.value, entry, out);
    return path === undefined ? { invalid: true } : { value: path, invalid: false };
  }
  return { value: checked.value, invalid: false };
}

function setIn(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isMapping(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Adds the user attributes the mapping templates name to `directory.users.attributes` (once, case-insensitively). */
function withMappingAttributes(config: Config): void {
  const user = config.mapping.user;
  const required = user.matchBy === 'email' ? [user.emailAttribute] : templateFields(user.subjectTemplate).fields;
  const wanted = [...required, user.emailAttribute, user.nameAttribute];
  config.directory.users.requiredAttributes = [...new Set(required)];
  const attributes = config.directory.users.attributes;
  const seen = new Set(attributes.map((a) => a.toLowerCase()));
  for (const name of wanted) {
    if (!seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      attributes.push(name);
    }
  }
}

/** Loads, merges and checks the configuration. Throws ConfigError naming every problem. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const out = collector();
  const fail = (): never => {
    const problems = out.problems
      .map((p) => ({ path: scrub(p.path), message: scrub(p.message) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    throw new ConfigError(problems);
  };

  let fileEntries = new Map<string, Entry>();
  let absoluteFile: string | undefined;
  const loaded = options.file === undefined ? undefined : await fileLayer(options.file, cwd, options.env, out);
  if (loaded) {
    fileEntries = loaded.entries;
    absoluteFile = loaded.absolute;
  }
  const layers = [fileEntries, envLayer(options.env, cwd, out), cliLayer(options.overrides ?? {}, cwd, out)];
  for (const layer of layers) registerEntrySecrets(layer.values());
  if (options.file !== undefined && !loaded) {
    // The file could not be read or parsed: what the environment and the command line set is
    // still checked, so one run lists every problem; checks across options need the file.
    for (const layer of layers.slice(1)) for (const entry of layer.values()) if (!entry.key.fromFile && !entry.broken) typedValue(entry.key.option, entry, entry.value, entry.text, out);
    fail();
  }

  // Merge: per option, the highest layer that sets it (either the key or its `*File` sibling) wins.
  const merged = new Map<string, Entry>();
  for (const option of OPTIONS) {
    if (option.default !== undefined) {
      merged.set(option.path, { key: KEYS.get(option.path)!, value: structuredClone(option.default), layer: 'default', from: 'default', baseDir: cwd, text: false });
    }
  }
  const shadowed: Entry[] = [];
  for (const layer of layers) {
    const byOption = new Map<string, Entry[]>();
    for (const entry of layer.values()) byOption.set(entry.key.option.path, [...(byOption.get(entry.key.option.path) ?? []), entry]);
    for (const [path, entries] of byOption) {
      if (entries.length > 1) out.add(path, `give either ${path} or ${fileKey(path)}, not both`, entries.map((e) => e.from).join(', '));
      const previous = merged.get(path);
      if (previous && previous.layer !== 'default') shadowed.push(previous);
      merged.set(path, entries.find((e) => !e.key.fromFile) ?? entries[0]!);
    }
  }
  // A value overridden by a higher layer is still a mistake where it is written: report it too.
  for (const entry of shadowed) {
    if (!entry.key.fromFile && !entry.broken) typedValue(entry.key.option, entry, entry.value, entry.text, out);
  }

  const values = new Map<string, unknown>();
  const invalid = new Set<string>();
  const sources: Record<string, ValueSource> = {};
  for (const option of OPTIONS) {
    const entry = merged.get(option.path);
    if (!entry) {
      if (option.required) out.add(option.path, `required: set ${option.path}${option.example !== undefined ? ` (e.g. ${JSON.stringify(option.example)})` : ''} or ${KEYS.get(option.path)!.env}`);
      continue;
    }
    sources[option.path] = { layer: entry.layer, from: entry.key.fromFile && entry.layer !== 'default' ? `${entry.from} (${entry.key.key})` : entry.from };
    const result = await resolveEntry(option, entry, out);
    if (result.invalid) invalid.add(option.path);
    else values.set(option.path, result.value);
  }

  const rules = checkRules({ get: (path) => values.get(path), invalid: (path) => invalid.has(path) });
  for (const problem of rules.problems) out.add(problem.path, problem.message, sources[problem.path] && sources[problem.path]!.layer !== 'default' ? sources[problem.path]!.from : undefined);
  if (out.problems.length > 0) fail();

  const tree: Record<string, unknown> = {};
  for (const [path, value] of values) setIn(tree, path, value);
  const config = tree as unknown as Config;
  withMappingAttributes(config);
  return { config, sources, warnings: rules.warnings, ...(absoluteFile ? { file: absoluteFile } : {}) };
}
