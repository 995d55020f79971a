import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { GLOBAL_FLAGS } from '../../src/commands/help.ts';
import { VERSION } from '../../src/version.ts';
import { MINIMAL_YAML, scratch } from '../config/fixtures.ts';
import { ROOT, runCliProcess, runMain } from './run-cli.ts';

const dir = scratch();
afterAll(() => dir.remove());
const good = dir.write('good.yaml', MINIMAL_YAML);

describe('help and version', () => {
  it('lists the visible commands and the exit codes', async () => {
    const result = await runMain(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['plan', 'apply', 'run', 'migrate', 'validate', 'emulator']) expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(result.stdout).not.toMatch(/^ {2}(demo|healthcheck) /m);
    expect(result.stdout).toContain('78 invalid configuration');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help lists its flags and the global ones', async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const result = await runMain([name, '--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: qlik-group-sync ${command.usage}`);
    for (const flag of [...command.flags, ...(command.ownArgs ? [] : GLOBAL_FLAGS)]) expect(result.stdout).toContain(`--${flag.name}`);
    expect((await runMain(['help', name])).stdout).toBe(result.stdout);
  });

  it('prints the version', async () => {
    expect(await runMain(['--version'])).toEqual({ code: 0, stdout: `qlik-group-sync ${VERSION}\n`, stderr: '' });
  });
});

describe('usage mistakes exit 1 with a hint and no stack trace', () => {
  it.each([
    [[], 'no command given'],
    [['plna'], 'unknown command "plna" (did you mean plan?)'],
    [['plan', '--jsn', 'x'], 'unknown flag --jsn for plan (did you mean --json?)'],
    [['validate', '--config'], '--config needs a value'],
    [['validate', 'extra'], 'unexpected argument for validate: extra'],
    [['validate', '--set', 'directory.pageSize'], '--set expects KEY=VALUE, e.g. --set directory.pageSize=200; got "directory.pageSize"'],
    // A mistyped separator, a key pasted without its name, a space instead of "=": the secret is never echoed.
    [['validate', '--set', 'tenant.apiKey:SuperSecret123'], '--set expects KEY=VALUE, e.g. --set directory.pageSize=200; got "tenant.apiKey..."'],
    [['validate', '--set', 'eyJhbGciOiJFUzM4NCJ9.SuperSecret123.c2lnbmF0dXJl'], '--set expects KEY=VALUE, e.g. --set directory.pageSize=200; got text that names no option'],
    [['validate', '--set', 'directory.bindPassword', 'SuperSecret123'], 'unexpected argument for validate after --set: write --set KEY=VALUE, with "=" and no space'],
    [['validate', 'eyJhbGciOiJFUzM4NCJ9.SuperSecret123.c2lnbmF0dXJl'], 'unexpected argument for validate (48 characters, not shown)'],
    [['--set', 'tenant.apiKey', 'SuperSecret123', 'validate'], 'unexpected argument after --set: write --set KEY=VALUE, with "=" and no space'],
    [['--set=tenant.apiKey', 'SuperSecret123', 'validate'], 'unexpected argument after --set: write --set KEY=VALUE, with "=" and no space'],
    [['validate', '--set', 'directory.bindPassword=', 'SuperSecret123'], 'unexpected argument for validate after --set: write --set KEY=VALUE, with "=" and no space'],
    [['--set=directory.bindPassword=', 'SuperSecret123', 'validate'], 'unexpected argument after --set: write --set KEY=VALUE, with "=" and no space'],
    [['validate', '--set', 'directory.bindPassword', "Super'SuperSecret123"], 'unexpected argument for validate after --set: write --set KEY=VALUE, with "=" and no space'],
    [['validate', 'tenant.apiKey=SuperSecret123'], 'unexpected argument for validate (28 characters, not shown)'],
    [['tenant.apiKey=SuperSecret123', 'validate'], 'unknown command (28 characters, not shown)'],
    [['help', '--set=tenant.apiKey=SuperSecret123'], 'unknown command (34 characters, not shown)'],
    [['validate', '--set=directory.bindPassword', 'SuperSecret123'], 'unexpected argument for validate after --set: write --set KEY=VALUE, with "=" and no space'],
    [['eyJhbGciOiJFUzM4NCJ9.SuperSecret123.c2lnbmF0dXJl', 'validate'], 'unknown command (48 characters, not shown)'],
    [['validate', '--log-format', 'xml'], '--log-format must be one of json, pretty, auto, got "xml"'],
    [['help', 'nope'], 'unknown command "nope"'],
  ])('%j', async (argv, message) => {
    const result = await runMain(argv);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${message}`);
    expect(result.stderr).toMatch(/Run 'qlik-group-sync (\w+ )?--help' for usage\.\n$/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('SuperSecret123');
  });
});

describe('validate', () => {
  it('prints the summary and exits 0 with --offline, secrets only as [set]', async () => {
    const result = await runMain(['validate', '--config', good, '--offline']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Configuration OK \(.*good\.yaml\)/);
    expect(result.stdout).toMatch(/tenant\.apiKey\s+\[set\]/);
    expect(result.stdout).toMatch(/directory\.bindPassword\s+\[not set\]/);
    expect(result.stdout).not.toContain('file-api-key-0001');
  });

  it('runs the live checks: what the directory matches, tenant roles, unknown role names; exit 1 naming each problem', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const demo = `${ROOT}config/demo/demo.yaml`;
      const ok = await runMain(['validate', '--config', demo, '--set', `tenant.url=${emulator.url}`]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/groups matched: 6 \(first: analytics-admins, analytics-viewers, auditors, finance, sales, sales-emea\)/);
      expect(ok.stdout).toMatch(/users matched: +12/);
      expect(ok.stdout).toMatch(/authenticated to http:\/\/127\.0\.0\.1:\d+; \d+ roles/);
      expect(ok.stdout).toContain('All checks passed.');

      const bad = await runMain(['validate', '--config', demo, '--set', `tenant.url=${emulator.url}`, '--set', 'tenant.apiKey=wrong-key-123456', '--set', 'directory.groups.baseDns=ou=nowhere,dc=example,dc=com']);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/2 problems:/);
      expect(bad.stdout).toContain('directory: the group query matches no groups');
      expect(bad.stdout).toMatch(/tenant: .*(401|auth|credential)/i);
      expect(bad.stdout + bad.stderr).not.toContain('wrong-key-123456');
    } finally {
      await emulator.close();
    }
  });

  it('takes global flags before the command, QGS_CONFIG, and --set overrides', async () => {
    const before = await runMain(['--config', good, '--set', 'directory.pageSize=42', 'validate', '--offline']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(/directory\.pageSize\s+42\s+\(--set\)/);
    const fromEnv = await runMain(['validate', '--offline', '--log-level', 'debug'], { QGS_CONFIG: good });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toMatch(/logging\.level\s+debug\s+\(--set\)/);
  });

  it('exits 78 when there is no configuration at all', async () => {
    const result = await runMain(['validate', '--offline']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^error: invalid configuration \(\d+ problems\):/);
    expect(result.stderr).toContain('- tenant.url: required');
    expect(result.stderr).toContain('No configuration file was given: use --config FILE or set QGS_CONFIG.');
  });
});

describe('commands check the configuration before anything else', () => {
  it.each(['plan', 'apply', 'run', 'migrate'])('%s exits 78 on a bad configuration, connecting to nothing', async (name) => {
    const result = await runMain([name, '--config', dir.write('bad.yaml', 'tenant: {url: 1}\n')]);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: invalid configuration/);
  });
});

describe('healthcheck (the image HEALTHCHECK)', () => {
  it("probes the worker's /healthz from sync.http and exits 0 on 2xx, 1 otherwise", async () => {
    let status = 200;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.statusCode = status;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((server.address() as AddressInfo).port);
      const env = { QGS_SYNC_HTTP_HOST: '0.0.0.0', QGS_SYNC_HTTP_PORT: port };
      expect((await runMain(['healthcheck', '--config', good], env)).code).toBe(0);
      status = 503;
      const failing = await runMain(['healthcheck', '--config', good], env);
      expect(failing.code).toBe(1);
      expect(failing.stderr).toContain('HTTP 503');
      expect(seen).toEqual(['/healthz', '/healthz']);
    } finally {
      server.close();
    }
    const disabled = await runMain(['healthcheck', '--config', good], { QGS_SYNC_HTTP_ENABLED: 'false' });
    expect(disabled.code).toBe(1);
    expect(disabled.stderr).toContain('sync.http.enabled is false');
  });
});

describe('the real CLI in a child process (Node 24)', () => {
  it('validate --config <bad file> exits 78 and names every mistake by its key path', async () => {
    const bad = dir.write(
      'several-mistakes.yaml',
      `directory:
  urls: [ldaps://dc1.example.com]
  pageSize: "500"
  nestedGroups: maybe
  groups:
    baseDns: [OU=Groups,DC=example,DC=com]
  userz:
    baseDns: [OU=Users,DC=example,DC=com]
tenant:
  url: "acme.eu.qlikcloud.com"
  apiKey: cli-test-api-key-0001
sync:
  limits:
    maxGroupDeletes: five
`,
    );
    const result = await runCliProcess(['validate', '--config', bad]);
    expect(result.code, result.stderr).toBe(78);
    expect(result.stdout).toBe('');
    const problems = result.stderr.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4, l.indexOf(': ')));
    expect(problems).toEqual(['directory.groups.baseDns', 'directory.nestedGroups', 'directory.pageSize', 'directory.userz', 'sync.limits.maxGroupDeletes', 'tenant.url']);
    expect(result.stderr).toMatch(/^error: invalid configuration \(6 problems\):\n/);
    expect(result.stderr).toContain('directory.userz: unknown key (did you mean directory.users?)');
    expect(result.stderr).toContain('directory.pageSize: expected an integer from 1 to 10000, got "500"');
    // One DN in [ ] without quotes: YAML made three one-RDN bases of it.
    expect(result.stderr).toContain('directory.groups.baseDns: 3 DNs of one RDN each (OU=Groups | DC=example | DC=com): YAML starts a new item at every comma');
    expect(result.stderr).not.toContain('cli-test-api-key-0001');

    // The missing required key, through the environment-only path.
    const missing = await runCliProcess(['validate', '--config', bad.replace('several-mistakes', 'absent')]);
    expect(missing.code).toBe(78);
    const none = await runCliProcess(['validate', '--offline'], { QGS_DIRECTORY_URLS: 'ldaps://dc1.example.com' });
    expect(none.code).toBe(78);
    expect(none.stderr).toContain('- directory.groups.baseDns: required');
    expect(none.stderr).toContain('- tenant.url: required');
    expect(none.stderr).toContain('- tenant.apiKey: required');
  });

  it('--help exits 0 and validate --offline accepts a good file', async () => {
    const help = await runCliProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: qlik-group-sync <command>');
    const ok = await runCliProcess(['validate', '--offline', '--config', good]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Configuration OK');
  });
});
