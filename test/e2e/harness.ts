// The end-to-end world: a real slapd loaded with a generated directory, the tenant emulator
// (in this process, so its statistics and membership log can be read), a config file pointing the
// real CLI at both, and an independent oracle: what the tenant should hold, computed by reading
// slapd directly with a plain LDAP client and flattening nested groups here, not with the bridge's
// own code. Used by the e2e tests and the chaos suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Attribute, Change, Client } from 'ldapts';
import { stringify } from 'yaml';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.ts';
import { openldapBulkLdif } from '../support/ldif-fixtures.ts';
import { startSlapd, type SlapdServer } from '../support/slapd.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = `${ROOT}node_modules/.bin/node`;
export const SUFFIX = 'dc=e2e,dc=test';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
export const PREFIX = 'CG-';

export interface WorldOptions {
  users?: number;
  groups?: number;
  membersPerGroup?: number;
  nestEvery?: number;
  /** Extra config merged over the defaults (deep, objects only). */
  config?: Record<string, unknown>;
  emulator?: Parameters<typeof startEmulator>[0];
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface World {
  slapd: SlapdServer;
  emulator: EmulatorHandle;
  dir: string;
  configFile: string;
  /** Writes the config (defaults plus overrides) and returns its path. */
  writeConfig(overrides?: Record<string, unknown>, name?: string): string;
  /** The real CLI as a child process (Node 24), with the given config file. */
  cli(args: string[], options?: { env?: Record<string, string>; configFile?: string }): Promise<CliRun>;
  /** Starts the real CLI and returns the child (for SIGKILL tests) and its outcome. */
  spawnCli(args: string[], options?: { env?: Record<string, string>; configFile?: string }): { child: ChildProcess; done: Promise<CliRun> };
  /** A client bound as the directory's root, for changes; closed by the caller. */
  ldap(): Promise<Client>;
  /** The oracle: CG- name -> subjects, from slapd read directly (nested groups flattened, disabled users out). */
  expected(): Promise<Map<string, Set<string>>>;
  /** What the emulated tenant holds: owned (CG-) group name -> member subjects. */
  actual(): Map<string, Set<string>>;
  /** Every membership of a group that is not CG- (IdP groups, hand-made groups), as "subject|group". */
  foreignMemberships(): string[];
  close(): Promise<void>;
}

function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function values(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(text);
}

const norm = (dn: string): string => dn.replace(/\s*,\s*/g, ',').toLowerCase();

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'qgs-e2e-'));
  const ldif = openldapBulkLdif({
    suffix: SUFFIX,
    users: options.users ?? 60,
    groups: options.groups ?? 12,
    membersPerGroup: options.membersPerGroup ?? 8,
    nestEvery: options.nestEvery ?? 4,
  });
  const slapd = await startSlapd({ suffix: SUFFIX, ldif });
  let emulator: EmulatorHandle;
  try {
    emulator = await startEmulator({ port: 0, ...options.emulator });
  } catch (error) {
    await slapd.stop();
    throw error;
  }

  const baseConfig = (): Record<string, unknown> =>
    merge(
      {
        directory: {
          kind: 'openldap',
          urls: [slapd.ldapsUrl],
          caFile: slapd.caFile,
          bindDn: slapd.rootDn,
          bindPassword: slapd.rootPassword,
          groups: { baseDns: [GROUPS] },
          users: { baseDns: [PEOPLE], attributes: ['uid', 'mail', 'displayName'] },
        },
        tenant: { url: emulator.url, apiKey: emulator.apiKey, rateLimits: { tier2PerMinute: 6000, tier1PerMinute: 60000 }, retry: { maxRetryTimeMs: 20000 } },
        mapping: { prefix: PREFIX, nameTemplate: '{name}', user: { matchBy: 'subject', subjectTemplate: '{uid}' }, createUsers: true },
        sync: { stateDir: join(dir, 'state'), deleteGroups: true, http: { enabled: false } },
        logging: { level: 'warn', format: 'json' },
      },
      options.config ?? {},
    );

  const writeConfig = (overrides: Record<string, unknown> = {}, name = 'config.yaml'): string => {
    const path = join(dir, name);
    writeFileSync(path, stringify(merge(baseConfig(), overrides)));
    return path;
  };
  const configFile = writeConfig();

  const spawnCli = (args: string[], opts: { env?: Record<string, string>; configFile?: string } = {}) => {
    const child = spawn(NODE, [`${ROOT}src/cli.ts`, ...args, '--config', opts.configFile ?? configFile], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { child, done: collect(child) };
  };

  const ldap = async (): Promise<Client> => {
    const client = new Client({ url: slapd.url });
    await client.bind(slapd.rootDn, slapd.rootPassword);
    return client;
  };

  const expected = async (): Promise<Map<string, Set<string>>> => {
    const client = await ldap();
    try {
      const people = await client.search(PEOPLE, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid', 'pwdAccountLockedTime'] });
      const uidByDn = new Map<string, string>();
      for (const e of people.searchEntries) if (values(e.pwdAccountLockedTime).length === 0) uidByDn.set(norm(e.dn), text(e.uid));
      const groups = await client.search(GROUPS, { scope: 'sub', filter: '(objectClass=groupOfNames)', attributes: ['cn', 'member'] });
      const membersByDn = new Map<string, string[]>();
      const nameByDn = new Map<string, string>();
      for (const e of groups.searchEntries) {
        membersByDn.set(norm(e.dn), values(e.member).map(norm));
        nameByDn.set(norm(e.dn), text(e.cn));
      }
      const flatten = (dn: string, seen: Set<string>): Set<string> => {
        const out = new Set<string>();
        for (const m of membersByDn.get(dn) ?? []) {
          if (uidByDn.has(m)) out.add(uidByDn.get(m)!);
          else if (membersByDn.has(m) && !seen.has(m)) for (const u of flatten(m, new Set([...seen, m]))) out.add(u);
        }
        return out;
      };
      const result = new Map<string, Set<string>>();
      for (const [dn, name] of nameByDn) result.set(`${PREFIX}${name}`, flatten(dn, new Set([dn])));
      return result;
    } finally {
      await client.unbind();
    }
  };

  const state = () => emulator.exportState() as unknown as {
    groups: { id: string; name: string; providerType: string }[];
    users: { subject: string; groupIds: string[] }[];
  };

  const actual = (): Map<string, Set<string>> => {
    const s = state();
    const owned = new Map(s.groups.filter((g) => g.providerType === 'custom' && g.name.startsWith(PREFIX)).map((g) => [g.id, g.name]));
    const result = new Map<string, Set<string>>([...owned.values()].map((name) => [name, new Set<string>()]));
    for (const u of s.users) for (const id of u.groupIds) if (owned.has(id)) result.get(owned.get(id)!)!.add(u.subject);
    return result;
  };

  const foreignMemberships = (): string[] => {
    const s = state();
    const foreign = new Map(s.groups.filter((g) => !(g.providerType === 'custom' && g.name.startsWith(PREFIX))).map((g) => [g.id, g.name]));
    return s.users.flatMap((u) => u.groupIds.filter((id) => foreign.has(id)).map((id) => `${u.subject}|${foreign.get(id)}`)).sort();
  };

  return {
    slapd,
    emulator,
    dir,
    configFile,
    writeConfig,
    cli: (args, opts) => spawnCli(args, opts).done,
    spawnCli,
    ldap,
    expected,
    actual,
    foreignMemberships,
    close: async () => {
      await emulator.close().catch(() => undefined);
      await slapd.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` holds, polling; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Map of sets as sorted plain data, for readable diffs in assertions. */
export function plain(map: Map<string, Set<string>>): Record<string, string[]> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]));
}

/** Directory edits for tests: members, renames, disabling. */
export const edit = {
  userDn: (uid: string): string => `uid=${uid},${PEOPLE}`,
  groupDn: (cn: string): string => `cn=${cn},${GROUPS}`,
  async addMember(client: Client, group: string, memberDn: string): Promise<void> {
    await client.modify(edit.groupDn(group), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
  },
  async removeMember(client: Client, group: string, memberDn: string): Promise<void> {
    await client.modify(edit.groupDn(group), new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
  },
  async rename(client: Client, group: string, to: string): Promise<void> {
    await client.modifyDN(edit.groupDn(group), `cn=${to}`);
  },
  async disable(client: Client, uid: string): Promise<void> {
    await client.modify(edit.userDn(uid), new Change({ operation: 'add', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }));
  },
};
