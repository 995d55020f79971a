// The LDIF-file EntrySource: an export read into memory and queried with the same base DNs and
// filters as the live server (for offline runs, migrations from an export, and the demo). The
// vendor follows the configured kind, or the export's attributes for `auto`: objectGUID means
// Active Directory, entryUUID OpenLDAP. Entries with neither get an id derived from their DN.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DirectoryConfig } from '../config/types.ts';
import { DirectoryError, describeError } from '../errors.ts';
import { dnKey, isWithin } from './dn.ts';
import type { AttributeValue, RawEntry } from './entry.ts';
import { compileFilter, type EntryPredicate } from './filter-match.ts';
import { parseLdif, type LdifEntry } from './ldif.ts';
import { completeRanges, hasRanges } from './range.ts';
import type { EntrySource } from './source.ts';
import { detectLdifKind, vendorFor, type Vendor } from './vendors.ts';

/** Namespace for ids derived from DNs (a fixed random UUID; changing it changes every derived id). */
const DERIVED_ID_NAMESPACE = Buffer.from('5b0f3d8e6c2a4e1f9a7b2c4d6e8f0a1b', 'hex');

/** A name-based (version 5) UUID of the DN's normalised key: stable while the DN stays the same. */
export function derivedId(key: string): string {
  const hash = createHash('sha1').update(DERIVED_ID_NAMESPACE).update(key, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class LdifSource implements EntrySource {
  readonly location: string;
  readonly vendor: Vendor;
  /** True when some entries had no id attribute and got a DN-derived one. */
  readonly derivedIds: boolean;
  private readonly entries: Array<{ key: string; entry: RawEntry }>;
  private readonly byKey: Map<string, RawEntry>;
  private readonly filters = new Map<string, EntryPredicate>();

  private constructor(location: string, vendor: Vendor, entries: Array<{ key: string; entry: RawEntry }>, derivedIds: boolean) {
    this.location = location;
    this.vendor = vendor;
    this.entries = entries;
    this.byKey = new Map(entries.map(({ key, entry }) => [key, entry]));
    this.derivedIds = derivedIds;
  }

  /** Reads and parses the file. Throws DirectoryError `DIRECTORY_LDIF` naming the file (and line). */
  static async load(file: string, kind: DirectoryConfig['kind']): Promise<LdifSource> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new DirectoryError('DIRECTORY_LDIF', `cannot read LDIF file ${file}: ${describeError(error)}`, { cause: error, details: { file } });
    }
    return LdifSource.fromText(text, file, kind);
  }

  static fromText(text: string, location: string, kind: DirectoryConfig['kind']): LdifSource {
    const parsed: LdifEntry[] = parseLdif(text, location);
    const vendor = vendorFor(kind === 'auto' ? (detectLdifKind(parsed) ?? 'openldap') : kind);
    const idAttribute = vendor.idAttribute.toLowerCase();
    const seen = new Map<string, number>();
    const entries: Array<{ key: string; entry: RawEntry }> = [];
    let derived = false;
    for (const entry of parsed) {
      let key: string;
      try {
        key = dnKey(entry.dn);
      } catch (error) {
        throw new DirectoryError('DIRECTORY_LDIF', `${location}:${entry.line}: ${(error as Error).message}`, { cause: error, details: { file: location, line: entry.line } });
      }
      const previous = seen.get(key);
      if (previous !== undefined) {
        throw new DirectoryError('DIRECTORY_LDIF', `${location}:${entry.line}: entry ${entry.dn} already appears at line ${previous}`, { details: { file: location, line: entry.line } });
      }
      seen.set(key, entry.line);
      if (!entry.attributes.has(idAttribute)) {
        derived = true;
        const attributes = new Map<string, AttributeValue[]>(entry.attributes);
        attributes.set(idAttribute, [derivedId(key)]);
        entries.push({ key, entry: { dn: entry.dn, attributes } });
      } else {
        entries.push({ key, entry: { dn: entry.dn, attributes: entry.attributes } });
      }
    }
    return new LdifSource(location, vendor, entries, derived);
  }

  private predicate(filter: string): EntryPredicate {
    let predicate = this.filters.get(filter);
    if (!predicate) {
      predicate = compileFilter(filter);
      this.filters.set(filter, predicate);
    }
    return predicate;
  }

  async searchSubtree(base: string, filter: string, _attributes: string[], ranged: string[], onEntry: (entry: RawEntry) => void): Promise<void> {
    const baseKey = dnKey(base);
    const matches = this.predicate(filter);
    for (const { key, entry } of this.entries) if (isWithin(key, baseKey) && matches(entry)) onEntry(await this.whole(entry, ranged));
  }

  async readEntry(dn: string, filter: string, _attributes: string[], ranged: string[]): Promise<RawEntry | undefined> {
    const entry = this.byKey.get(dnKey(dn));
    return entry && this.predicate(filter)(entry) ? this.whole(entry, ranged) : undefined;
  }

  /**
   * An export made from Active Directory without range retrieval holds `member;range=0-1499`: the
   * first 1,500 members only. A range ending in `*` is whole and taken under the plain name; a cut
   * one fails the read (DIRECTORY_INCOMPLETE), since the file has no way to hold the rest and a
   * shorter member list would remove everyone past the cut.
   */
  private async whole(entry: RawEntry, ranged: string[]): Promise<RawEntry> {
    if (!hasRanges(entry, ranged)) return entry;
    const location = this.location;
    return completeRanges(
      entry,
      ranged,
      async (dn, description) => {
        const [attribute, range] = description.split(';range=');
        const next = Number.parseInt(range!, 10);
        throw new DirectoryError(
          'DIRECTORY_INCOMPLETE',
          `${location}: ${dn} holds only part of ${attribute} (values 0-${next - 1}, cut by the server's range limit); ` +
            'export again with a tool that follows range retrieval, or read the directory live',
          { details: { dn, attribute, file: location } },
        );
      },
      `LDIF file ${location}`,
    );
  }
}
