import { readFileSync, existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { renderOptionsMarkdown } from '../../src/config/reference.ts';
import { GENERATED_FILES, buildJsonSchema, renderJsonSchema } from '../../src/config/schema.ts';
import { KEYS, OPTIONS } from '../../src/config/options.ts';
import { createTestCertificates } from '../support/certs.ts';
import { scratch } from './fixtures.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');
const REGENERATE = 'out of date: run `node src/config/schema.ts --write` and commit the result';

describe('generated files', () => {
  it('config/qlik-group-sync.schema.json is the schema generated from the option table', () => {
    expect(read(GENERATED_FILES.schema), REGENERATE).toBe(renderJsonSchema());
  });

  it('config/options.md is the reference generated from the option table', () => {
    expect(read(GENERATED_FILES.reference), REGENERATE).toBe(renderOptionsMarkdown());
  });

  it('documents every option and its environment variable in the reference', () => {
    const markdown = renderOptionsMarkdown();
    for (const key of KEYS.values()) expect(markdown, key.key).toContain(`\`${key.env}\``);
    for (const option of OPTIONS) expect(markdown).toContain(`| \`${option.path}\` |`);
  });

  it('has a schema property for every settable key, closed to unknown keys', () => {
    const schema = buildJsonSchema();
    for (const key of KEYS.keys()) {
      let node = schema as { properties?: Record<string, unknown>; additionalProperties?: unknown };
      for (const part of key.split('.')) {
        expect(node.additionalProperties, key).toBe(false);
        node = node.properties?.[part] as typeof node;
        expect(node, key).toBeDefined();
      }
    }
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('example configurations', () => {
  const dir = scratch();
  afterAll(() => dir.remove());
  const secret = dir.write('secret', 'example-secret-0001\n');
  const pem = createTestCertificates(dir.dir).caFile;

  /** Every dotted key path the YAML file uses, to check against the schema. */
  function keysOf(value: unknown, prefix = ''): string[] {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
    return Object.entries(value).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k));
  }

  it('example-ad.yaml (Active Directory, LDAPS, API key from a file) is valid', async () => {
    // The mounted secret and CA files do not exist here: point those keys at stand-ins.
    const { config } = await loadConfig({
      file: `${root}config/example-ad.yaml`,
      env: {},
      overrides: { 'directory.bindPasswordFile': secret, 'tenant.apiKeyFile': secret, 'directory.caFile': pem },
    });
    expect(config.directory.kind).toBe('activeDirectory');
    expect(config.directory.urls.every((u) => u.startsWith('ldaps://'))).toBe(true);
    expect(config.tenant.apiKey).toBe('example-secret-0001');
    expect(config.mapping.roles.length).toBeGreaterThan(0);
  });

  it('example-openldap.yaml (OpenLDAP, StartTLS, OAuth client from the environment) is valid', async () => {
    const { config } = await loadConfig({
      file: `${root}config/example-openldap.yaml`,
      env: { LDAP_BIND_PASSWORD: 'pw-0001', QLIK_OAUTH_CLIENT_ID: 'client-1', QLIK_OAUTH_CLIENT_SECRET: 'cs-0001' },
    });
    expect(config.directory.startTls).toBe(true);
    expect(config.directory.urls[0]).toMatch(/^ldap:\/\//);
    expect(config.tenant.oauth).toEqual({ clientId: 'client-1', clientSecret: 'cs-0001' });
  });

  it('demo/demo.yaml (the LDIF demo) is valid and reads the shipped sample directory', async () => {
    expect(existsSync(`${root}config/demo/directory.ldif`)).toBe(true);
    const { config } = await loadConfig({ file: `${root}config/demo/demo.yaml`, env: {} });
    expect(config.directory.source).toBe('ldif');
    expect(config.directory.ldifFile).toBe(`${root}config/demo/directory.ldif`);
    expect(config.mapping.createUsers).toBe(true);
  });

  it('use only keys the schema knows', () => {
    for (const file of ['config/example-ad.yaml', 'config/example-openldap.yaml', 'config/demo/demo.yaml']) {
      for (const key of keysOf(parse(read(file)))) expect(KEYS.has(key), `${file}: ${key}`).toBe(true);
    }
  });
});
