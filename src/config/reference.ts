// The Markdown option reference (config/options.md, included by the README), generated from the
// option table like the JSON Schema, and checked against the committed copy by a test.
import { PRODUCT } from '../version.ts';
import { CONFIG_ENV, OPTIONS, SECTIONS, envName, fileKey, hasFileVariant, type OptionSpec } from './options.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function typeOf(spec: OptionSpec): string {
  switch (spec.type) {
    case 'enum':
      return (spec.values ?? []).map((v) => `\`${v}\``).join(' | ');
    case 'integer':
    case 'number': {
      const bounds = spec.min !== undefined && spec.max !== undefined ? ` ${spec.min}–${spec.max}` : spec.min !== undefined ? ` ≥ ${spec.min}` : '';
      return `${spec.type}${bounds}`;
    }
    case 'url':
    case 'url[]': {
      const schemes = (spec.schemes ?? []).map((s) => s.replace(':', '')).join('/');
      return `${schemes} URL${spec.type === 'url[]' ? ' list' : ''}`;
    }
    case 'string[]':
      return 'list';
    case 'roles':
      return 'list of `{group, roles}`';
    default:
      return spec.type;
  }
}

function defaultOf(spec: OptionSpec): string {
  if (spec.default === undefined) return spec.required ? '*required*' : '';
  if (Array.isArray(spec.default) && spec.default.length === 0) return '`[]`';
  return `\`${typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default)}\``;
}

function descriptionOf(spec: OptionSpec): string {
  const parts = [spec.description];
  if (!spec.required && spec.requiredWhen) parts.push(`Required when ${spec.requiredWhen}.`);
  if (spec.secret) parts.push(`**Secret**: also \`${fileKey(spec.path.split('.').pop()!)}\`; never logged.`);
  else if (spec.fileVariant) parts.push(`Also \`${fileKey(spec.path.split('.').pop()!)}\`.`);
  if (spec.separator === ';') parts.push('In the environment: a JSON array or `;`-separated.');
  return parts.join(' ');
}

function envOf(spec: OptionSpec): string {
  const names = [`\`${envName(spec.path)}\``];
  if (hasFileVariant(spec)) names.push(`\`${envName(fileKey(spec.path))}\``);
  return names.join('<br>');
}

export function renderOptionsMarkdown(): string {
  const lines: string[] = [
    '# Configuration options',
    '',
    '<!-- Generated from src/config/options.ts by `node src/config/schema.ts --write`. Do not edit by hand. -->',
    '',
    `${PRODUCT} reads one YAML file (\`--config FILE\`, or the \`${CONFIG_ENV}\` environment variable), examples in`,
    '`config/`. Editors that support `# yaml-language-server: $schema=./qlik-group-sync.schema.json` complete and',
    'check it.',
    '',
    '- **Precedence**: defaults < file < environment < command line (`--set key=value`, repeatable, and',
    '  `--log-level` / `--log-format`).',
    '- **Environment**: `QGS_` followed by the key in upper case with `_` between words, e.g.',
    '  `directory.pageSize` is `QGS_DIRECTORY_PAGE_SIZE`. Booleans: `true`/`false`/`yes`/`no`/`on`/`off`/`1`/`0`.',
    '  Lists: a JSON array, or separated by `,` (by `;` for DNs and patterns, which contain commas).',
    '  `mapping.roles`: JSON. An empty variable counts as unset; an unknown `QGS_` variable is an error.',
    '- **Interpolation**: `${VAR}` in any string value of the file is replaced by the environment variable;',
    '  a variable that is not set is an error (`${VAR:-default}` gives a default); `$${` is a literal `${`.',
    '- **Secrets** (bind password, API key, OAuth client secret, webhook URL) can be given as `<key>File`:',
    '  the path of a file holding the value (Docker and Kubernetes secrets; a final line break is removed).',
    '  Giving both the key and its `File` variant in one place is an error. Secrets are never logged or echoed.',
    '- **Paths** in the file are relative to the file\'s folder; in the environment and on the command line,',
    '  relative to the working folder.',
    '- **Validation** reports every problem at once, each with its key; an invalid configuration exits 78.',
    '',
  ];
  for (const section of SECTIONS) {
    const options = OPTIONS.filter((o) => o.path.slice(0, o.path.lastIndexOf('.')) === section.path);
    if (options.length === 0) continue;
    lines.push(`## \`${section.path}\``, '', section.description, '', '| Key | Type | Default | Environment | Description |', '|---|---|---|---|---|');
    for (const spec of options) {
      lines.push(`| \`${spec.path}\` | ${cell(typeOf(spec))} | ${cell(defaultOf(spec))} | ${envOf(spec)} | ${cell(descriptionOf(spec))} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
