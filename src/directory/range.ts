// Range retrieval of large multi-valued attributes (Active Directory's `member;range=L-H`).
// AD returns at most MaxValRange (1500) values of an attribute per entry, under the key
// `member;range=0-1499`, whether or not the client asked for a range; the rest must be fetched
// with base searches for `member;range=1500-*`, ... until a range ends in `*`. A group read
// without this comes back short and a sync would then remove everyone past the cut.
//
// The loop takes the fetch as a function, so it runs the same against a server and against
// recorded responses. Any range that does not continue where the last one stopped, or a loop
// that ends without `*`, is an error: never a shorter member list.
import { DirectoryError } from '../errors.ts';
import type { AttributeValue, RawEntry } from './entry.ts';

export interface RangeKey {
  /** Lower-case attribute name without the range option. */
  attribute: string;
  low: number;
  /** `*` for the last range. */
  high: number | '*';
}

const RANGED = /^(.+);range=(\d+)-(\d+|\*)$/i;

/** Parses `member;range=0-1499`; undefined for an attribute without a range option. */
export function parseRangeKey(description: string): RangeKey | undefined {
  const match = RANGED.exec(description);
  if (!match) return undefined;
  const high = match[3] === '*' ? '*' : Number.parseInt(match[3]!, 10);
  return { attribute: match[1]!.toLowerCase(), low: Number.parseInt(match[2]!, 10), high };
}

/** The attribute description asking for values from `low` on: `member;range=1500-*`. */
export function rangeRequest(attribute: string, low: number, size?: number): string {
  return `${attribute};range=${low}-${size === undefined ? '*' : low + size - 1}`;
}

/** Reads one entry by DN with one attribute description (a base search); undefined when the entry is gone. */
export type FetchRange = (dn: string, attributeDescription: string) => Promise<RawEntry | undefined>;

function rangedKeys(entry: RawEntry, attribute: string): Array<{ key: string; range: RangeKey }> {
  const found: Array<{ key: string; range: RangeKey }> = [];
  for (const key of entry.attributes.keys()) {
    const range = parseRangeKey(key);
    if (range && range.attribute === attribute) found.push({ key, range });
  }
  return found;
}

/** True when `entry` has a ranged key (`member;range=...`) for one of `attributes`: completeRanges has work to do. */
export function hasRanges(entry: RawEntry, attributes: string[]): boolean {
  if (attributes.length === 0) return false;
  for (const key of entry.attributes.keys()) {
    if (!key.includes(';')) continue;
    const range = parseRangeKey(key);
    if (range && attributes.some((name) => name.toLowerCase() === range.attribute)) return true;
  }
  return false;
}

function incomplete(dn: string, attribute: string, why: string, where: string): DirectoryError {
  return new DirectoryError('DIRECTORY_INCOMPLETE', `range retrieval of ${attribute} for ${dn} ${why} (${where})`, {
    details: { dn, attribute },
  });
}

/**
 * Returns the entry with every listed attribute complete under its plain lower-case name: ranged
 * values (asked for or cut by the server) are fetched to the end and the `;range=` keys removed.
 * Throws DirectoryError `DIRECTORY_INCOMPLETE` when the ranges do not add up.
 */
export async function completeRanges(entry: RawEntry, attributes: string[], fetch: FetchRange, where: string): Promise<RawEntry> {
  let result = entry;
  for (const name of attributes) {
    const attribute = name.toLowerCase();
    const ranged = rangedKeys(entry, attribute);
    if (ranged.length === 0) continue;
    if (ranged.length > 1) throw incomplete(entry.dn, attribute, `came back with ${ranged.length} ranges at once`, where);
    const { key, range } = ranged[0]!;
    const plain = entry.attributes.get(attribute) ?? [];
    if (plain.length > 0) throw incomplete(entry.dn, attribute, 'came back both ranged and unranged', where);
    if (range.low !== 0) throw incomplete(entry.dn, attribute, `started at ${range.low}, not 0`, where);

    const values: AttributeValue[] = [...(entry.attributes.get(key) ?? [])];
    let current = range;
    let currentCount = values.length;
    for (;;) {
      if (current.high === '*') break;
      if (current.high < current.low || currentCount !== current.high - current.low + 1) {
        throw incomplete(entry.dn, attribute, `range ${current.low}-${current.high} held ${currentCount} values`, where);
      }
      const next = current.high + 1;
      const description = rangeRequest(name, next);
      const page = await fetch(entry.dn, description);
      if (page === undefined) throw incomplete(entry.dn, attribute, `lost the entry when asking for ${description}`, where);
      const pageRanges = rangedKeys(page, attribute);
      if (pageRanges.length !== 1) {
        throw incomplete(entry.dn, attribute, `stopped at ${current.high}: asking for ${description} returned no range ending in *`, where);
      }
      const { key: pageKey, range: pageRange } = pageRanges[0]!;
      if (pageRange.low !== next) {
        throw incomplete(entry.dn, attribute, `asked for values from ${next} and got range ${pageRange.low}-${pageRange.high}`, where);
      }
      const pageValues = page.attributes.get(pageKey) ?? [];
      values.push(...pageValues);
      current = pageRange;
      currentCount = pageValues.length;
    }

    const attributesOut = new Map(result.attributes);
    attributesOut.delete(key);
    attributesOut.set(attribute, values);
    result = { dn: result.dn, attributes: attributesOut };
  }
  return result;
}
