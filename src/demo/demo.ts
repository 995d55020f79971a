// The demo behind `npm start`: the tenant emulator in-process (its state kept in a temporary
// folder between runs), the sample directory in config/demo/ read as LDIF, a few simulated IdP
// logins on a fresh tenant, then one real `apply` through the same code path as production, and a
// summary a newcomer can follow. Run it again to see the steady state ("No changes"); `--changed`
// reads the second sample (a renamed group, a member removed, a user disabled); `--reset` starts over.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { startEmulator, type EmulatorHandle } from '../emulator/index.ts';
import { isOwned } from '../reconcile/ownership.ts';
import type { RunResult } from '../runner/run-once.ts';
import { createTenantClient } from '../tenant/client.ts';
import type { TenantSnapshot } from '../tenant/snapshot.ts';

export const DEMO_DIR_NAME = 'qlik-group-sync-demo';
const SAMPLES = fileURLToPath(new URL('../../config/demo/', import.meta.url));

export interface DemoPaths {
  /** Where the emulated tenant and the run reports live between runs. */
  stateDir: string;
  tenantFile: string;
  configFile: string;
  directoryFile: string;
}

export function demoPaths(options: { changed: boolean; stateDir?: string }): DemoPaths {
  const stateDir = options.stateDir ?? join(tmpdir(), DEMO_DIR_NAME);
  return {
    stateDir,
    tenantFile: join(stateDir, 'tenant.json'),
    configFile: join(SAMPLES, 'demo.yaml'),
    directoryFile: join(SAMPLES, options.changed ? 'directory-renamed.ldif' : 'directory.ldif'),
  };
}

/** People who have logged in before the bridge ever ran: Qlik created them from IdP claims. */
export const DEMO_LOGINS = [
  { subject: 'alice', name: 'Alice Andersen', email: 'alice@example.com', groups: ['Everyone', 'sales'] },
  { subject: 'bob', name: 'Bob Brown', email: 'bob@example.com', groups: ['Everyone'] },
  { subject: 'carol', name: 'Carol Chen', email: 'carol@example.com', groups: ['Everyone', 'sales'] },
] as const;

export interface DemoSession {
  paths: DemoPaths;
  emulator: EmulatorHandle;
  config: Config;
  /** True when the emulated tenant was created by this run. */
  fresh: boolean;
  /** What was set up on a fresh tenant, one line each, for the newcomer. */
  setup: string[];
  close(): Promise<void>;
}

/**
 * `--reset`: removes only what the demo itself keeps in its folder (the emulated tenant, the run
 * reports and lock), never anything else a user may have put there.
 */
async function forgetDemo(stateDir: string): Promise<void> {
  const ours = (name: string): boolean =>
    name === 'tenant.json' || name === 'last-report.json' || name === 'last-report.md' || /^run-[0-9a-f]{16}\.lock(\.takeover)?$/.test(name) || /\.tmp$/.test(name);
  for (const name of await readdir(stateDir)) if (ours(name)) await rm(join(stateDir, name), { force: true });
}

/** Starts the emulator on the saved (or a fresh) tenant and loads the demo configuration for it. */
export async function openDemo(options: { changed: boolean; reset: boolean; stateDir?: string }): Promise<DemoSession> {
  const paths = demoPaths(options);
  await mkdir(paths.stateDir, { recursive: true });
  if (options.reset) await forgetDemo(paths.stateDir);
  const fresh = !existsSync(paths.tenantFile);
  const emulator = await startEmulator({ port: 0, stateFile: paths.tenantFile });
  const setup: string[] = [];
  try {
    if (fresh) {
      for (const login of DEMO_LOGINS) {
        emulator.login({ subject: login.subject, name: login.name, email: login.email, groups: [...login.groups] });
        setup.push(`${login.name} (${login.subject}) logged in through the IdP with groups ${login.groups.join(', ')}`);
      }
      emulator.api.createGroup({ name: 'Finance reviewers', providerType: 'custom', description: 'Made by hand in the console' });
      setup.push('an administrator made the custom group "Finance reviewers" by hand (no CG- prefix: the bridge never touches it)');
    }
    // The demo's own environment: production QGS_* variables in the shell must not leak in.
    const loaded = await loadConfig({
      file: paths.configFile,
      env: {},
      overrides: { 'tenant.url': emulator.url, 'sync.stateDir': paths.stateDir, 'directory.ldifFile': paths.directoryFile },
    });
    return { paths, emulator, config: loaded.config, fresh, setup, close: () => emulator.close() };
  } catch (error) {
    await emulator.close().catch(() => undefined);
    throw error;
  }
}

/** The tenant as the newcomer should see it after the run: owned groups, their roles and members. */
export async function describeTenant(config: Config): Promise<string> {
  const client = createTenantClient(config.tenant);
  let tenant: TenantSnapshot;
  try {
    tenant = await client.readTenant();
  } finally {
    await client.close();
  }
  const prefix = config.mapping.prefix;
  const members = new Map<string, string[]>();
  for (const user of tenant.users) {
    for (const g of user.assignedGroups) members.set(g.id, [...(members.get(g.id) ?? []), user.subject]);
  }
  const lines: string[] = [];
  const owned = tenant.groups.filter((g) => isOwned(g, prefix)).sort((a, b) => a.name.localeCompare(b.name));
  const width = Math.max(10, ...owned.map((g) => g.name.length));
  lines.push(`Custom groups the bridge manages (${owned.length}):`);
  for (const g of owned) {
    const roles = g.assignedRoles.map((r) => r.name).sort();
    const who = (members.get(g.id) ?? []).sort();
    lines.push(`  ${g.name.padEnd(width)}  ${String(who.length).padStart(2)} members${roles.length > 0 ? `  roles: ${roles.join(', ')}` : ''}${who.length > 0 ? `  (${who.join(', ')})` : ''}`);
  }
  const others = tenant.groups.filter((g) => !isOwned(g, prefix)).sort((a, b) => a.name.localeCompare(b.name));
  lines.push(`Groups it leaves alone (${others.length}): ${others.map((g) => `${g.name} (${g.providerType === 'idp' ? 'IdP' : 'custom, not CG-'})`).join(', ')}`);
  lines.push(`Users in the tenant: ${tenant.users.length}`);
  return lines.join('\n');
}

export function demoIntro(session: DemoSession, changed: boolean): string {
  const lines = [
    'qlik-group-sync demo',
    '====================',
    `Directory: ${session.paths.directoryFile}${changed ? ' (the changed sample: sales-emea renamed to sales-europe, carol left sales, dave disabled)' : ''}`,
    `Tenant:    the Qlik Cloud tenant emulator at ${session.emulator.url}, state in ${session.paths.tenantFile}`,
    '',
  ];
  if (session.fresh) {
    lines.push('A fresh emulated tenant. Before the bridge runs:');
    for (const line of session.setup) lines.push(`  - ${line}`);
    lines.push('');
  } else {
    lines.push('The tenant from the previous demo run (start over with: npm start -- --reset).', '');
  }
  lines.push('The plan (the same output as `qlik-group-sync plan`):', '');
  return `${lines.join('\n')}\n`;
}

export function demoNext(result: RunResult, changed: boolean): string {
  const lines = ['', 'What just happened:'];
  const report = result.report;
  switch (report.outcome) {
    case 'no-changes':
      lines.push('  The tenant already matched the directory, so the bridge made no write request at all.');
      break;
    case 'blocked':
      lines.push(
        `  The plan goes over ${report.violations.length === 1 ? 'a safety limit' : 'safety limits'} (${report.violations.map((v) => v.limit).join(', ')}), so the bridge wrote`,
        '  nothing. In production this stops a broken directory query from emptying your groups.',
        '  This change is intended: allow it for this one run with',
        `    npm start -- ${changed ? '--changed ' : ''}--allow-deletes`,
      );
      break;
    case 'applied':
      lines.push(
        '  The bridge read the directory (nested groups flattened, disabled users left out), read the tenant,',
        '  planned the smallest set of changes (one PATCH per user whose groups change, never a replace),',
        '  checked the safety limits, and applied it. IdP groups and hand-made groups were not touched.',
      );
      break;
    default:
      lines.push(`  The run ended ${report.outcome}: see the lines above. Run the demo again: the next run continues from the state reached.`);
  }
  lines.push(
    '',
    'Try next:',
    '  npm start                   again: the steady state, or the original sample back',
    '  npm start -- --changed      the directory changes: a renamed group keeps its Qlik id, a removal, a disabled user',
    '  npm start -- --reset        start over with a fresh tenant',
    '  config/example-ad.yaml, config/example-openldap.yaml: point it at your own directory and tenant',
    '',
  );
  return lines.join('\n');
}
