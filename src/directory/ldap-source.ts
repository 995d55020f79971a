// The live-server EntrySource: paged subtree searches and base reads over an LdapSession, with
// range retrieval for member attributes (asked for explicitly when the vendor cuts them, completed
// whenever the server cut them anyway) and continuation references ignored or followed per
// `directory.followReferrals`. Followed referrals use the same TLS settings and credentials.
import type { DirectoryConfig } from '../config/types.ts';
import { DirectoryError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { LdapSession, displayUrl, type SearchRequest, type SessionOptions } from './connection.ts';
import type { RawEntry } from './entry.ts';
import type { Warning } from './snapshot.ts';
import { completeRanges, hasRanges, rangeRequest } from './range.ts';
import type { EntrySource, Interning } from './source.ts';
import type { Vendor } from './vendors.ts';

/** How many referrals deep the reader follows (a referral that leads to another referral). */
const MAX_REFERRAL_HOPS = 3;

/** AD answers a search from the domain root with references to these partitions (no users or groups in them). */
const AD_PARTITIONS = /^(?:ldaps?:\/\/[^/]*\/)(?:DC=DomainDnsZones|DC=ForestDnsZones|CN=Configuration),/i;

function isAdPartitionReference(reference: string): boolean {
  let decoded = reference;
  try {
    decoded = decodeURIComponent(reference);
  } catch {
    // not percent-encoded as a URL should be: test it as it is
  }
  return AD_PARTITIONS.test(decoded);
}

interface ReferralTarget {
  url: string;
  base: string | undefined;
}

/** Parses an LDAP URL (RFC 4516) from a continuation reference: server and base DN. */
export function parseReferral(reference: string): ReferralTarget | undefined {
  const match = /^(ldaps?:\/\/[^/?]*)(?:\/([^?]*))?/i.exec(reference.trim());
  if (!match) return undefined;
  let base: string | undefined;
  try {
    base = match[2] ? decodeURIComponent(match[2]) : undefined;
  } catch {
    return undefined;
  }
  return { url: match[1]!, base: base === '' ? undefined : base };
}

interface Pooled {
  opening: Promise<LdapSession>;
  /** Set once opened. */
  session: LdapSession | undefined;
  busy: boolean;
}

export class LdapSource implements EntrySource {
  readonly location: string;
  readonly vendor: Vendor;
  private readonly session: LdapSession;
  private readonly config: DirectoryConfig;
  private readonly options: SessionOptions;
  /** Whether a paged search is running on `session`. */
  private mainBusy = false;
  /**
   * Connections besides the main session, by server (lower-case URL): more to the main server, for
   * paged searches that run beside the main session's, and those to the servers referrals lead
   * to. OpenLDAP keeps one paged search per connection, so each runs one search at a time: a
   * search takes a free one or opens another (two searches that follow referrals to one server at
   * once get one each). An opening that failed stays in the pool and fails the searches that get
   * it: a read never tries the same credentials twice on one server.
   */
  private readonly pools = new Map<string, Pooled[]>();
  /** Aborts the pooled connections still being opened when the source closes. */
  private readonly closing = new AbortController();
  private ignoredReferences = 0;
  private readonly unfollowed: Array<{ base: string; references: string[] }> = [];

  constructor(session: LdapSession, vendor: Vendor, config: DirectoryConfig, options: SessionOptions) {
    this.session = session;
    this.vendor = vendor;
    this.config = config;
    this.options = options;
    this.location = session.displayUrl;
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  /** Attribute list for a request: ranged attributes asked for in ranges when the vendor cuts them. */
  private requestAttributes(attributes: string[], ranged: string[]): string[] {
    const size = this.vendor.rangeSize;
    if (size === undefined) return attributes;
    const rangedLower = new Set(ranged.map((name) => name.toLowerCase()));
    return attributes.map((name) => (rangedLower.has(name.toLowerCase()) ? rangeRequest(name, 0, size) : name));
  }

  /** The entry with its ranged attributes fetched to the end (see range.ts). */
  private async complete(session: LdapSession, entry: RawEntry, ranged: string[], where: string): Promise<RawEntry> {
    const requests: string[] = [];
    const fetch = async (dn: string, description: string): Promise<RawEntry | undefined> => {
      requests.push(description);
      const { entries: found } = await session.search({
        base: dn,
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: [description],
        binaryAttributes: this.vendor.binaryAttributes,
        paged: false,
      });
      return found[0];
    };
    const complete = await completeRanges(entry, ranged, fetch, where);
    if (requests.length > 0) {
      const values = Object.fromEntries(ranged.map((name) => [name, complete.attributes.get(name.toLowerCase())?.length ?? 0]));
      this.logger.debug({ dn: entry.dn, requests, values }, 'range retrieval completed');
    }
    return complete;
  }

  async searchSubtree(base: string, filter: string, attributes: string[], ranged: string[], onEntry: (entry: RawEntry) => void, options?: Interning): Promise<void> {
    // Values come back under the plain name unless cut into ranges; only those are interned.
    const interning = options === undefined ? undefined : { table: options.table, attributes: new Set(options.attributes.map((name) => name.toLowerCase())) };
    // The main session when it is free; a search that runs beside another one has a connection
    // of its own, read on this thread too (a worker thread for it was measured no faster on two
    // cores, and slower for a small directory: starting one costs about as much as reading it).
    if (!this.mainBusy) {
      this.mainBusy = true;
      try {
        await this.searchOn(this.session, base, filter, attributes, ranged, onEntry, 0, interning);
      } finally {
        this.mainBusy = false;
      }
      return;
    }
    await this.onPooled(this.session.url, (side) => this.searchOn(side, base, filter, attributes, ranged, onEntry, 0, interning));
  }

  /** The connections to `url` (lower-cased). */
  private pool(url: string): Pooled[] {
    const key = url.toLowerCase();
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = [];
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Opens one more connection to `url`, into its pool. */
  private openPooled(url: string): Pooled {
    const pool = this.pool(url);
    // The TLS-setting warnings are given once per server.
    const again = pool.length > 0 || url.toLowerCase() === this.session.url.toLowerCase();
    const read = this.options.signal;
    const signal = read === undefined ? this.closing.signal : AbortSignal.any([read, this.closing.signal]);
    const opening = LdapSession.open(url, this.config, { ...this.options, signal }, again);
    const pooled: Pooled = { opening, session: undefined, busy: false };
    // A failure is reported to the search that waits for it; never unobserved before that (or at close).
    opening.then((session) => (pooled.session = session), () => undefined);
    pool.push(pooled);
    return pooled;
  }

  /** Runs `search` on a connection of its own to `url`, taken from the pool for its duration. */
  private async onPooled(url: string, search: (session: LdapSession) => Promise<void>): Promise<void> {
    const pooled = this.pool(url).find((candidate) => !candidate.busy) ?? this.openPooled(url);
    pooled.busy = true;
    try {
      await search(await pooled.opening);
    } finally {
      pooled.busy = false;
    }
  }

  /** Opens the connections for that many searches at once now, so they are ready when the searches come. */
  prepare(concurrentSearches: number): void {
    while (this.pool(this.session.url).length < concurrentSearches - 1) this.openPooled(this.session.url);
  }

  /** `session` runs the paged search, then the base reads that complete ranged attributes. */
  private async searchOn(
    session: LdapSession,
    base: string,
    filter: string,
    attributes: string[],
    ranged: string[],
    onEntry: (entry: RawEntry) => void,
    hops: number,
    interning: SearchRequest['interning'],
  ): Promise<void> {
    // Entries pass on as their pages arrive. One whose ranged attributes came back cut needs more
    // requests, which wait until the paged search is over: from there on, entries are held and
    // passed on after it, in the order the server sent them.
    const held: RawEntry[] = [];
    const references = await session.searchEach(
      {
        base,
        scope: 'sub',
        filter,
        attributes: this.requestAttributes(attributes, ranged),
        binaryAttributes: this.vendor.binaryAttributes,
        paged: true,
        interning,
      },
      (entry) => {
        if (held.length > 0 || hasRanges(entry, ranged)) held.push(entry);
        else onEntry(entry);
      },
    );
    const where = `search of "${base}" with filter ${filter} on ${session.displayUrl}`;
    for (const entry of held) onEntry(await this.complete(session, entry, ranged, where));
    if (references.length === 0) return;

    if (!this.config.followReferrals) {
      this.ignoredReferences += references.length;
      this.logger.debug({ base, references }, 'ignoring continuation references (directory.followReferrals is off)');
      const unread = references.filter((reference) => !isAdPartitionReference(reference));
      if (unread.length > 0) this.unfollowed.push({ base, references: unread });
      return;
    }
    if (hops >= MAX_REFERRAL_HOPS) {
      throw new DirectoryError('DIRECTORY_SEARCH', `${where}: referrals nested deeper than ${MAX_REFERRAL_HOPS} hops (${references.join(', ')})`, {
        details: { base, references },
      });
    }
    for (const reference of references) {
      const target = parseReferral(reference);
      if (!target) throw new DirectoryError('DIRECTORY_SEARCH', `${where}: cannot follow referral ${reference}`, { details: { base, reference } });
      this.logger.debug({ reference: displayUrl(target.url), base: target.base ?? base }, 'following referral');
      await this.onPooled(target.url, (referred) => this.searchOn(referred, target.base ?? base, filter, attributes, ranged, onEntry, hops + 1, interning));
    }
  }

  async readEntry(dn: string, filter: string, attributes: string[], ranged: string[]): Promise<RawEntry | undefined> {
    const { entries } = await this.session.search({
      base: dn,
      scope: 'base',
      filter,
      attributes: this.requestAttributes(attributes, ranged),
      binaryAttributes: this.vendor.binaryAttributes,
      paged: false,
    });
    const [entry] = entries;
    if (entry === undefined) return undefined;
    return this.complete(this.session, entry, ranged, `read of "${dn}" on ${this.session.displayUrl}`);
  }

  /** Continuation references skipped because followReferrals is off. */
  get skippedReferences(): number {
    return this.ignoredReferences;
  }

  /**
   * One warning per search whose continuation references were not followed (leaving out Active
   * Directory's DNS and configuration partitions, which hold no users or groups): entries under
   * them were not read, so groups there look gone and their members look removed.
   */
  referralWarnings(): Warning[] {
    return this.unfollowed.map(({ base, references }) => ({
      code: 'REFERRAL_NOT_FOLLOWED',
      message:
        `the search of ${base} returned ${references.length === 1 ? 'a continuation reference' : `${references.length} continuation references`} (${references.slice(0, 3).join(', ')}${references.length > 3 ? ', ...' : ''}) ` +
        `that ${references.length === 1 ? 'was' : 'were'} not followed (directory.followReferrals is off): entries held there were not read`,
      subject: base,
    }));
  }

  async close(): Promise<void> {
    const pooled = [...this.pools.values()].flat();
    this.pools.clear();
    // Open connections say goodbye; ones still being opened (say, to a server that stopped
    // answering when a search failed) are dropped at once rather than waited for.
    await Promise.all(pooled.map(({ session }) => session?.close()));
    this.closing.abort();
    await Promise.all(pooled.map(({ opening }) => opening.then((session) => session.close(), () => undefined)));
    await this.session.close();
  }
}
