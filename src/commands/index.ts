// The command registry, in the order the help lists them.
import { applyCommand } from './apply.ts';
import { demoCommand } from './demo.ts';
import { emulatorCommand } from './emulator.ts';
import { healthcheckCommand } from './healthcheck.ts';
import { migrateCommand } from './migrate.ts';
import { planCommand } from './plan.ts';
import { runCommand } from './run.ts';
import type { Command } from './types.ts';
import { validateCommand } from './validate.ts';

export const COMMANDS: readonly Command[] = [
  planCommand,
  applyCommand,
  runCommand,
  migrateCommand,
  validateCommand,
  emulatorCommand,
  demoCommand,
  healthcheckCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export type { Command, CommandContext, CliIo, Output, FlagSpec, FlagValues } from './types.ts';
