// Help texts: the command list and each command's usage and flags, from the command records,
// so a flag cannot exist without being documented.
import { PRODUCT, VERSION } from '../version.ts';
import type { Command, FlagSpec } from './types.ts';

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'config', type: 'string', short: 'c', value: 'FILE', description: 'The YAML configuration (default: $QGS_CONFIG)' },
  { name: 'set', type: 'string', multiple: true, value: 'KEY=VALUE', description: 'Override one option, e.g. --set directory.pageSize=200 (repeatable)' },
  { name: 'log-level', type: 'string', value: 'LEVEL', description: 'trace, debug, info, warn, error, fatal or silent (overrides logging.level)' },
  { name: 'log-format', type: 'string', value: 'FORMAT', description: 'json, pretty or auto (overrides logging.format)' },
  { name: 'help', type: 'boolean', short: 'h', description: 'Show help' },
  { name: 'version', type: 'boolean', description: 'Show the version' },
];

export const EXIT_CODES_TEXT =
  'Exit codes: 0 success (or no changes), 1 error, 2 changes pending (plan --detailed-exitcode),\n' +
  '            3 blocked by a safety limit, 78 invalid configuration.';

function flagLines(flags: FlagSpec[]): string[] {
  const labels = flags.map((f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(0, ...labels.map((l) => l.length)) + 2;
  return flags.map((f, i) => `  ${labels[i]!.padEnd(width)}${f.description}`);
}

export function renderMainHelp(commands: readonly Command[]): string {
  const visible = commands.filter((c) => !c.hidden);
  const width = Math.max(...visible.map((c) => c.name.length)) + 2;
  return [
    `Usage: ${PRODUCT} <command> [flags]`,
    '',
    'Keeps Qlik Cloud custom groups (CG-...) in step with an LDAP / Active Directory directory.',
    '',
    'Commands:',
    ...visible.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global flags:',
    ...flagLines(GLOBAL_FLAGS),
    '',
    EXIT_CODES_TEXT,
    `Run '${PRODUCT} <command> --help' for a command's flags. Options: config/options.md.`,
    '',
  ].join('\n');
}

export function renderCommandHelp(command: Command): string {
  return [
    `Usage: ${PRODUCT} ${command.usage}`,
    '',
    command.summary + '.',
    ...(command.description ? ['', command.description] : []),
    '',
    ...(command.flags.length > 0 ? ['Flags:', ...flagLines(command.flags), ''] : []),
    // A command that parses its own arguments takes none of the global flags.
    ...(command.ownArgs ? [] : ['Global flags:', ...flagLines(GLOBAL_FLAGS), '']),
    EXIT_CODES_TEXT,
    '',
  ].join('\n');
}

export function versionText(): string {
  return `${PRODUCT} ${VERSION}\n`;
}
