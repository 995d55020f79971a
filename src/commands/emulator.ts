// `emulator`: starts the local Qlik Cloud tenant emulator. The emulator parses its own flags
// (src/emulator/options.ts); this record only lists them for `help` and hands the arguments over.
import { EMULATOR_FLAGS, runEmulatorCommand } from '../emulator/index.ts';
import { renderCommandHelp } from './help.ts';
import type { Command } from './types.ts';

export const emulatorCommand: Command = {
  name: 'emulator',
  summary: 'Start the local Qlik Cloud tenant emulator',
  usage: 'emulator [--host H] [--port N] [--state FILE] [--api-key KEY] [--rate-limits SPEC]',
  description:
    'Serves the Qlik Cloud REST surface the bridge uses (groups, users, roles, OAuth) on loopback,\n' +
    'with a control surface under /__emulator/ (logins, faults, rate limits, stats, state).',
  flags: EMULATOR_FLAGS.map((flag) => ({ name: flag.name, type: 'string' as const, value: flag.value, multiple: flag.multiple, description: flag.description })),
  ownArgs: true,
  async run(ctx) {
    if (ctx.rawArgs.includes('--help') || ctx.rawArgs.includes('-h')) {
      ctx.io.stdout.write(renderCommandHelp(emulatorCommand));
      return 0;
    }
    return runEmulatorCommand(ctx.rawArgs, ctx.io);
  },
};
