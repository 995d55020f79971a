// The resolved configuration every part of the bridge reads. Produced only by config/load.ts from
// the option table (config/options.ts): defaults < file < environment < command line.
// Secrets given as `*File` are already read into their plain key here.

export type DirectoryKind = 'auto' | 'activeDirectory' | 'openldap';
export type SyncMode = 'sync' | 'create-only' | 'no-deletes';

export interface DirectoryConfig {
  /** `ldap` reads a live server; `ldif` reads an LDIF export (offline runs, the demo). */
  source: 'ldap' | 'ldif';
  /** For source `ldif`. */
  ldifFile?: string;
  kind: DirectoryKind;
  /** Tried in order (failover). `ldap://` or `ldaps://`. */
  urls: string[];
  bindDn?: string;
  bindPassword?: string;
  /** Upgrade `ldap://` connections with StartTLS. */
  startTls: boolean;
  /** Allow plain `ldap://` without StartTLS (credentials in clear text). Off by default. */
  allowInsecure: boolean;
  /** PEM CA bundle to verify the server with. */
  caFile?: string;
  /** Expected name in the server certificate (default: the URL's host). */
  serverName?: string;
  /** Verify the server certificate. On by default; turning it off is logged as a warning. */
  tlsVerify: boolean;
  connectTimeoutMs: number;
  /** Per operation (bind, each search page). */
  timeoutMs: number;
  pageSize: number;
  followReferrals: boolean;
  groups: {
    baseDns: string[];
    /** Default depends on the kind: `(objectClass=group)` for AD, `(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))` for OpenLDAP. */
    filter?: string;
    nameAttribute: string;
    descriptionAttribute: string;
    /** Default depends on the kind (`member`; `uniqueMember`/`memberUid` also read on OpenLDAP). */
    memberAttribute?: string;
    /** Glob patterns (`*`, `?`) or `/regex/flags` on the group name; empty includes all. */
    include: string[];
    exclude: string[];
  };
  users: {
    baseDns: string[];
    /** Default depends on the kind: `(&(objectCategory=person)(objectClass=user))` for AD, `(objectClass=inetOrgPerson)` for OpenLDAP. */
    filter?: string;
    /** Attributes mapping needs besides the id (the subject template's, email, name). */
    attributes: string[];
    /**
     * The attributes a user cannot be matched without (the subject template's, or the email when
     * matching by email). A user missing one is skipped with a warning; the other attributes are
     * optional. Set by the loader; when absent, every attribute is required.
     */
    requiredAttributes?: string[];
  };
  nestedGroups: boolean;
  /** `exclude`: disabled users are not members; `include`: they are. */
  disabledUsers: 'exclude' | 'include';
  /** Members outside the user/group bases: `resolve` reads them, `ignore` skips them with a warning. */
  outsideMembers: 'resolve' | 'ignore';
}

export interface TenantConfig {
  /** `https://<tenant>.<region>.qlikcloud.com` (http only for loopback, e.g. the emulator). */
  url: string;
  apiKey?: string;
  oauth?: { clientId: string; clientSecret: string; scope?: string };
  requestTimeoutMs: number;
  /** PEM CA bundle for a TLS-intercepting proxy or a private emulator. */
  caFile?: string;
  tlsVerify: boolean;
  rateLimits: {
    tier1PerMinute: number;
    tier2PerMinute: number;
    specialPerMinute: number;
    windowMinutes: number;
  };
  maxConcurrency: number;
  retry: { retries: number; maxRetryTimeMs: number };
}

export interface RoleRule {
  /** Group name (directory name) or glob / `/regex/`. */
  group: string;
  roles: string[];
}

export interface MappingConfig {
  prefix: string;
  /** `{name}` and any directory group attribute read, e.g. `{name}`, `{name}-prod`. */
  nameTemplate: string;
  roles: RoleRule[];
  user: {
    matchBy: 'subject' | 'email';
    /** e.g. `{userPrincipalName}`, `DOMAIN\{sAMAccountName}`, `{uid}`. */
    subjectTemplate: string;
    emailAttribute: string;
    nameAttribute: string;
  };
  createUsers: boolean;
}

export interface SafetyLimits {
  maxGroupDeletes: number;
  maxGroupDeletesPercent: number;
  maxMembershipRemovals: number;
  maxMembershipRemovalsPercent: number;
  /** Largest share of one group's members a run may remove (groups of at least `perGroupMinMembers`). */
  maxRemovalsPerGroupPercent: number;
  perGroupMinMembers: number;
  /** Block when the directory yields fewer than this share of the groups the tenant holds. */
  minDirectoryGroupsPercent: number;
  /** Keep this many groups free below the tenant's 10,000-group limit. */
  groupHeadroom: number;
}

export interface SyncConfig {
  mode: SyncMode;
  /** Delete owned groups whose directory group is gone. Off by default. */
  deleteGroups: boolean;
  schedule: string;
  timezone: string;
  runAtStart: boolean;
  limits: SafetyLimits;
  /** Folder for the run lock, reports and saved state. */
  stateDir: string;
  /** Stale-lock timeout. */
  lockTimeoutMs: number;
  /** Graceful stop budget on SIGTERM. */
  stopTimeoutMs: number;
  http: { enabled: boolean; host: string; port: number };
  /** `/readyz` fails when no run succeeded for this many schedule intervals. */
  unhealthyAfterIntervals: number;
  /** Notified (JSON POST) of failed or blocked runs. */
  webhookUrl?: string;
}

export interface LoggingConfig {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  format: 'json' | 'pretty' | 'auto';
}

export interface Config {
  directory: DirectoryConfig;
  tenant: TenantConfig;
  mapping: MappingConfig;
  sync: SyncConfig;
  logging: LoggingConfig;
}
