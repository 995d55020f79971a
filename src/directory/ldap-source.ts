// The live-server EntrySource: paged subtree searches and base reads over an LdapSession, with
// range retrieval for member attributes (asked for explicitly when the vendor cuts them, completed
// whenever the server cut them anyway) and continuation references ignored or followed per
// `directory.followReferrals`. Followed referrals use the same TLS settings and credentials.
import type { DirectoryConfig } from '../config/types.ts';
import { DirectoryError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { LdapSession, displayUrl, type SearchRequest, type SessionOptions } from './connection.ts';
import type { RawEntry } from './entry.ts';
import type { KeyTable } from './key-table.ts';
import { completeRanges, hasRanges, rangeRequest } from './range.ts';
import type { EntrySource } from './source.ts';
import type { Vendor } from './vendors.ts';

/** How many referrals deep the reader follows (a referral that leads to another referral). */
const MAX_REFERRAL_HOPS = 3;

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

export class LdapSource implements EntrySource {
  readonly location: string;
  readonly vendor: Vendor;
  private readonly session: LdapSession;
  private readonly config: DirectoryConfig;
  private readonly options: SessionOptions;
  private readonly referralSessions = new Map<string, LdapSession>();
  /** Whether a paged search is running on `session`. */
  private mainBusy = false;
  /**
   * More connections to the same server, for paged searches that run beside the main session's
   * (OpenLDAP keeps one paged search per connection): each runs one search at a time. Opened by
   * prepare() or when a search needs one; an opening that failed fails the search that waits for it.
   */
  private readonly sideSessions: Array<{ opening: Promise<LdapSession>; busy: boolean }> = [];
  private ignoredReferences = 0;

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

  async searchSubtree(base: string, filter: string, attributes: string[], ranged: string[], onEntry: (entry: RawEntry) => void, table?: KeyTable): Promise<void> {
    // Values come back under the plain name unless cut into ranges; only those are interned.
    const interning = table === undefined ? undefined : { table, attributes: new Set(ranged.map((name) => name.toLowerCase())) };
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
    const side = this.sideSessions.find((s) => !s.busy) ?? this.openSideSession();
    side.busy = true;
    try {
      await this.searchOn(await side.opening, base, filter, attributes, ranged, onEntry, 0, interning);
    } finally {
      side.busy = false;
    }
  }

  private openSideSession(): { opening: Promise<LdapSession>; busy: boolean } {
    const opening = LdapSession.open(this.session.url, this.config, this.options, true);
    // Reported to the search that waits for it; never unobserved before that (or at close).
    opening.catch(() => undefined);
    const side = { opening, busy: false };
    this.sideSessions.push(side);
    return side;
  }

  /** Opens the connections for that many searches at once now, so they are ready when the searches come. */
  prepare(concurrentSearches: number): void {
    while (this.sideSessions.length < concurrentSearches - 1) this.openSideSession();
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
      const referred = await this.referralSession(target.url);
      this.logger.debug({ reference: displayUrl(target.url), base: target.base ?? base }, 'following referral');
      await this.searchOn(referred, target.base ?? base, filter, attributes, ranged, onEntry, hops + 1, interning);
    }
  }

  private async referralSession(url: string): Promise<LdapSession> {
    const key = url.toLowerCase();
    const existing = this.referralSessions.get(key);
    if (existing) return existing;
    const session = await LdapSession.open(url, this.config, this.options);
    this.referralSessions.set(key, session);
    return session;
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

  async close(): Promise<void> {
    const sides = this.sideSessions.splice(0).map(({ opening }) => opening.then((session) => session.close(), () => undefined));
    await Promise.all([...sides, ...[...this.referralSessions.values()].map((session) => session.close())]);
    await this.session.close();
  }
}
