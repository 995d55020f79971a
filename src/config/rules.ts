// Checks that involve more than one option (conditional requirements, combinations that are
// unsafe), run after every option's own value was checked. Problems block loading; warnings are
// logged at every start (a switched-off certificate check should stay visible).
import type { ConfigProblem } from '../errors.ts';
import { scheduleProblems } from '../runner/scheduler.ts';
import { envName, fileKey } from './options.ts';

export interface ResolvedView {
  /** The checked value of an option (default included), or undefined when unset or invalid. */
  get(path: string): unknown;
  /** True when some source gave the option a value that failed its own check (already reported). */
  invalid(path: string): boolean;
}

export interface RuleResult {
  problems: ConfigProblem[];
  warnings: string[];
}

function isEmpty(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

/** How to set a key, for "required" messages: `tenant.apiKey (or tenant.apiKeyFile, QGS_TENANT_API_KEY)`. */
function howToSet(path: string, withFile = false): string {
  return withFile ? `${path} (or ${fileKey(path)}, ${envName(path)})` : `${path} (or ${envName(path)})`;
}

export function checkRules(view: ResolvedView): RuleResult {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const get = (path: string): unknown => view.get(path);
  const missing = (path: string): boolean => !view.invalid(path) && isEmpty(get(path));
  const require = (path: string, when: string, withFile = false): void => {
    if (missing(path)) problems.push({ path, message: `required when ${when}: set ${howToSet(path, withFile)}` });
  };

  // --- directory ---
  const source = get('directory.source');
  if (missing('directory.groups.baseDns')) {
    problems.push({ path: 'directory.groups.baseDns', message: `required: the subtrees searched for groups (no group is read without one); set ${howToSet('directory.groups.baseDns')}` });
  }
  if (source === 'ldap') {
    require('directory.urls', 'directory.source is ldap');
    const urls = (get('directory.urls') as string[] | undefined) ?? [];
    const plain = urls.filter((u) => u.toLowerCase().startsWith('ldap:'));
    if (plain.length > 0 && get('directory.startTls') === false && get('directory.allowInsecure') !== true) {
      problems.push({
        path: 'directory.startTls',
        message: `is false, so ${plain.join(', ')} would send the bind password and all data in clear text: use ldaps://, set directory.startTls to true, or (test setups only) set directory.allowInsecure to true`,
      });
    }
    if (get('directory.allowInsecure') === true && plain.length > 0 && get('directory.startTls') === false) {
      warnings.push('directory.allowInsecure is true: the directory is read over plain ldap:// without StartTLS (credentials in clear text)');
    }
    if (get('directory.tlsVerify') === false) warnings.push('directory.tlsVerify is false: the directory server certificate is not verified');
  } else if (source === 'ldif') {
    require('directory.ldifFile', 'directory.source is ldif');
  }
  const hasBindDn = !isEmpty(get('directory.bindDn')) || view.invalid('directory.bindDn');
  const hasBindPassword = !isEmpty(get('directory.bindPassword')) || view.invalid('directory.bindPassword');
  if (hasBindPassword && !hasBindDn) require('directory.bindDn', 'directory.bindPassword is set');
  if (hasBindDn && !hasBindPassword) require('directory.bindPassword', 'directory.bindDn is set (a DN without a password is an unauthenticated bind)', true);

  // --- tenant ---
  const url = get('tenant.url');
  if (typeof url === 'string') {
    const parsed = new URL(url);
    if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash) {
      problems.push({ path: 'tenant.url', message: "expected the tenant's base URL without a path, query or fragment, e.g. https://acme.eu.qlikcloud.com" });
    }
  }
  if (get('tenant.tlsVerify') === false) warnings.push("tenant.tlsVerify is false: the tenant's certificate is not verified");
  const set = (path: string): boolean => !isEmpty(get(path)) || view.invalid(path);
  const apiKey = set('tenant.apiKey');
  const clientId = set('tenant.oauth.clientId');
  const clientSecret = set('tenant.oauth.clientSecret');
  if (apiKey && (clientId || clientSecret)) {
    problems.push({ path: 'tenant.apiKey', message: 'give either tenant.apiKey or tenant.oauth (clientId and clientSecret), not both' });
  } else if (!apiKey && !clientId && !clientSecret) {
    problems.push({
      path: 'tenant.apiKey',
      message: `required: set ${howToSet('tenant.apiKey', true)}, or tenant.oauth.clientId and tenant.oauth.clientSecret for an OAuth client`,
    });
  } else if (!apiKey) {
    if (clientId && !clientSecret) require('tenant.oauth.clientSecret', 'tenant.oauth.clientId is set', true);
    if (clientSecret && !clientId) require('tenant.oauth.clientId', 'tenant.oauth.clientSecret is set', true);
  }
  if (set('tenant.oauth.scope') && !clientId) warnings.push('tenant.oauth.scope is set but no OAuth client is configured: it is ignored');

  // --- sync ---
  const schedule = get('sync.schedule');
  const timezone = get('sync.timezone');
  if (typeof schedule === 'string' && typeof timezone === 'string') problems.push(...scheduleProblems(schedule, timezone));
  const mode = get('sync.mode');
  if (get('sync.deleteGroups') === true && (mode === 'create-only' || mode === 'no-deletes')) {
    warnings.push(`sync.deleteGroups is true but sync.mode is ${String(mode)}: no group is deleted`);
  }
  return { problems, warnings };
}
