// The one declarative table of configuration options (renovate's model). Every option's type,
// default, description, environment name, limits and secrecy live here and nowhere else: the
// loader (defaults, parsing, validation), the JSON Schema for editors and the Markdown reference
// are all generated from it, so they cannot disagree.

export type OptionType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'string[]'
  | 'url'
  | 'url[]'
  | 'path'
  | 'roles';

/** Extra checks on a string value beyond its type. */
export type StringCheck = 'dn' | 'filter' | 'pattern' | 'template' | 'cron' | 'timezone' | 'attribute';

export interface OptionSpec {
  /** Dotted key path in the config file, e.g. `directory.bindPassword`. */
  readonly path: string;
  readonly type: OptionType;
  readonly description: string;
  /** The value when no source sets it; absent means "not set" (the key is left out of Config). */
  readonly default?: unknown;
  /** Allowed values of an `enum`. */
  readonly values?: readonly string[];
  /** Bounds of an `integer` / `number`. */
  readonly min?: number;
  readonly max?: number;
  /** Smallest length of a `string` (an empty prefix would claim every custom group). */
  readonly minLength?: number;
  /** Allowed URL schemes of a `url` / `url[]`. */
  readonly schemes?: readonly string[];
  /** Also allow `http:` for loopback hosts (the local emulator). */
  readonly loopbackHttp?: boolean;
  /** A secret: registered for scrubbing, never echoed, and readable from a `<key>File` sibling. */
  readonly secret?: boolean;
  /** Not secret, but also readable from a `<key>File` sibling (mounted Kubernetes/Docker secrets). */
  readonly fileVariant?: boolean;
  /** `path`: the file must exist when the configuration is loaded. */
  readonly mustExist?: boolean;
  /** `path`: the file must hold at least one PEM certificate, every one of them readable. */
  readonly pem?: boolean;
  /** Always required. Conditional requirements are in rules.ts; `requiredWhen` documents them. */
  readonly required?: boolean;
  readonly requiredWhen?: string;
  /** List separator in environment variables and `--set` (DNs and patterns contain commas). */
  readonly separator?: ',' | ';';
  /** Further checks on string values (each element, for lists). */
  readonly check?: StringCheck;
  /** A value shown in the reference and the schema. */
  readonly example?: unknown;
}

/** An object level of the configuration, for the reference and the schema. */
export interface SectionSpec {
  readonly path: string;
  readonly description: string;
}

export const SECTIONS: readonly SectionSpec[] = [
  { path: 'directory', description: 'Where groups and users are read: a live LDAP / Active Directory server, or an LDIF export.' },
  { path: 'directory.groups', description: 'Which directory groups are synchronised.' },
  { path: 'directory.users', description: 'Where member users are read, and which of their attributes.' },
  { path: 'tenant', description: 'The Qlik Cloud tenant and how the bridge talks to it.' },
  { path: 'tenant.oauth', description: 'OAuth machine-to-machine client (instead of an API key).' },
  { path: 'tenant.rateLimits', description: "Qlik Cloud's published rate limits; writes are paced to them." },
  { path: 'tenant.retry', description: 'Retries of 429, 5xx, resets and timeouts.' },
  { path: 'mapping', description: 'How directory groups and users become Qlik Cloud custom groups and users.' },
  { path: 'mapping.user', description: 'How a directory user is matched to a Qlik Cloud user.' },
  { path: 'sync', description: 'What a run may change, when it runs, and the safety limits.' },
  { path: 'sync.limits', description: 'Safety limits: a plan over any of them is blocked (exit 3) unless deletions are explicitly allowed.' },
  { path: 'sync.http', description: 'The `run` worker\'s `/healthz`, `/readyz` and `/metrics` endpoint.' },
  { path: 'logging', description: 'Log lines (always to stderr).' },
];

const LDAP_SCHEMES = ['ldap:', 'ldaps:'] as const;

export const OPTIONS: readonly OptionSpec[] = [
  // --- directory ---
  { path: 'directory.source', type: 'enum', values: ['ldap', 'ldif'], default: 'ldap', description: '`ldap` reads a live server; `ldif` reads an LDIF export (offline runs, the demo).' },
  { path: 'directory.ldifFile', type: 'path', mustExist: true, requiredWhen: 'directory.source is ldif', description: 'The LDIF file to read when `directory.source` is `ldif`.', example: 'directory.ldif' },
  { path: 'directory.kind', type: 'enum', values: ['auto', 'activeDirectory', 'openldap'], default: 'auto', description: 'Directory vendor (ids, disabled accounts, default filters); `auto` asks the server\'s root DSE.' },
  { path: 'directory.urls', type: 'url[]', schemes: LDAP_SCHEMES, default: [], requiredWhen: 'directory.source is ldap', description: 'Servers, tried in order (failover). `ldaps://host:636` or `ldap://host:389` (with StartTLS).', example: ['ldaps://dc1.example.com:636'] },
  { path: 'directory.bindDn', type: 'string', requiredWhen: 'directory.bindPassword is set', description: 'DN (or AD user principal name) to bind as; leave out for an anonymous bind.', example: 'CN=svc-qlik-sync,OU=Service Accounts,DC=example,DC=com' },
  { path: 'directory.bindPassword', type: 'string', secret: true, requiredWhen: 'directory.bindDn is set', description: 'Password of `bindDn`.' },
  { path: 'directory.startTls', type: 'boolean', default: true, description: 'Upgrade `ldap://` connections with StartTLS (ignored for `ldaps://`).' },
  { path: 'directory.allowInsecure', type: 'boolean', default: false, description: 'Allow plain `ldap://` without StartTLS: the bind password travels in clear text.' },
  { path: 'directory.caFile', type: 'path', mustExist: true, pem: true, description: 'PEM CA bundle to verify the server certificate with (default: the system CAs).' },
  { path: 'directory.serverName', type: 'string', description: 'Name expected in the server certificate (default: the URL\'s host).' },
  { path: 'directory.tlsVerify', type: 'boolean', default: true, description: 'Verify the server certificate. Turning it off is logged as a warning at every start.' },
  { path: 'directory.connectTimeoutMs', type: 'integer', min: 100, max: 600_000, default: 10_000, description: 'Connection (and TLS handshake) timeout per server.' },
  { path: 'directory.timeoutMs', type: 'integer', min: 100, max: 3_600_000, default: 30_000, description: 'Timeout per operation (bind, each search page).' },
  { path: 'directory.pageSize', type: 'integer', min: 1, max: 10_000, default: 500, description: 'Paged-results page size (Active Directory caps it at its MaxPageSize, 1000 by default).' },
  { path: 'directory.followReferrals', type: 'boolean', default: false, description: 'Follow search referrals to other servers.' },
  { path: 'directory.groups.baseDns', type: 'string[]', check: 'dn', separator: ';', default: [], description: 'Subtrees searched for groups. Required (at least one).', example: ['OU=Qlik,OU=Groups,DC=example,DC=com'] },
  { path: 'directory.groups.filter', type: 'string', check: 'filter', description: 'LDAP filter for groups (default by kind: `(objectClass=group)` on AD; groupOfNames / groupOfUniqueNames / posixGroup on OpenLDAP).' },
  { path: 'directory.groups.nameAttribute', type: 'string', check: 'attribute', default: 'cn', description: 'Attribute holding the group name used by the mapping (`{name}`).' },
  { path: 'directory.groups.descriptionAttribute', type: 'string', check: 'attribute', default: 'description', description: 'Attribute holding the group description.' },
  { path: 'directory.groups.memberAttribute', type: 'string', check: 'attribute', description: 'Membership attribute (default by kind: `member`; OpenLDAP also reads `uniqueMember` and `memberUid`).' },
  { path: 'directory.groups.include', type: 'string[]', check: 'pattern', separator: ';', default: [], description: 'Only groups whose name matches one of these: globs (`*`, `?`) or `/regex/flags`. Empty includes all.', example: ['Qlik-*'] },
  { path: 'directory.groups.exclude', type: 'string[]', check: 'pattern', separator: ';', default: [], description: 'Groups whose name matches one of these are skipped (after `include`).' },
  { path: 'directory.users.baseDns', type: 'string[]', check: 'dn', separator: ';', default: [], description: 'Subtrees searched for users. Members outside them follow `directory.outsideMembers`.', example: ['OU=Users,DC=example,DC=com'] },
  { path: 'directory.users.filter', type: 'string', check: 'filter', description: 'LDAP filter for users (default by kind: `(&(objectCategory=person)(objectClass=user))` on AD, `(objectClass=inetOrgPerson)` on OpenLDAP).' },
  { path: 'directory.users.attributes', type: 'string[]', check: 'attribute', default: [], description: 'Extra user attributes to read. The attributes the `mapping.user` templates name are added automatically.' },
  { path: 'directory.nestedGroups', type: 'boolean', default: true, description: 'Members of nested groups are members of the enclosing group (flattened).' },
  { path: 'directory.disabledUsers', type: 'enum', values: ['exclude', 'include'], default: 'exclude', description: '`exclude`: disabled accounts are not members; `include`: they are.' },
  { path: 'directory.outsideMembers', type: 'enum', values: ['resolve', 'ignore'], default: 'resolve', description: 'Members outside `users.baseDns`: `resolve` reads them, `ignore` skips them with a warning.' },

  // --- tenant ---
  { path: 'tenant.url', type: 'url', schemes: ['https:'], loopbackHttp: true, required: true, description: 'Tenant URL, `https://<tenant>.<region>.qlikcloud.com` (plain http only for loopback, e.g. the emulator).', example: 'https://acme.eu.qlikcloud.com' },
  { path: 'tenant.apiKey', type: 'string', secret: true, requiredWhen: 'tenant.oauth is not set', description: 'API key of a tenant admin (sent as a Bearer token).' },
  { path: 'tenant.oauth.clientId', type: 'string', fileVariant: true, requiredWhen: 'tenant.oauth.clientSecret is set', description: 'OAuth machine-to-machine client id.' },
  { path: 'tenant.oauth.clientSecret', type: 'string', secret: true, requiredWhen: 'tenant.oauth.clientId is set', description: 'OAuth client secret.' },
  { path: 'tenant.oauth.scope', type: 'string', description: 'OAuth scope to request (default: the client\'s configured scopes).' },
  { path: 'tenant.requestTimeoutMs', type: 'integer', min: 1_000, max: 600_000, default: 30_000, description: 'Timeout of each HTTP request.' },
  { path: 'tenant.caFile', type: 'path', mustExist: true, pem: true, description: 'PEM CA bundle for a TLS-intercepting proxy or a private emulator.' },
  { path: 'tenant.tlsVerify', type: 'boolean', default: true, description: 'Verify the tenant\'s certificate. Turning it off is logged as a warning at every start.' },
  { path: 'tenant.rateLimits.tier1PerMinute', type: 'integer', min: 1, max: 100_000, default: 1000, description: 'Tier 1 (most reads) requests per minute.' },
  { path: 'tenant.rateLimits.tier2PerMinute', type: 'integer', min: 1, max: 100_000, default: 100, description: 'Tier 2 (writes to groups and users, token requests) requests per minute.' },
  { path: 'tenant.rateLimits.specialPerMinute', type: 'integer', min: 1, max: 100_000, default: 200, description: '`actions/filter` requests per minute.' },
  { path: 'tenant.rateLimits.windowMinutes', type: 'integer', min: 1, max: 60, default: 5, description: 'Window the limits are evaluated over (bursts within it are allowed).' },
  { path: 'tenant.maxConcurrency', type: 'integer', min: 1, max: 64, default: 4, description: 'Requests in flight at once.' },
  { path: 'tenant.retry.retries', type: 'integer', min: 0, max: 100, default: 8, description: 'Retries of one request (429 with `Retry-After`, 5xx, resets, timeouts).' },
  { path: 'tenant.retry.maxRetryTimeMs', type: 'integer', min: 0, max: 86_400_000, default: 300_000, description: 'Longest time spent retrying one request.' },

  // --- mapping ---
  { path: 'mapping.prefix', type: 'string', minLength: 1, default: 'CG-', description: 'Prefix of every custom group the bridge owns; groups without it are never written.' },
  { path: 'mapping.nameTemplate', type: 'string', check: 'template', default: '{name}', description: 'Custom group name after the prefix: `{name}` and any directory group attribute, e.g. `{name}-prod`.' },
  { path: 'mapping.roles', type: 'roles', default: [], description: 'Roles assigned to the custom groups: `[{group, roles}]`, `group` a directory group name, glob or `/regex/`. Every matching rule adds its roles.', example: [{ group: 'Qlik-Admins', roles: ['TenantAdmin'] }, { group: 'Qlik-Dev-*', roles: ['Developer'] }] },
  { path: 'mapping.user.matchBy', type: 'enum', values: ['subject', 'email'], default: 'subject', description: 'Match directory users to Qlik users by IdP subject or by email.' },
  { path: 'mapping.user.subjectTemplate', type: 'string', check: 'template', default: '{userPrincipalName}', description: 'The Qlik user subject built from directory attributes, e.g. `{userPrincipalName}`, `DOMAIN\\{sAMAccountName}`, `{uid}`.' },
  { path: 'mapping.user.emailAttribute', type: 'string', check: 'attribute', default: 'mail', description: 'Directory attribute holding the email address.' },
  { path: 'mapping.user.nameAttribute', type: 'string', check: 'attribute', default: 'displayName', description: 'Directory attribute holding the display name (for created users).' },
  { path: 'mapping.createUsers', type: 'boolean', default: false, description: 'Create missing Qlik users (status `invited`) so groups are complete before first login.' },

  // --- sync ---
  { path: 'sync.mode', type: 'enum', values: ['sync', 'create-only', 'no-deletes'], default: 'sync', description: 'Policy applied to every plan: `sync` reconciles fully; `no-deletes` never deletes a group; `create-only` only creates groups and users and adds memberships.' },
  { path: 'sync.deleteGroups', type: 'boolean', default: false, description: 'Delete owned groups whose directory group is gone (within `sync.limits`).' },
  { path: 'sync.schedule', type: 'string', check: 'cron', default: '*/30 * * * *', description: 'Cron expression for the `run` worker.' },
  { path: 'sync.timezone', type: 'string', check: 'timezone', default: 'UTC', description: 'IANA time zone of the schedule.' },
  { path: 'sync.runAtStart', type: 'boolean', default: true, description: 'The `run` worker runs once at start, before the first scheduled time.' },
  { path: 'sync.limits.maxGroupDeletes', type: 'integer', min: 0, max: 10_000, default: 5, description: 'Most groups one run may delete.' },
  { path: 'sync.limits.maxGroupDeletesPercent', type: 'number', min: 0, max: 100, default: 20, description: 'Most groups one run may delete, as a share of the owned groups.' },
  { path: 'sync.limits.maxMembershipRemovals', type: 'integer', min: 0, max: 10_000_000, default: 1000, description: 'Most memberships one run may remove.' },
  { path: 'sync.limits.maxMembershipRemovalsPercent', type: 'number', min: 0, max: 100, default: 10, description: 'Most memberships one run may remove, as a share of the owned memberships.' },
  { path: 'sync.limits.maxRemovalsPerGroupPercent', type: 'number', min: 0, max: 100, default: 50, description: 'Largest share of one group\'s members a run may remove (groups of at least `perGroupMinMembers`).' },
  { path: 'sync.limits.perGroupMinMembers', type: 'integer', min: 0, max: 10_000_000, default: 10, description: 'Groups smaller than this are exempt from `maxRemovalsPerGroupPercent`.' },
  { path: 'sync.limits.minDirectoryGroupsPercent', type: 'number', min: 0, max: 100, default: 50, description: 'Block when the directory yields fewer groups than this share of the owned groups (empty-directory guard).' },
  { path: 'sync.limits.groupHeadroom', type: 'integer', min: 0, max: 10_000, default: 100, description: 'Groups kept free below the tenant\'s 10,000-group limit.' },
  { path: 'sync.stateDir', type: 'path', default: '/var/lib/qlik-group-sync', description: 'Folder for the run lock and the last report (the container image\'s volume). Must be writable by the `run` / `apply` user.' },
  { path: 'sync.lockTimeoutMs', type: 'integer', min: 1_000, max: 86_400_000, default: 3_600_000, description: 'A run lock whose holder has not refreshed it for this long is taken over.' },
  { path: 'sync.stopTimeoutMs', type: 'integer', min: 0, max: 3_600_000, default: 30_000, description: 'Graceful stop budget on SIGTERM (keep it below the orchestrator\'s grace period).' },
  { path: 'sync.http.enabled', type: 'boolean', default: true, description: 'Serve `/healthz`, `/readyz` and `/metrics` while `run` works.' },
  { path: 'sync.http.host', type: 'string', default: '0.0.0.0', description: 'Listen address.' },
  { path: 'sync.http.port', type: 'integer', min: 0, max: 65_535, default: 9464, description: 'Listen port (0: any free port).' },
  { path: 'sync.unhealthyAfterIntervals', type: 'integer', min: 1, max: 1000, default: 3, description: '`/readyz` fails when no run succeeded for this many schedule intervals.' },
  { path: 'sync.webhookUrl', type: 'url', schemes: ['https:', 'http:'], secret: true, description: 'Notified (JSON POST) of failed or blocked runs. Treated as a secret: chat webhook URLs carry a token.' },

  // --- logging ---
  { path: 'logging.level', type: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info', description: 'Lowest level logged.' },
  { path: 'logging.format', type: 'enum', values: ['json', 'pretty', 'auto'], default: 'auto', description: '`json` lines, `pretty` for people, `auto`: pretty on a terminal, JSON otherwise.' },
];

export const ENV_PREFIX = 'QGS_';
/** The environment variable naming the config file (when `--config` is not given). */
export const CONFIG_ENV = 'QGS_CONFIG';

/** `directory.bindPassword` -> `QGS_DIRECTORY_BIND_PASSWORD`. */
export function envName(path: string): string {
  return ENV_PREFIX + path.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}

/** `tenant.apiKey` -> `tenant.apiKeyFile`. */
export function fileKey(path: string): string {
  return `${path}File`;
}

export function hasFileVariant(spec: OptionSpec): boolean {
  return spec.secret === true || spec.fileVariant === true;
}

/** A key a source may set: an option itself, or the `*File` sibling of a secret. */
export interface KeySpec {
  /** The key as written (`tenant.apiKeyFile`). */
  readonly key: string;
  readonly env: string;
  readonly option: OptionSpec;
  /** True for a `*File` sibling: the value is a path to read the option's value from. */
  readonly fromFile: boolean;
}

function buildKeys(): Map<string, KeySpec> {
  const keys = new Map<string, KeySpec>();
  for (const option of OPTIONS) {
    keys.set(option.path, { key: option.path, env: envName(option.path), option, fromFile: false });
    if (hasFileVariant(option)) {
      const key = fileKey(option.path);
      keys.set(key, { key, env: envName(key), option, fromFile: true });
    }
  }
  return keys;
}

/** Every settable key, by dotted path. */
export const KEYS: ReadonlyMap<string, KeySpec> = buildKeys();
/** Every settable key, by environment variable name. */
export const KEYS_BY_ENV: ReadonlyMap<string, KeySpec> = new Map([...KEYS.values()].map((k) => [k.env, k]));
/** Every object level (`directory`, `directory.groups`, ...). */
export const OBJECT_PATHS: ReadonlySet<string> = new Set(
  [...KEYS.keys()].flatMap((key) => {
    const parts = key.split('.');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

export function optionFor(path: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.path === path);
}
