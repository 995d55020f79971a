// No configured secret (bind password, API key, OAuth client secret, webhook URL) may appear in
// any log line, error message or CLI output. The secrets are configured the way users configure
// them (file, *File, environment, --set), so the test also proves the loader registers them: the
// logger is never told about them by the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load.ts';
import { ConfigError, SyncError, describeError } from '../../src/errors.ts';
import { clearSecrets, createLogger, type LogFormat } from '../../src/log.ts';
import { runCliProcess, runMain } from '../cli/run-cli.ts';
import { MINIMAL_YAML, scratch } from '../config/fixtures.ts';

// Awkward characters on purpose: quotes and backslashes change under JSON escaping, `+&=/`
// under URL encoding, non-ASCII under both.
const BIND_PASSWORD = 'Bind"Pa\\ss/wörd+&=2024';
const API_KEY = 'eyJhbGciOiJFUzM4NCIsImtpZCI6InRlc3Qta2V5In0.eyJzdWIiOiJhcGkta2V5LXRlc3QifQ.c2lnbmF0dXJlLW5vdC1yZWFs';
const CLIENT_SECRET = 'oauth-client-secret-5f2b8c1e9d7a4b3c';
const WEBHOOK_URL = 'https://hooks.chat-service.test/services/T000/B000/webhook-token-9a8b7c';
const SECRETS = { BIND_PASSWORD, API_KEY, CLIENT_SECRET, WEBHOOK_URL };

/** Every form a secret could take in output: raw, JSON-escaped, URL-encoded, and any 10-character piece. */
function leaksOf(text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS)) {
    const escaped = JSON.stringify(secret).slice(1, -1);
    const forms = [secret, escaped, JSON.stringify(escaped).slice(1, -1), encodeURIComponent(secret)];
    const window = 10;
    const pieces = forms.flatMap((form) => Array.from({ length: Math.max(1, form.length - window + 1) }, (_, i) => form.slice(i, i + window)));
    if (pieces.some((piece) => text.includes(piece))) found.push(name);
  }
  return found;
}

const dir = scratch();
afterAll(() => dir.remove());

beforeAll(async () => {
  clearSecrets();
  // Configured as users would: bind password from a *File, API key from the environment,
  // webhook URL in the file; then the OAuth client secret from --set in a second configuration.
  const passwordFile = dir.write('bind-password', `${BIND_PASSWORD}\n`);
  const yaml = MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', '').replace(
    '  groups:',
    `  bindDn: CN=svc,DC=example,DC=com\n  bindPasswordFile: ${passwordFile}\n  groups:`,
  );
  const file = dir.write('secrets.yaml', `${yaml}sync:\n  webhookUrl: ${WEBHOOK_URL}\n`);
  const first = await loadConfig({ file, env: { QGS_TENANT_API_KEY: API_KEY } });
  expect(first.config.directory.bindPassword).toBe(BIND_PASSWORD);
  expect(first.config.tenant.apiKey).toBe(API_KEY);
  const oauthYaml = MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', '  oauth:\n    clientId: client-1\n');
  const second = await loadConfig({ file: dir.write('oauth.yaml', oauthYaml), env: {}, overrides: { 'tenant.oauth.clientSecret': CLIENT_SECRET } });
  expect(second.config.tenant.oauth?.clientSecret).toBe(CLIENT_SECRET);
});

describe('log lines never contain a secret', () => {
  const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

  function capture(format: LogFormat): { lines: string[]; logger: ReturnType<typeof createLogger> } {
    const lines: string[] = [];
    const logger = createLogger({ level: 'trace', format, destination: { write: (line: string) => lines.push(line) }, runId: 'run-secrets' });
    return { lines, logger };
  }

  it.each(['json', 'pretty'] as const)('at every level, in %s format: messages, objects, nested objects, errors and causes', (format) => {
    const { lines, logger } = capture(format);
    let expected = 0;
    for (const level of LEVELS) {
      const log = logger[level].bind(logger);
      for (const secret of Object.values(SECRETS)) {
        log(`connecting with ${secret} now`);
        log('formatted %s and %j', secret, { secret });
        log({ password: secret, bindPassword: secret, apiKey: secret, clientSecret: secret, token: secret, free: secret }, 'object fields');
        log({ request: { headers: { authorization: `Bearer ${secret}` }, body: { client_secret: secret } }, list: [secret, { deep: [secret] }] }, 'nested');
        const cause = new Error(`inner failure for ${secret}`);
        const error = new SyncError('DIRECTORY_BIND', `bind as ${secret} failed`, { cause, details: { tried: secret } });
        log(error);
        log({ err: error }, `wrapped: ${describeError(error)}`);
        log({ err: new Error(secret, { cause: new Error(secret) }) }, 'plain error');
        logger.child({ token: secret, context: { password: secret } })[level]('child bindings');
        // A response body logged as text: the secret is JSON-escaped inside a JSON-escaped field.
        log({ responseBody: JSON.stringify({ echoed: { client_secret: secret } }) }, 'quoted JSON text');
        expected += 9;
      }
    }
    expect(lines).toHaveLength(expected);
    for (const line of lines) expect(leaksOf(line), line).toEqual([]);
    // Lines were not just dropped: the secrets were replaced, and every line has the run id.
    expect(lines.filter((l) => l.includes('[REDACTED]'))).toHaveLength(expected);
    for (const line of lines) expect(line).toContain('run-secrets');
  });
});

describe('configuration errors never echo a secret', () => {
  async function messageOf(options: LoadConfigOptions): Promise<string> {
    try {
      await loadConfig(options);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return `${describeError(error)}\n${JSON.stringify((error as ConfigError).problems)}`;
    }
    throw new Error('expected a ConfigError');
  }

  it.each([
    ['an API key given where the tenant URL belongs', { QGS_TENANT_URL: API_KEY }],
    ['a webhook URL given where a directory URL belongs', { QGS_DIRECTORY_URLS: WEBHOOK_URL.replace('https', 'ftp') }],
    ['a password given as the page size', { QGS_DIRECTORY_PAGE_SIZE: BIND_PASSWORD }],
    ['a client secret given as the log level', { QGS_LOGGING_LEVEL: CLIENT_SECRET }],
    ['a client secret given as a group pattern', { QGS_DIRECTORY_GROUPS_INCLUDE: `/${CLIENT_SECRET}(/` }],
    ['a secret under a mistyped environment variable', { QGS_TENANT_API_KY: API_KEY, QGS_TENANT_API_KEY: 'other-key-0001' }],
  ])('%s', async (_, env) => {
    clearSecrets();
    // The real secrets are configured too (as in production), from the environment.
    const text = await messageOf({
      file: dir.write(`c${Math.random()}.yaml`, MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', '')),
      env: { QGS_TENANT_API_KEY: API_KEY, QGS_DIRECTORY_BIND_DN: 'CN=a,DC=b', QGS_DIRECTORY_BIND_PASSWORD: BIND_PASSWORD, QGS_SYNC_WEBHOOK_URL: WEBHOOK_URL, ...env },
      overrides: { 'tenant.oauth.clientSecret': CLIENT_SECRET, 'tenant.oauth.clientId': 'client-1' },
    });
    expect(leaksOf(text), text).toEqual([]);
  });

  it('a secret pasted into a URL key is not echoed even when nothing else names it', async () => {
    clearSecrets();
    const yaml = `directory:\n  urls: ["${API_KEY}"]\n  groups:\n    baseDns: [OU=G,DC=x]\ntenant:\n  url: "${CLIENT_SECRET}"\n  apiKey: key-0001\nsync:\n  webhookUrl: "not a url ${WEBHOOK_URL.slice(8)}"\n`;
    const text = await messageOf({ file: dir.write('pasted.yaml', yaml), env: {} });
    expect(text).toContain('tenant.url: expected a https://');
    expect(leaksOf(text), text).toEqual([]);
  });

  it('secrets in the file: wrong types, both forms, mistyped keys, malformed references, bad file contents, YAML errors', async () => {
    clearSecrets();
    const secretFile = dir.write('webhook', `${WEBHOOK_URL.replace('https:', 'ftp:')}\n`);
    const yaml = `directory:
  urls: [ldaps://dc1.example.com]
  bindDn: CN=svc,DC=example,DC=com
  bindPassword: "${BIND_PASSWORD.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}\${broken"
  groups:
    baseDns: [OU=G,DC=x]
tenant:
  url: https://acme.eu.qlikcloud.com
  apikey: ${API_KEY}
  oauth:
    clientId: client-1
    clientSecret: "${CLIENT_SECRET}"
    clientSecretFile: ${secretFile}
sync:
  webhookUrlFile: ${secretFile}
`;
    const text = await messageOf({ file: dir.write('file-secrets.yaml', yaml), env: {} });
    expect(text).toContain('tenant.apikey: unknown key (did you mean tenant.apiKey?)');
    expect(text).toContain('give either tenant.oauth.clientSecret or tenant.oauth.clientSecretFile');
    expect(text).toContain('sync.webhookUrl: expected a https:// or http:// URL, got a ftp:// URL');
    expect(leaksOf(text), text).toEqual([]);

    const syntax = await messageOf({ file: dir.write('syntax.yaml', `tenant:\n  apiKey: "${API_KEY}\n  url: x\n`), env: {} });
    expect(syntax).toContain('YAML: ');
    expect(leaksOf(syntax), syntax).toEqual([]);
    const typed = await messageOf({ file: dir.write('typed.yaml', `${MINIMAL_YAML}  oauth:\n    clientSecret: [${CLIENT_SECRET}]\n`), env: {} });
    expect(typed).toContain('tenant.oauth.clientSecret: expected text, got a list');
    expect(leaksOf(typed), typed).toEqual([]);
  });
});

describe('CLI output never contains a secret', () => {
  const env = {
    QGS_TENANT_API_KEY: API_KEY,
    QGS_DIRECTORY_BIND_DN: 'CN=svc,DC=example,DC=com',
    QGS_DIRECTORY_BIND_PASSWORD: BIND_PASSWORD,
    QGS_SYNC_WEBHOOK_URL: WEBHOOK_URL,
  };

  it('stderr of the real CLI on a configuration failure, at trace level', async () => {
    const file = dir.write('cli-bad.yaml', `directory:\n  urls: [ldaps://dc1.example.com]\n  groups:\n    baseDns: [OU=G,DC=x]\ntenant:\n  url: "${API_KEY}"\n`);
    const result = await runCliProcess(['validate', '--config', file, '--log-level', 'trace', '--set', `directory.pageSize=${BIND_PASSWORD}`, '--set', `logging.format=${CLIENT_SECRET}`], {
      ...env,
      QGS_TENANT_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
      QGS_TENANT_OAUTH_CLIENT_ID: 'client-1',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('- directory.pageSize: expected an integer');
    expect(result.stderr).toContain('- tenant.url: expected a https://');
    expect(leaksOf(result.stdout + result.stderr), result.stderr).toEqual([]);
  });

  it('validate output for a good configuration shows secrets only as [set]', async () => {
    const result = await runMain(['validate', '--offline', '--config', dir.write('cli-good.yaml', MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', ''))], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/directory\.bindPassword\s+\[set\]\s+QGS_DIRECTORY_BIND_PASSWORD/);
    expect(result.stdout).toMatch(/sync\.webhookUrl\s+\[set\]/);
    expect(leaksOf(result.stdout + result.stderr), result.stdout).toEqual([]);
  });

  it('an unexpected error is printed as one scrubbed line', async () => {
    // A command failure carrying a secret in its message and cause, through the CLI's error path.
    const { main } = await import('../../src/cli.ts');
    const commands = await import('../../src/commands/index.ts');
    const validate = commands.findCommand('validate')!;
    const original = validate.run;
    validate.run = async (ctx) => {
      await ctx.loadConfig();
      throw new Error(`tenant refused key ${API_KEY}`, { cause: new Error(`password ${BIND_PASSWORD} rejected`) });
    };
    try {
      let stderr = '';
      const code = await main(['validate', '--config', dir.write('cli-ok.yaml', MINIMAL_YAML.replace('  apiKey: file-api-key-0001\n', '')), '--log-level', 'debug'], env, {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (stderr += t) },
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(/^error: tenant refused key \[REDACTED\]: password \[REDACTED\] rejected\n/);
      expect(leaksOf(stderr), stderr).toEqual([]);
    } finally {
      validate.run = original;
    }
  });
});
