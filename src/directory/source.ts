// What the snapshot builder needs from a directory, whether a live server or an LDIF export: a
// complete subtree search and a read of one entry by DN. Both give entries whose ranged
// attributes are already complete; both throw rather than return less.
import type { RawEntry } from './entry.ts';
import type { KeyTable } from './key-table.ts';
import type { Vendor } from './vendors.ts';

/** The key table a source may intern into, and the DN-valued attributes whose values it may intern. */
export interface Interning {
  table: KeyTable;
  attributes: string[];
}

export interface EntrySource {
  /** Where the entries come from (URL or file path, never credentials). */
  readonly location: string;
  readonly vendor: Vendor;
  /**
   * Hands every entry below (and including) `base` that matches `filter` to `onEntry`, as it
   * arrives, with `attributes` (names as configured; the id attribute must be among them).
   * `ranged` lists the attributes that may come back in ranges (member); they are handed on
   * complete under their plain name. Resolves when the search is complete; rejects when it is not
   * (after `onEntry` may have seen some entries: the caller discards what it collected).
   * With `interning`, a source may hand entry DNs and the plain values of the DN-valued
   * `interning.attributes` on as ids of `interning.table` (RawEntry.keyId, RawEntry.dnIds) instead
   * of as strings; the LDAP source does, the LDIF one does not.
   */
  searchSubtree(base: string, filter: string, attributes: string[], ranged: string[], onEntry: (entry: RawEntry) => void, interning?: Interning): Promise<void>;
  /** Told up front how many subtree searches will run at the same time (a source may get ready for them). */
  prepare?(concurrentSearches: number): void;
  /** The entry named `dn` if it exists and matches `filter`; undefined otherwise. */
  readEntry(dn: string, filter: string, attributes: string[], ranged: string[]): Promise<RawEntry | undefined>;
}
