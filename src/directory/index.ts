// The directory reader's public face: read the configured directory (a live LDAP/AD server or an
// LDIF export) into a complete, sorted DirectorySnapshot, or throw; and probe it for `validate`.
// A read that cannot be complete throws a DirectoryError; it never returns fewer groups.
import type { DirectoryConfig } from '../config/types.ts';
import { ConfigError, type ConfigProblem } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { buildSnapshot, planQueries } from './build-snapshot.ts';
import { openSession, type PageHook } from './connection.ts';
import { tryDnKey } from './dn.ts';
import { firstString } from './entry.ts';
import { LdapSource } from './ldap-source.ts';
import { LdifSource } from './ldif-source.ts';
import type { DirectorySnapshot, Warning } from './snapshot.ts';
import type { EntrySource } from './source.ts';
import { resolveKind, vendorFor, type VendorKind } from './vendors.ts';

export { dnKey, parseDn, isWithin } from './dn.ts';
export { escapeFilterValue } from './filter.ts';
export type { PageEvent, PageHook } from './connection.ts';
export type { DirectorySnapshot, DirectoryGroup, DirectoryUser, Warning } from './snapshot.ts';

export interface ReadOptions {
  logger?: Logger;
  signal?: AbortSignal;
  /** Called after every page of every paged search: progress, and a hook for tests to act mid-read. */
  onPage?: PageHook;
}

export interface ProbeResult {
  /** `ldif` for the file source. */
  kind: DirectorySnapshot['kind'];
  /** The vendor semantics in use (detected for `auto`). */
  vendor: VendorKind;
  source: string;
  groupCount: number;
  userCount: number;
  /** Up to 10 group names, sorted. */
  sampleGroups: string[];
  /** Up to 10 user DNs, sorted. */
  sampleUsers: string[];
}

/** Warnings logged one by one; the rest are counted (a directory can have thousands). */
const MAX_LOGGED_WARNINGS = 20;

interface OpenedSource {
  source: EntrySource;
  kind: DirectorySnapshot['kind'];
  warnings: Warning[];
  close(): Promise<void>;
}

/** Refuses base DNs that would make the read quietly empty (none, or not a DN), naming each key. */
function checkBases(config: DirectoryConfig): void {
  const problems: ConfigProblem[] = [];
  for (const which of ['groups', 'users'] as const) {
    const bases = config[which].baseDns;
    if (bases.length === 0) problems.push({ path: `directory.${which}.baseDns`, message: 'at least one base DN is required' });
    bases.forEach((base, index) => {
      if (tryDnKey(base) === undefined) problems.push({ path: `directory.${which}.baseDns[${index}]`, message: `not a DN: ${base}` });
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

async function openSource(config: DirectoryConfig, logger: Logger, options: ReadOptions): Promise<OpenedSource> {
  checkBases(config);
  if (config.source === 'ldif') {
    if (!config.ldifFile) throw new ConfigError([{ path: 'directory.ldifFile', message: 'required when directory.source is ldif' }]);
    const source = await LdifSource.load(config.ldifFile, config.kind);
    const warnings: Warning[] = source.derivedIds
      ? [
          {
            code: 'ID_DERIVED',
            message: `some entries in ${config.ldifFile} have no ${source.vendor.idAttribute}: their ids are derived from their DNs, so renaming them in the directory will look like delete + create`,
            subject: config.ldifFile,
          },
        ]
      : [];
    return { source, kind: 'ldif', warnings, close: async () => undefined };
  }
  const session = await openSession(config, { logger, signal: options.signal, onPage: options.onPage });
  try {
    const kind = resolveKind(config.kind, session.rootDse);
    logger.debug({ url: session.displayUrl, kind, detected: config.kind === 'auto', vendorName: firstString(session.rootDse, 'vendorName') }, 'directory vendor');
    const source = new LdapSource(session, vendorFor(kind), config, { logger, signal: options.signal, onPage: options.onPage });
    return { source, kind, warnings: [], close: () => source.close() };
  } catch (error) {
    await session.close();
    throw error;
  }
}

/**
 * Reads every group the group query matches (with its direct members) and every user the user
 * query matches, from `config.source`. Returns a complete, sorted snapshot or throws
 * (DirectoryError: DIRECTORY_CONNECT / _TLS / _BIND / _SEARCH / _INCOMPLETE / _LDIF; ConfigError;
 * SyncError ABORTED when the signal fires).
 */
export async function readDirectory(config: DirectoryConfig, options: ReadOptions = {}): Promise<DirectorySnapshot> {
  const logger = options.logger ?? silentLogger();
  const started = performance.now();
  const opened = await openSource(config, logger, options);
  try {
    const built = await buildSnapshot(opened.source, config, { kind: opened.kind, signal: options.signal, warnings: opened.warnings });
    const unfollowed = opened.source instanceof LdapSource ? opened.source.referralWarnings() : [];
    const snapshot = unfollowed.length === 0 ? built : { ...built, warnings: [...built.warnings, ...unfollowed] };
    logger.info(
      {
        source: snapshot.source,
        kind: snapshot.kind,
        vendor: opened.source.vendor.kind,
        groups: snapshot.groups.length,
        users: snapshot.users.length,
        warnings: snapshot.warnings.length,
        ms: Math.round(performance.now() - started),
      },
      'directory read',
    );
    for (const warning of snapshot.warnings.slice(0, MAX_LOGGED_WARNINGS)) logger.warn({ code: warning.code, subject: warning.subject }, warning.message);
    if (snapshot.warnings.length > MAX_LOGGED_WARNINGS) {
      logger.warn({ more: snapshot.warnings.length - MAX_LOGGED_WARNINGS }, 'more directory warnings not logged (all are in the snapshot and the plan)');
    }
    return snapshot;
  } finally {
    await opened.close();
  }
}

/** Connects (or opens the file) and counts what the group and user queries match, for `validate`. */
export async function probeDirectory(config: DirectoryConfig, options: ReadOptions = {}): Promise<ProbeResult> {
  const logger = options.logger ?? silentLogger();
  const opened = await openSource(config, logger, options);
  try {
    const { source } = opened;
    const { groupFilter, userFilter } = planQueries(config, source.vendor);
    const groupNames = new Map<string, string>();
    for (const base of config.groups.baseDns) {
      await source.searchSubtree(base, groupFilter, [source.vendor.idAttribute, config.groups.nameAttribute], [], (entry) => {
        groupNames.set(tryDnKey(entry.dn) ?? entry.dn, firstString(entry, config.groups.nameAttribute) ?? entry.dn);
      });
    }
    const userDns = new Map<string, string>();
    for (const base of config.users.baseDns) {
      await source.searchSubtree(base, userFilter, [source.vendor.idAttribute], [], (entry) => void userDns.set(tryDnKey(entry.dn) ?? entry.dn, entry.dn));
    }
    const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    const sorted = (values: Iterable<string>): string[] => [...values].sort((a, b) => order(a.toLowerCase(), b.toLowerCase()) || order(a, b)).slice(0, 10);
    return {
      kind: opened.kind,
      vendor: source.vendor.kind,
      source: source.location,
      groupCount: groupNames.size,
      userCount: userDns.size,
      sampleGroups: sorted(groupNames.values()),
      sampleUsers: sorted(userDns.values()),
    };
  } finally {
    await opened.close();
  }
}
