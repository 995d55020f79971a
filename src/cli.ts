#!/usr/bin/env node
// The `qlik-group-sync` command line: argv -> command -> exit code. `main` takes the arguments,
// the environment and the output streams as parameters and returns the exit code, so it is
// tested without spawning; only the entry point at the bottom touches `process`. Usage mistakes
// exit 1 with a hint and no stack trace; any error becomes one scrubbed `error: ...` line and its
// exit code comes from the one mapping in errors.ts.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, type LoadedConfig } from './config/load.ts';
import { CONFIG_ENV, KEYS, optionFor } from './config/options.ts';
import { didYouMean } from './config/suggest.ts';
import type { Config } from './config/types.ts';
import { COMMANDS, findCommand, type CliIo, type Command, type CommandContext, type FlagSpec, type FlagValues } from './commands/index.ts';
import { GLOBAL_FLAGS, renderCommandHelp, renderMainHelp, versionText } from './commands/help.ts';
import { ConfigError, SyncError, describeError, exitCodeFor, EXIT } from './errors.ts';
import { createLogger, scrub, type LogFormat, type Logger } from './log.ts';
import { PRODUCT } from './version.ts';

type LevelName = Config['logging']['level'];

function usageError(message: string): SyncError {
  return new SyncError('USAGE', message);
}

/** Finds the command name: the first argument that is neither a flag nor a global flag's value. */
function locateCommand(argv: string[]): { name?: string; index: number } {
  const takesValue = new Set(GLOBAL_FLAGS.filter((f) => f.type === 'string').flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (takesValue.has(arg)) i += 1;
      continue;
    }
    return { name: arg, index: i };
  }
  return { index: -1 };
}

function parseFlags(args: string[], flags: FlagSpec[], command: string): FlagValues {
  const options = Object.fromEntries(
    flags.map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]),
  );
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (error) {
    const message = (error as Error).message;
    const code = (error as { code?: string }).code;
    const flag = /'(?:-\w, )?(-[^' ]*)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
      throw usageError(`unknown flag ${flag} for ${command}${didYouMean(flag.replace(/^-+/, ''), flags.map((f) => f.name)).replace(/did you mean (\S+)\?/, 'did you mean --$1?')}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      // The whole argument, quotes inside it included (`P@ss'w0rd`).
      const value = /^Unexpected argument '(.*)'\. This command/s.exec(message)?.[1] ?? message.match(/'([^']*)'/)?.[1] ?? '';
      // Not echoed when it may be a value given with a space (`--set tenant.apiKey SECRET`), holds
      // "=" or is long enough to be a key or token.
      if (followsSpacedSet(args, args.indexOf(value))) throw usageError(`unexpected argument for ${command} after --set: write --set KEY=VALUE, with "=" and no space`);
      if (mayHoldSecret(value)) throw usageError(`unexpected argument for ${command} (${value.length} characters, not shown)`);
      throw usageError(`unexpected argument for ${command}: ${value}`.trim());
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) throw usageError(`${flag} ${/argument missing/.test(message) ? 'needs a value' : 'does not take a value'}`);
    throw usageError(message.split('.')[0] ?? message);
  }
}

/**
 * Whether `args[at]` may be the value of a `--set` written with a space: `--set KEY VALUE` or
 * `--set=KEY VALUE`. Such a value may be a secret, and the word before it too, so neither is echoed.
 */
function followsSpacedSet(args: readonly string[], at: number): boolean {
  const before = args[at - 1];
  if (at < 1 || before === undefined) return false;
  // `KEY` or `KEY=` (a space after the "=", as shells write `KEY= value`).
  const keyOnly = (item: string): boolean => !item.includes('=') || item.indexOf('=') === item.length - 1;
  if (before.startsWith('--set=')) return keyOnly(before.slice('--set='.length));
  return at >= 2 && args[at - 2] === '--set' && keyOnly(before);
}

/** An argument that may hold a secret (a `--set` item, a key or token in the wrong place): never echoed. */
function mayHoldSecret(word: string): boolean {
  return word.length > 32 || word.includes('=');
}

/** `unknown command "word"` with a suggestion from `names`, or only its length when it may hold a secret. */
function unknownCommand(word: string, names: string[]): SyncError {
  if (mayHoldSecret(word)) return usageError(`unknown command (${word.length} characters, not shown)`);
  return usageError(`unknown command "${word}"${didYouMean(word, names)}`);
}

/** `--set k=v` (repeatable) and the dedicated logging flags, as loader overrides. */
function overridesFrom(flags: FlagValues): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const item of (flags.set as string[] | undefined) ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) {
      // Only a known key is echoed: a mistyped `--set tenant.apiKey:SECRET`, or a key pasted
      // without its name, must not be printed.
      const key = /^[\w.-]*/.exec(item)![0];
      const shown = KEYS.has(key) ? `"${key}${key.length < item.length ? '...' : ''}"` : 'text that names no option';
      throw usageError(`--set expects KEY=VALUE, e.g. --set directory.pageSize=200; got ${shown}`);
    }
    overrides[item.slice(0, at).trim()] = item.slice(at + 1);
  }
  for (const [flag, key] of [['log-level', 'logging.level'], ['log-format', 'logging.format']] as const) {
    const value = flags[flag];
    if (typeof value !== 'string') continue;
    const allowed = optionFor(key)?.values ?? [];
    if (!allowed.includes(value)) throw usageError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"${didYouMean(value, allowed)}`);
    overrides[key] = value;
  }
  return overrides;
}

function pick<T extends string>(allowed: readonly string[] | undefined, ...candidates: (string | undefined)[]): T | undefined {
  return candidates.find((c): c is T => c !== undefined && (allowed ?? []).includes(c));
}

export interface MainOptions {
  cwd?: string;
}

/** Runs the CLI. Returns the exit code; never throws. */
export async function main(argv: string[], env: Record<string, string | undefined>, io: CliIo, options: MainOptions = {}): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  let command: Command | undefined;
  let flags: FlagValues = {};
  try {
    const located = locateCommand(argv);
    if (located.name === undefined) {
      const globals = parseFlags(argv, GLOBAL_FLAGS, PRODUCT);
      if (globals.version) {
        io.stdout.write(versionText());
        return EXIT.ok;
      }
      if (globals.help) {
        io.stdout.write(renderMainHelp(COMMANDS));
        return EXIT.ok;
      }
      io.stderr.write(renderMainHelp(COMMANDS));
      throw usageError('no command given');
    }
    if (located.name === 'help') {
      const topic = argv[located.index + 1];
      const target = topic === undefined ? undefined : findCommand(topic);
      if (topic !== undefined && !target) throw unknownCommand(topic, COMMANDS.map((c) => c.name));
      io.stdout.write(target ? renderCommandHelp(target) : renderMainHelp(COMMANDS));
      return EXIT.ok;
    }
    command = findCommand(located.name);
    if (!command) {
      // Not echoed when it may be the value of a `--set` written with a space (`--set KEY VALUE`,
      // `--set=KEY VALUE`), nor the word before it; nor when it holds "=" or is long enough to be
      // a key or token pasted in the wrong place.
      if (followsSpacedSet(argv, located.index)) throw usageError('unexpected argument after --set: write --set KEY=VALUE, with "=" and no space');
      throw unknownCommand(located.name, COMMANDS.filter((c) => !c.hidden).map((c) => c.name));
    }

    const before = argv.slice(0, located.index);
    const after = argv.slice(located.index + 1);
    if (command.ownArgs) {
      flags = parseFlags(before, GLOBAL_FLAGS, command.name);
    } else {
      flags = parseFlags([...before, ...after], [...GLOBAL_FLAGS, ...command.flags], command.name);
      if (flags.help) {
        io.stdout.write(renderCommandHelp(command));
        return EXIT.ok;
      }
    }
    if (flags.version) {
      io.stdout.write(versionText());
      return EXIT.ok;
    }
    const overrides = overridesFrom(flags);
    let loading: Promise<LoadedConfig> | undefined;
    const file = typeof flags.config === 'string' ? flags.config : env[CONFIG_ENV] || undefined;
    const levels = optionFor('logging.level')?.values;
    const formats = optionFor('logging.format')?.values;
    const ctx: CommandContext = {
      command: command.name,
      flags,
      positionals: [],
      rawArgs: after,
      env,
      io,
      cwd,
      loadConfig: () => (loading ??= loadConfig({ ...(file !== undefined ? { file } : {}), env, overrides, cwd })),
      logger: (config?: Config): Logger =>
        createLogger({
          level: config?.logging.level ?? pick<LevelName>(levels, overrides['logging.level'], env.QGS_LOGGING_LEVEL) ?? 'info',
          format: config?.logging.format ?? pick<LogFormat>(formats, overrides['logging.format'], env.QGS_LOGGING_FORMAT) ?? 'auto',
          destination: io.stderr,
        }),
    };
    return await command.run(ctx);
  } catch (error) {
    io.stderr.write(`error: ${scrub(describeError(error))}\n`);
    if (error instanceof ConfigError && typeof flags.config !== 'string' && !env[CONFIG_ENV]) {
      io.stderr.write(`No configuration file was given: use --config FILE or set ${CONFIG_ENV}.\n`);
    }
    if (error instanceof SyncError && error.code === 'USAGE') {
      io.stderr.write(`Run '${PRODUCT} ${command ? `${command.name} ` : ''}--help' for usage.\n`);
    } else if (!(error instanceof SyncError) && error instanceof Error && (flags['log-level'] === 'debug' || flags['log-level'] === 'trace')) {
      io.stderr.write(`${scrub(error.stack ?? '')}\n`);
    }
    return exitCodeFor(error);
  }
}

/**
 * True when this file is the program being run. `import.meta.main` exists from Node 22.18 / 24.2;
 * on older versions it is undefined, and the entry must not silently do nothing (a cron job would
 * report success), so the script path is compared instead.
 */
function isEntryPoint(): boolean {
  if (typeof import.meta.main === 'boolean') return import.meta.main;
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A closed stdout (`| head`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  const code = await main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr });
  process.exitCode = code;
  // The command is over: whatever still holds the event loop (a request still retrying after the
  // stop budget ran out, a socket in keep-alive) must not keep the process, or a second instance,
  // waiting. Output is flushed first; a clean exit happens long before this timer.
  setTimeout(() => process.exit(code), 2_000).unref();
}
