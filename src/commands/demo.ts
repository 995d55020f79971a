// `demo` (what `npm start` runs): the emulator in-process, the sample directory in config/demo/,
// a plan and an apply, and a summary for newcomers.
import { notBuilt } from './not-built.ts';
import type { Command } from './types.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Plan and apply the sample directory against an in-process tenant emulator',
  usage: 'demo',
  hidden: true,
  flags: [],
  async run() {
    throw notBuilt('demo');
  },
};
