// What `validate` prints for a configuration that loaded: every option not left at its default,
// with where it came from, and each secret only as [set] / [not set]. Secret values never reach
// this text, whatever their source.
import type { LoadedConfig } from './load.ts';
import { OPTIONS } from './options.ts';

function valueAt(config: unknown, path: string): unknown {
  let node = config;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function renderConfigSummary(loaded: LoadedConfig): string {
  const { config, sources } = loaded;
  const lines: string[] = [`Configuration OK${loaded.file ? ` (${loaded.file})` : ' (environment and command line only)'}`];
  const auth = config.tenant.apiKey !== undefined ? 'API key' : config.tenant.oauth ? 'OAuth client' : 'none';
  const directory = config.directory.source === 'ldif' ? `LDIF ${config.directory.ldifFile ?? ''}` : config.directory.urls.join(', ');
  lines.push(
    `  directory: ${directory} (kind ${config.directory.kind}), ${config.directory.groups.baseDns.length} group base(s)`,
    `  tenant:    ${config.tenant.url} (${auth})`,
    `  mapping:   ${config.mapping.prefix}${config.mapping.nameTemplate}, ${config.mapping.roles.length} role rule(s), users matched by ${config.mapping.user.matchBy}${config.mapping.createUsers ? ', missing users created' : ''}`,
    `  sync:      mode ${config.sync.mode}, group deletion ${config.sync.deleteGroups ? 'on' : 'off'}, schedule "${config.sync.schedule}" ${config.sync.timezone}`,
    '',
    'Secrets:',
  );
  for (const option of OPTIONS.filter((o) => o.secret)) {
    const source = sources[option.path];
    lines.push(`  ${option.path.padEnd(34)} ${valueAt(config, option.path) === undefined ? '[not set]' : `[set]      ${source?.from ?? ''}`}`.trimEnd());
  }
  const changed = OPTIONS.filter((o) => !o.secret && sources[o.path] && sources[o.path]!.layer !== 'default');
  lines.push('', changed.length > 0 ? 'Settings given (all others at their defaults):' : 'Settings: all at their defaults');
  for (const option of changed) {
    lines.push(`  ${option.path.padEnd(34)} ${show(valueAt(config, option.path))}   (${sources[option.path]!.from})`);
  }
  for (const warning of loaded.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
