import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load.ts';
import { ConfigError, exitCodeFor, type ConfigProblem } from '../../src/errors.ts';
import { scrub } from '../../src/log.ts';
import { createTestCertificates } from '../support/certs.ts';
import { MINIMAL_YAML, scratch, type Scratch } from './fixtures.ts';

let dir: Scratch;
beforeEach(() => {
  dir = scratch();
});
afterEach(() => dir.remove());

async function problemsOf(options: LoadConfigOptions): Promise<ConfigProblem[]> {
  try {
    await loadConfig(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(78);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function paths(problems: ConfigProblem[]): string[] {
  return problems.map((p) => p.path);
}

describe('precedence: defaults < file < environment < command line', () => {
  it('takes each option from the highest source that sets it and says which', async () => {
    const file = dir.write('c.yaml', `${MINIMAL_YAML}  requestTimeoutMs: 20000\nsync:\n  schedule: "0 * * * *"\n  http:\n    port: 9100\n`);
    const { config, sources } = await loadConfig({
      file,
      env: { QGS_SYNC_HTTP_PORT: '9200', QGS_SYNC_SCHEDULE: '15 * * * *', QGS_DIRECTORY_PAGE_SIZE: '250' },
      overrides: { 'sync.http.port': '9300' },
    });
    // default
    expect(config.directory.timeoutMs).toBe(30000);
    expect(sources['directory.timeoutMs']).toEqual({ layer: 'default', from: 'default' });
    // file
    expect(config.tenant.requestTimeoutMs).toBe(20000);
    expect(sources['tenant.requestTimeoutMs']?.layer).toBe('file');
    expect(sources['tenant.requestTimeoutMs']?.from).toMatch(/c\.yaml:9$/);
    // env over file, and env over default
    expect(config.sync.schedule).toBe('15 * * * *');
    expect(sources['sync.schedule']).toEqual({ layer: 'env', from: 'QGS_SYNC_SCHEDULE' });
    expect(config.directory.pageSize).toBe(250);
    // command line over env over file
    expect(config.sync.http.port).toBe(9300);
    expect(sources['sync.http.port']).toEqual({ layer: 'cli', from: '--set' });
  });

  it('works without a file, from the environment alone', async () => {
    const { config, file } = await loadConfig({
      env: {
        QGS_DIRECTORY_URLS: 'ldaps://a.example.com,ldaps://b.example.com',
        QGS_DIRECTORY_GROUPS_BASE_DNS: 'OU=A,DC=example,DC=com;OU=B,DC=example,DC=com',
        QGS_TENANT_URL: 'https://acme.eu.qlikcloud.com',
        QGS_TENANT_API_KEY: 'env-api-key-0001',
        PATH: '/usr/bin',
      },
    });
    expect(file).toBeUndefined();
    expect(config.directory.urls).toEqual(['ldaps://a.example.com', 'ldaps://b.example.com']);
    expect(config.directory.groups.baseDns).toEqual(['OU=A,DC=example,DC=com', 'OU=B,DC=example,DC=com']);
    expect(config.tenant.apiKey).toBe('env-api-key-0001');
    expect(config.tenant.oauth).toBeUndefined();
    expect('bindDn' in config.directory).toBe(false);
  });

  it('parses environment and --set text by type', async () => {
    const file = dir.write('c.yaml', MINIMAL_YAML);
    const { config } = await loadConfig({
      file,
      env: {
        QGS_DIRECTORY_START_TLS: 'no',
        QGS_DIRECTORY_ALLOW_INSECURE: 'on',
        QGS_SYNC_LIMITS_MAX_GROUP_DELETES_PERCENT: '12.5',
        QGS_DIRECTORY_USERS_ATTRIBUTES: '["employeeID", "department"]',
        QGS_DIRECTORY_GROUPS_INCLUDE: 'Qlik-*; /^BI-\\d{2,3}$/',
        QGS_MAPPING_ROLES: '[{"group":"Qlik-Admins","roles":["TenantAdmin"]}]',
      },
      overrides: { 'sync.runAtStart': 'FALSE', 'tenant.maxConcurrency': '8', 'directory.groups.exclude': '["a,b"]' },
    });
    expect(config.directory.startTls).toBe(false);
    expect(config.directory.allowInsecure).toBe(true);
    expect(config.sync.limits.maxGroupDeletesPercent).toBe(12.5);
    expect(config.directory.users.attributes.slice(0, 2)).toEqual(['employeeID', 'department']);
    expect(config.directory.groups.include).toEqual(['Qlik-*', '/^BI-\\d{2,3}$/']);
    expect(config.mapping.roles).toEqual([{ group: 'Qlik-Admins', roles: ['TenantAdmin'] }]);
    expect(config.sync.runAtStart).toBe(false);
    expect(config.tenant.maxConcurrency).toBe(8);
    expect(config.directory.groups.exclude).toEqual(['a,b']);
  });

  it('treats an empty environment variable as unset', async () => {
    const file = dir.write('c.yaml', MINIMAL_YAML);
    const { config } = await loadConfig({ file, env: { QGS_DIRECTORY_PAGE_SIZE: '', QGS_TENANT_URL: '' } });
    expect(config.directory.pageSize).toBe(500);
    expect(config.tenant.url).toBe('https://acme.eu.qlikcloud.com');
  });

  it('lets a higher layer replace a secret given as a file (and the other way round)', async () => {
    const keyFile = dir.write('api-key', 'file-secret-0001\n');
    const file = dir.write('c.yaml', MINIMAL_YAML.replace('apiKey: file-api-key-0001', 'apiKeyFile: api-key'));
    const fromFile = await loadConfig({ file, env: {} });
    expect(fromFile.config.tenant.apiKey).toBe('file-secret-0001');
    expect(fromFile.sources['tenant.apiKey']?.from).toMatch(/c\.yaml:\d+ \(tenant\.apiKeyFile\)$/);
    const fromEnv = await loadConfig({ file, env: { QGS_TENANT_API_KEY: 'env-secret-0002' } });
    expect(fromEnv.config.tenant.apiKey).toBe('env-secret-0002');
    const fromCli = await loadConfig({ file: dir.write('d.yaml', MINIMAL_YAML), env: {}, overrides: { 'tenant.apiKeyFile': keyFile } });
    expect(fromCli.config.tenant.apiKey).toBe('file-secret-0001');
  });
});

describe('${VAR} interpolation in the file', () => {
  it('replaces references in strings and list items, and parses whole references by type', async () => {
    const yaml = `
directory:
  urls: ["ldaps://\${DC}:636"]
  pageSize: \${PAGE}
  nestedGroups: \${NESTED:-false}
  bindDn: CN=svc,DC=example,DC=com
  bindPassword: \${LDAP_PASSWORD}
  groups:
    baseDns: ["OU=Groups,DC=example,DC=com"]
tenant:
  url: https://\${TENANT}.eu.qlikcloud.com
  apiKey: key-0001
mapping:
  nameTemplate: "$\${x}{name}"
`;
    const { config } = await loadConfig({
      file: dir.write('i.yaml', yaml),
      env: { DC: 'dc9.example.com', PAGE: '200', TENANT: 'acme', LDAP_PASSWORD: 'p@ss w0rd' },
    });
    expect(config.directory.urls).toEqual(['ldaps://dc9.example.com:636']);
    expect(config.directory.pageSize).toBe(200);
    expect(config.directory.nestedGroups).toBe(false);
    expect(config.directory.bindPassword).toBe('p@ss w0rd');
    expect(config.tenant.url).toBe('https://acme.eu.qlikcloud.com');
    expect(config.mapping.nameTemplate).toBe('${x}{name}');
  });

  it('names a missing variable and the key that uses it, instead of an empty string', async () => {
    const yaml = MINIMAL_YAML.replace('apiKey: file-api-key-0001', 'apiKey: ${QLIK_API_KEY}') + 'sync:\n  webhookUrl: https://hooks.example.com/${HOOK_TOKEN}\n';
    const problems = await problemsOf({ file: dir.write('c.yaml', yaml), env: {} });
    expect(problems).toEqual([
      { path: 'sync.webhookUrl', message: expect.stringMatching(/^environment variable HOOK_TOKEN is not set \(used as \$\{HOOK_TOKEN\}\) \(.*c\.yaml:\d+\)$/) },
      { path: 'tenant.apiKey', message: expect.stringMatching(/^environment variable QLIK_API_KEY is not set/) },
    ]);
  });

  it('rejects a malformed reference', async () => {
    const yaml = `${MINIMAL_YAML}mapping:\n  prefix: "\${bad.name}-"\n`;
    const problems = await problemsOf({ file: dir.write('c.yaml', yaml), env: {} });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'mapping.prefix', message: expect.stringContaining('"${bad.name}" is not ${NAME}') });
  });

  it('does not interpolate environment or command-line values', async () => {
    const { config } = await loadConfig({ file: dir.write('c.yaml', MINIMAL_YAML), env: { QGS_MAPPING_PREFIX: '${X}-', X: 'no' } });
    expect(config.mapping.prefix).toBe('${X}-');
  });
});

describe('*File secrets', () => {
  it('reads the file relative to the config file, without its final line break', async () => {
    dir.write('bind-password', 'correct horse\r\n');
    const file = dir.write(
      'c.yaml',
      MINIMAL_YAML.replace('  groups:', '  bindDn: CN=svc,DC=example,DC=com\n  bindPasswordFile: ./bind-password\n  groups:'),
    );
    const { config } = await loadConfig({ file, env: {}, cwd: '/' });
    expect(config.directory.bindPassword).toBe('correct horse');
  });

  it('resolves environment *File paths against the working folder', async () => {
    dir.write('secret.txt', 'cs-0001\n');
    const file = dir.write('c.yaml', MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', ''));
    const { config } = await loadConfig({
      file,
      env: { QGS_TENANT_OAUTH_CLIENT_ID_FILE: 'secret.txt', QGS_TENANT_OAUTH_CLIENT_SECRET_FILE: 'secret.txt' },
      cwd: dir.dir,
    });
    expect(config.tenant.oauth).toEqual({ clientId: 'cs-0001', clientSecret: 'cs-0001' });
  });

  it('names the key and the path of an unreadable or empty file, never its content', async () => {
    const empty = dir.write('empty', '\n');
    const locked = dir.write('locked', 'locked-secret');
    chmodSync(locked, 0o000);
    const file = dir.write('c.yaml', MINIMAL_YAML.replace('apiKey: file-api-key-0001', 'apiKeyFile: missing-key'));
    const problems = await problemsOf({
      file,
      env: { QGS_DIRECTORY_BIND_DN: 'CN=x,DC=y', QGS_DIRECTORY_BIND_PASSWORD_FILE: empty, QGS_SYNC_WEBHOOK_URL_FILE: locked },
    });
    expect(problems).toContainEqual({ path: 'tenant.apiKeyFile', message: expect.stringContaining(`cannot read ${join(dir.dir, 'missing-key')}: no such file`) });
    expect(problems).toContainEqual({ path: 'directory.bindPasswordFile', message: `${empty} is empty (QGS_DIRECTORY_BIND_PASSWORD_FILE)` });
    if (process.getuid?.() !== 0) {
      expect(problems).toContainEqual({ path: 'sync.webhookUrlFile', message: `cannot read ${locked}: permission denied (QGS_SYNC_WEBHOOK_URL_FILE)` });
    }
    expect(JSON.stringify(problems)).not.toContain('locked-secret');
  });

  it('never quotes the value in a YAML syntax error, which may be a secret', async () => {
    const cases: Array<[string, string]> = [
      ['apiKey: *Tok3n-0001', 'an alias (*name) with no anchor'],
      ['apiKey: |Tok3n-0001', 'Block scalar header includes extra characters'],
      ['apiKey: "Tok3n-0001', 'Missing closing "quote'],
      ['apiKey: @Tok3n-0001', 'Plain value cannot start with reserved character @'],
      ['apiKey: "Qk\\Tok3n-0001"', 'Invalid escape sequence in a double-quoted value'],
    ];
    for (const [line, message] of cases) {
      const file = dir.write('c.yaml', MINIMAL_YAML.replace('apiKey: file-api-key-0001', line));
      const problems = await problemsOf({ file, env: {} });
      expect(problems[0]).toEqual({ path: expect.stringMatching(/c\.yaml:\d+:\d+$/), message: expect.stringContaining(message) });
      expect(JSON.stringify(problems)).not.toContain('Tok3n');
    }
    const directive = await problemsOf({ file: dir.write('c.yaml', `%YAML Tok3n-0001\n---\n${MINIMAL_YAML}`), env: {} });
    expect(directive[0]).toEqual({ path: expect.stringMatching(/c\.yaml:\d+:\d+$/), message: expect.stringContaining('a bad % directive') });
    expect(JSON.stringify(directive)).not.toContain('Tok3n');
  });

  it('still lists the environment and --set problems when the file does not parse', async () => {
    const file = dir.write('c.yaml', 'tenant: [unclosed\n');
    const problems = await problemsOf({ file, env: { QGS_DIRECTORY_PAGE_SIZE: 'lots', QGS_TENANT_URLL: 'x' }, overrides: { 'sync.limits.maxGroupDeletes': '-1' } });
    expect(paths(problems)).toEqual([`${file}:2:1`, 'QGS_TENANT_URLL', 'directory.pageSize', 'sync.limits.maxGroupDeletes']);
  });

  it('drops one trailing line break from a secret given in the environment, as from a *File', async () => {
    const file = dir.write('c.yaml', MINIMAL_YAML);
    const { config } = await loadConfig({ file, env: { QGS_TENANT_API_KEY: 'env-secret-0003\n', QGS_DIRECTORY_BIND_DN: 'CN=a,DC=b', QGS_DIRECTORY_BIND_PASSWORD: 'pw-0001\r\n' } });
    expect(config.tenant.apiKey).toBe('env-secret-0003');
    expect(config.directory.bindPassword).toBe('pw-0001');
    expect(scrub('key env-secret-0003, password pw-0001')).not.toMatch(/env-secret-0003|pw-0001/);
  });

  it('checks that a caFile holds PEM certificates that can be read', async () => {
    const file = dir.write('c.yaml', MINIMAL_YAML);
    const { caFile, caPem } = createTestCertificates(join(dir.dir, 'certs'));
    const key = dir.write('key.pem', '-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n');
    const broken = dir.write('broken.pem', `${caPem}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`);
    const { config } = await loadConfig({ file, env: {}, overrides: { 'tenant.caFile': caFile } });
    expect(config.tenant.caFile).toBe(caFile);
    const problems = await problemsOf({ file, env: { QGS_DIRECTORY_CA_FILE: key }, overrides: { 'tenant.caFile': broken } });
    expect(problems).toEqual([
      { path: 'directory.caFile', message: `${key} holds no PEM certificate (-----BEGIN CERTIFICATE-----) (QGS_DIRECTORY_CA_FILE)` },
      { path: 'tenant.caFile', message: `${broken} holds a certificate that cannot be read (the 2nd in the file) (--set)` },
    ]);
  });

  it('rejects a secret and its *File variant given in the same place', async () => {
    const key = dir.write('k', 'abcd-0001');
    const file = dir.write('c.yaml', MINIMAL_YAML.replace('apiKey: file-api-key-0001', `apiKey: inline-0001\n  apiKeyFile: ${key}`));
    const problems = await problemsOf({ file, env: { QGS_DIRECTORY_BIND_PASSWORD: 'x1234', QGS_DIRECTORY_BIND_PASSWORD_FILE: key, QGS_DIRECTORY_BIND_DN: 'CN=a,DC=b' } });
    expect(paths(problems)).toEqual(['directory.bindPassword', 'tenant.apiKey']);
    expect(problems[0]!.message).toContain('give either directory.bindPassword or directory.bindPasswordFile, not both');
  });
});

describe('validation reports every problem at once', () => {
  it('names each problem by key: wrong types, unknown keys, a missing required key, malformed URLs', async () => {
    const yaml = `
directory:
  urls: ["ldap//dc1.example.com"]
  pageSize: many
  startTls: "yes"
  kind: ad
  bindPasword: x
  groups:
    baseDns: ["OU=Groups,DC=example,DC=com"]
    include: "Qlik-*"
tenant:
  url: ftp://acme.eu.qlikcloud.com
  apiKey: key-0001
  rateLimits:
    tier2PerMinute: -5
mapping:
  roles:
    - group: admins
      roles: []
    - grp: x
      roles: [Developer]
sync:
  limits:
    maxGroupDeletesPercent: 150
  schedule: every hour
  timezone: Mars/Olympus
logging:
  level: loud
pageSize: 10
`;
    const problems = await problemsOf({ file: dir.write('c.yaml', yaml), env: {} });
    expect(paths(problems)).toEqual([
      'directory.bindPasword',
      'directory.groups.include',
      'directory.kind',
      'directory.pageSize',
      'directory.startTls',
      'directory.urls[0]',
      'logging.level',
      'mapping.roles[0].roles',
      'mapping.roles[1].group',
      'mapping.roles[1].grp',
      'pageSize',
      'sync.limits.maxGroupDeletesPercent',
      'sync.schedule',
      'sync.timezone',
      'tenant.rateLimits.tier2PerMinute',
      'tenant.url',
    ]);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['directory.bindPasword']).toMatch(/^unknown key \(did you mean directory\.bindPassword\?\)/);
    expect(byPath['pageSize']).toMatch(/^unknown key \(did you mean directory\.pageSize\?\)/);
    expect(byPath['directory.pageSize']).toMatch(/^expected an integer from 1 to 10000, got "many" \(.*c\.yaml:4\)$/);
    expect(byPath['directory.startTls']).toMatch(/^expected true or false, got "yes"/);
    expect(byPath['directory.kind']).toMatch(/^expected one of auto, activeDirectory, openldap, got "ad"/);
    expect(byPath['directory.groups.include']).toMatch(/^expected a list, got text/);
    expect(byPath['directory.urls[0]']).toMatch(/^expected a ldap:\/\/ or ldaps:\/\/ URL, got text that is not a URL/);
    expect(byPath['tenant.url']).toMatch(/^expected a https:\/\/ .*URL, got a ftp:\/\/ URL/);
    expect(byPath['logging.level']).toMatch(/^expected one of trace, debug/);
    expect(byPath['sync.limits.maxGroupDeletesPercent']).toMatch(/^expected a number from 0 to 100, got 150/);
  });

  it('reports a missing required key with how to set it', async () => {
    const problems = await problemsOf({ file: dir.write('c.yaml', 'logging:\n  level: info\n'), env: {} });
    expect(problems).toEqual([
      { path: 'directory.groups.baseDns', message: expect.stringContaining('required') },
      { path: 'directory.urls', message: 'required when directory.source is ldap: set directory.urls (or QGS_DIRECTORY_URLS)' },
      { path: 'tenant.apiKey', message: expect.stringContaining('required: set tenant.apiKey (or tenant.apiKeyFile, QGS_TENANT_API_KEY), or tenant.oauth.clientId') },
      { path: 'tenant.url', message: 'required: set tenant.url (e.g. "https://acme.eu.qlikcloud.com") or QGS_TENANT_URL' },
    ]);
  });

  it('reports unknown environment variables and --set keys with a suggestion', async () => {
    const problems = await problemsOf({
      file: dir.write('c.yaml', MINIMAL_YAML),
      env: { QGS_TENANT_APIKEY: 'k-0001', QGS_CONFIG: 'ignored.yaml', OTHER_VAR: 'x' },
      overrides: { 'directory.pagesize': '10', 'sync.limits.maxGroupDelete': '3' },
    });
    expect(problems).toEqual([
      { path: 'QGS_TENANT_APIKEY', message: 'unknown environment variable (did you mean QGS_TENANT_API_KEY?)' },
      { path: 'directory.pagesize', message: 'unknown option (did you mean directory.pageSize?) (--set)' },
      { path: 'sync.limits.maxGroupDelete', message: 'unknown option (did you mean sync.limits.maxGroupDeletes?) (--set)' },
    ]);
  });

  it('reports a bad value even where a higher layer overrides it', async () => {
    const problems = await problemsOf({ file: dir.write('c.yaml', `${MINIMAL_YAML}  requestTimeoutMs: soon\n`), env: { QGS_TENANT_REQUEST_TIMEOUT_MS: '5000' } });
    expect(problems).toEqual([{ path: 'tenant.requestTimeoutMs', message: expect.stringMatching(/^expected an integer from 1000 to 600000, got "soon"/) }]);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const problems = await problemsOf({ file: dir.write('c.yaml', 'tenant:\n  url: https://x\n  url: https://y\ndirectory: [a\n'), env: {} });
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.map((p) => p.path)).toContain(`${join(dir.dir, 'c.yaml')}:3:3`);
    expect(problems.every((p) => p.message.startsWith('YAML: '))).toBe(true);
  });

  it('reports a config file that cannot be read', async () => {
    const problems = await problemsOf({ file: 'nope.yaml', env: {}, cwd: dir.dir });
    expect(problems).toEqual([{ path: 'nope.yaml', message: 'cannot read the config file: no such file' }]);
  });

  it('rejects a top level that is not a mapping, and a section given as a value', async () => {
    expect(await problemsOf({ file: dir.write('a.yaml', '- a\n- b\n'), env: {} })).toEqual([{ path: expect.stringMatching(/a\.yaml$/), message: expect.stringMatching(/^expected a mapping/) }]);
    const problems = await problemsOf({ file: dir.write('b.yaml', `${MINIMAL_YAML}sync: true\n`), env: {} });
    expect(problems).toEqual([{ path: 'sync', message: expect.stringMatching(/^expected a mapping with keys such as /) }]);
  });
});

describe('rules across options', () => {
  const load = (yaml: string, env: Record<string, string> = {}) => loadConfig({ file: dir.write(`c${Math.random()}.yaml`, yaml), env });

  it('accepts an OAuth client instead of an API key, but not both', async () => {
    const oauth = MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', '  oauth:\n    clientId: id-1\n    clientSecret: cs-0001\n');
    expect((await load(oauth)).config.tenant.oauth).toEqual({ clientId: 'id-1', clientSecret: 'cs-0001' });
    const both = MINIMAL_YAML + '  oauth:\n    clientId: id-1\n    clientSecret: cs-0001\n';
    expect(paths(await problemsOf({ file: dir.write('both.yaml', both), env: {} }))).toEqual(['tenant.apiKey']);
    const half = MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', '  oauth:\n    clientId: id-1\n');
    const problems = await problemsOf({ file: dir.write('half.yaml', half), env: {} });
    expect(problems).toEqual([{ path: 'tenant.oauth.clientSecret', message: expect.stringContaining('required when tenant.oauth.clientId is set') }]);
  });

  it('needs an LDIF file for source ldif, and no server URLs', async () => {
    const ldif = dir.write('dir.ldif', 'version: 1\n');
    const yaml = `directory:\n  source: ldif\n  ldifFile: dir.ldif\n  groups:\n    baseDns: ["ou=groups,dc=example,dc=com"]\ntenant:\n  url: http://127.0.0.1:8080\n  apiKey: key-0001\n`;
    const { config } = await load(yaml);
    expect(config.directory.ldifFile).toBe(ldif);
    expect(config.directory.urls).toEqual([]);
    const problems = await problemsOf({ file: dir.write('n.yaml', yaml.replace('  ldifFile: dir.ldif\n', '')), env: {} });
    expect(problems).toEqual([{ path: 'directory.ldifFile', message: 'required when directory.source is ldif: set directory.ldifFile (or QGS_DIRECTORY_LDIF_FILE)' }]);
  });

  it('refuses DNs in a flow list without quotes (YAML splits them at every comma), and only those', async () => {
    const yamlWith = (bases: string): string => MINIMAL_YAML.replace('["OU=Groups,DC=example,DC=com"]', bases);
    for (const bases of ['[OU=Groups,DC=example,DC=com]', '[CN=Users,DC=corp]', '[OU=Groups,O=Example]']) {
      const problems = await problemsOf({ file: dir.write('split.yaml', yamlWith(bases)), env: {} });
      expect(problems).toEqual([{ path: 'directory.groups.baseDns', message: expect.stringContaining(`quote each DN, ["${bases.slice(1, -1)}"]`) }]);
    }
    // Quoted, one "- " item each, or through the environment (';' between DNs): as written.
    for (const [bases, expected] of [
      ['["DC=CORP", "DC=LAB"]', ['DC=CORP', 'DC=LAB']],
      ['\n      - DC=CORP\n      - DC=LAB', ['DC=CORP', 'DC=LAB']],
      ['[OU=Groups]', ['OU=Groups']],
    ] as const) {
      expect((await load(yamlWith(bases))).config.directory.groups.baseDns).toEqual(expected);
    }
    expect((await load(MINIMAL_YAML, { QGS_DIRECTORY_USERS_BASE_DNS: 'DC=CORP;DC=LAB' })).config.directory.users.baseDns).toEqual(['DC=CORP', 'DC=LAB']);
  });

  it('places each problem on its own line: a list item, a role rule, a key with a block under it', async () => {
    const yaml = [
      'directory:', //                          1
      '  urls:', //                             2
      '    - ldaps://dc1.example.com', //       3
      '    - http://dc2.example.com', //        4
      '  groups:', //                           5
      '    baseDns:', //                        6
      '      - OU=G,DC=x', //                   7
      '      - nonsense', //                    8
      'tennant:', //                            9
      '  url: https://x.eu.qlikcloud.com', //  10
      'mapping:', //                           11
      '  roles:', //                           12
      '    - group: Ok', //                    13
      '      roles: [A]', //                   14
      '    - grup: Foo', //                    15
      '      roles: []', //                    16
      '',
    ].join('\n');
    const problems = await problemsOf({ file: dir.write('lines.yaml', yaml), env: {} });
    const lineOf = (path: string): string | undefined => /\(.*lines\.yaml:(\d+)\)$/.exec(problems.find((p) => p.path === path)?.message ?? '')?.[1];
    expect(lineOf('directory.urls[1]')).toBe('4');
    expect(lineOf('directory.groups.baseDns[1]')).toBe('8');
    expect(lineOf('tennant')).toBe('9');
    expect(lineOf('mapping.roles[1].grup')).toBe('15');
    expect(lineOf('mapping.roles[1].group')).toBe('15'); // missing: placed at its rule
    expect(lineOf('mapping.roles[1].roles')).toBe('16');
    expect(problems.find((p) => p.path === 'mapping.roles[1].roles')?.message).toContain('got an empty list');
  });

  it('pairs bindDn with bindPassword', async () => {
    const problems = await problemsOf({ file: dir.write('c.yaml', MINIMAL_YAML), env: { QGS_DIRECTORY_BIND_DN: 'CN=svc,DC=example,DC=com' } });
    expect(problems).toEqual([{ path: 'directory.bindPassword', message: expect.stringContaining('required when directory.bindDn is set') }]);
    const reverse = await problemsOf({ file: dir.write('d.yaml', MINIMAL_YAML), env: { QGS_DIRECTORY_BIND_PASSWORD: 'pw-0001' } });
    expect(paths(reverse)).toEqual(['directory.bindDn']);
  });

  it('refuses plain ldap:// without StartTLS unless allowInsecure, and warns when allowed', async () => {
    const plain = MINIMAL_YAML.replace('ldaps://dc1.example.com:636', 'ldap://dc1.example.com:389');
    expect((await load(plain)).warnings).toEqual([]);
    const problems = await problemsOf({ file: dir.write('p.yaml', plain), env: { QGS_DIRECTORY_START_TLS: 'false' } });
    expect(problems).toEqual([{ path: 'directory.startTls', message: expect.stringContaining('clear text') }]);
    const allowed = await load(plain, { QGS_DIRECTORY_START_TLS: 'false', QGS_DIRECTORY_ALLOW_INSECURE: 'true', QGS_TENANT_TLS_VERIFY: 'false' });
    expect(allowed.warnings).toEqual([expect.stringContaining('directory.allowInsecure is true'), expect.stringContaining('tenant.tlsVerify is false')]);
  });

  it('allows http only for a loopback tenant, and only a base URL', async () => {
    expect((await load(MINIMAL_YAML.replace('https://acme.eu.qlikcloud.com', 'http://localhost:8080'))).config.tenant.url).toBe('http://localhost:8080');
    const remote = await problemsOf({ file: dir.write('r.yaml', MINIMAL_YAML.replace('https://acme.eu.qlikcloud.com', 'http://acme.eu.qlikcloud.com')), env: {} });
    expect(remote).toEqual([{ path: 'tenant.url', message: expect.stringContaining('for a host that is not loopback') }]);
    const withPath = await problemsOf({ file: dir.write('w.yaml', MINIMAL_YAML.replace('qlikcloud.com', 'qlikcloud.com/api/v1')), env: {} });
    expect(withPath).toEqual([{ path: 'tenant.url', message: expect.stringContaining("tenant's base URL") }]);
  });

  it('adds the attributes the user mapping names to directory.users.attributes', async () => {
    const yaml = `${MINIMAL_YAML}mapping:\n  user:\n    subjectTemplate: 'CORP\\{sAMAccountName}@{department}'\n    emailAttribute: Mail\n`;
    const { config } = await loadConfig({ file: dir.write('m.yaml', yaml), env: { QGS_DIRECTORY_USERS_ATTRIBUTES: 'mail,employeeID' } });
    expect(config.directory.users.attributes).toEqual(['mail', 'employeeID', 'sAMAccountName', 'department', 'displayName']);
  });

  it('rejects templates that name no attribute or have unbalanced braces', async () => {
    const problems = await problemsOf({ file: dir.write('t.yaml', `${MINIMAL_YAML}mapping:\n  nameTemplate: fixed\n  user:\n    subjectTemplate: "{uid"\n`), env: {} });
    expect(problems).toEqual([
      { path: 'mapping.nameTemplate', message: expect.stringContaining('names no attribute') },
      { path: 'mapping.user.subjectTemplate', message: expect.stringContaining('"{" without its "}"') },
    ]);
  });
});
