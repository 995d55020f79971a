import { describe, expect, it } from 'vitest';
import { KEYS, KEYS_BY_ENV, OPTIONS, SECTIONS, envName, hasFileVariant } from '../../src/config/options.ts';
import type { Config } from '../../src/config/types.ts';
import { checkValue } from '../../src/config/values.ts';

// Every field of Config, optional ones included: the compiler checks this literal against
// types.ts, and the test checks the option table has exactly these leaves.
const FULL = {
  directory: {
    source: 'ldap', ldifFile: 'x', kind: 'auto', urls: [], bindDn: 'x', bindPassword: 'x', startTls: true, allowInsecure: false,
    caFile: 'x', serverName: 'x', tlsVerify: true, connectTimeoutMs: 1, timeoutMs: 1, pageSize: 1, followReferrals: false,
    groups: { baseDns: [], filter: 'x', nameAttribute: 'x', descriptionAttribute: 'x', memberAttribute: 'x', include: [], exclude: [] },
    users: { baseDns: [], filter: 'x', attributes: [] },
    nestedGroups: true, disabledUsers: 'exclude', outsideMembers: 'resolve',
  },
  tenant: {
    url: 'x', apiKey: 'x', oauth: { clientId: 'x', clientSecret: 'x', scope: 'x' }, requestTimeoutMs: 1, caFile: 'x', tlsVerify: true,
    rateLimits: { tier1PerMinute: 1, tier2PerMinute: 1, specialPerMinute: 1, windowMinutes: 1 }, maxConcurrency: 1,
    retry: { retries: 1, maxRetryTimeMs: 1 },
  },
  mapping: {
    prefix: 'x', nameTemplate: 'x', roles: [],
    user: { matchBy: 'subject', subjectTemplate: 'x', emailAttribute: 'x', nameAttribute: 'x' }, createUsers: false,
  },
  sync: {
    mode: 'sync', deleteGroups: false, schedule: 'x', timezone: 'x', runAtStart: true,
    limits: { maxGroupDeletes: 1, maxGroupDeletesPercent: 1, maxMembershipRemovals: 1, maxMembershipRemovalsPercent: 1, maxRemovalsPerGroupPercent: 1, perGroupMinMembers: 1, minDirectoryGroupsPercent: 1, groupHeadroom: 1 },
    stateDir: 'x', lockTimeoutMs: 1, stopTimeoutMs: 1, http: { enabled: true, host: 'x', port: 1 }, unhealthyAfterIntervals: 1, webhookUrl: 'x',
  },
  logging: { level: 'info', format: 'auto' },
} satisfies Required<Config>;

function leaves(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('option table', () => {
  it('has exactly one option per Config field', () => {
    expect(OPTIONS.map((o) => o.path).sort()).toEqual(leaves(FULL).sort());
    expect(new Set(OPTIONS.map((o) => o.path)).size).toBe(OPTIONS.length);
  });

  it('derives environment names QGS_ + SCREAMING_SNAKE of the path, all distinct', () => {
    expect(envName('directory.bindPassword')).toBe('QGS_DIRECTORY_BIND_PASSWORD');
    expect(envName('tenant.apiKey')).toBe('QGS_TENANT_API_KEY');
    expect(envName('tenant.oauth.clientSecret')).toBe('QGS_TENANT_OAUTH_CLIENT_SECRET');
    expect(envName('sync.limits.maxGroupDeletesPercent')).toBe('QGS_SYNC_LIMITS_MAX_GROUP_DELETES_PERCENT');
    expect(KEYS_BY_ENV.size).toBe(KEYS.size);
  });

  it('gives every secret a *File sibling with its own environment name', () => {
    const secrets = OPTIONS.filter((o) => o.secret).map((o) => o.path);
    expect(secrets).toEqual(['directory.bindPassword', 'tenant.apiKey', 'tenant.oauth.clientSecret', 'sync.webhookUrl']);
    for (const path of secrets) expect(KEYS.get(`${path}File`)?.env).toBe(`${envName(path)}_FILE`);
    expect(KEYS.get('tenant.oauth.clientIdFile')?.fromFile).toBe(true);
    expect(OPTIONS.filter(hasFileVariant).length).toBe(5);
  });

  it('has defaults that pass their own checks', () => {
    for (const option of OPTIONS.filter((o) => o.default !== undefined)) {
      expect(checkValue(option, option.default), option.path).toMatchObject({ ok: true });
    }
  });

  it('uses the agreed defaults', () => {
    const defaults = Object.fromEntries(OPTIONS.filter((o) => o.default !== undefined).map((o) => [o.path, o.default]));
    expect(defaults).toMatchObject({
      'sync.limits.maxGroupDeletes': 5,
      'sync.limits.maxGroupDeletesPercent': 20,
      'sync.limits.maxMembershipRemovals': 1000,
      'sync.limits.maxMembershipRemovalsPercent': 10,
      'sync.limits.maxRemovalsPerGroupPercent': 50,
      'sync.limits.perGroupMinMembers': 10,
      'sync.limits.minDirectoryGroupsPercent': 50,
      'sync.limits.groupHeadroom': 100,
      'mapping.prefix': 'CG-',
      'sync.stateDir': '/var/lib/qlik-group-sync',
      'sync.deleteGroups': false,
      'directory.tlsVerify': true,
      'directory.allowInsecure': false,
      'tenant.rateLimits.tier2PerMinute': 100,
    });
  });

  it('documents every object level', () => {
    const parents = new Set(OPTIONS.map((o) => o.path.slice(0, o.path.lastIndexOf('.'))));
    for (const parent of parents) expect(SECTIONS.map((s) => s.path), parent).toContain(parent);
  });
});
