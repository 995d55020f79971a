// What a CLI command is and what it receives. A command is a plain record with a small `run`;
// everything it needs from the outside (arguments, environment, output streams, the config
// loader, a logger) comes in its context, so commands are tested without a process.
import type { LoadedConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import type { Logger } from '../log.ts';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  /** Plans, reports, summaries: what a script pipes on. */
  stdout: Output;
  /** Log lines and error messages. */
  stderr: Output;
}

export interface FlagSpec {
  /** Long name without dashes: `detailed-exitcode`. */
  name: string;
  type: 'boolean' | 'string';
  /** One-letter alias. */
  short?: string;
  /** Repeatable (string flags): the values are collected in order. */
  multiple?: boolean;
  /** Placeholder shown in help: `FILE`, `KEY=VALUE`. */
  value?: string;
  description: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  command: string;
  /** Parsed flags, global and the command's own, by long name. */
  flags: FlagValues;
  positionals: string[];
  /** The arguments after the command name, unparsed (for commands that parse their own). */
  rawArgs: string[];
  env: Record<string, string | undefined>;
  io: CliIo;
  cwd: string;
  /** Loads the configuration from `--config` (or QGS_CONFIG), the environment and `--set`; throws ConfigError. */
  loadConfig(): Promise<LoadedConfig>;
  /** A logger to stderr at the configured (or flagged) level and format; secrets scrubbed. */
  logger(config?: Config): Logger;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage line after the program name: `plan --config FILE [--json OUT]`. */
  usage: string;
  /** More text for `<command> --help`. */
  description?: string;
  flags: FlagSpec[];
  /** Left out of the command list (still runnable, still has --help). */
  hidden?: boolean;
  /** The command parses its own arguments (from `rawArgs`); the CLI parses only `--help`. */
  ownArgs?: boolean;
  run(ctx: CommandContext): Promise<number>;
}
