// One directory entry as both sources (LDAP server, LDIF file) hand it to the snapshot builder:
// a DN and its attributes keyed by lower-case name (`member;range=0-1499` keeps its options), each
// with its raw values (strings, or Buffers for binary values such as objectGUID). Attribute names
// are compared case-insensitively, as LDAP does.
import type { Entry } from 'ldapts';

export type AttributeValue = string | Buffer;

export interface RawEntry {
  dn: string;
  /** Lower-case attribute description -> values (never empty: absent attributes have no key). */
  attributes: Map<string, AttributeValue[]>;
  /**
   * DN-valued attributes (lower-case names) whose plain values the wire decoder turned into ids of
   * the snapshot builder's KeyTable straight from their bytes; those values are here, not in
   * `attributes`, which keeps the attribute's other values. Only the LDAP reader's subtree
   * searches fill it.
   */
  dnIds?: Map<string, Int32Array>;
  /** The id of the entry's own DN in that KeyTable, when the wire decoder made it (plain DNs). */
  keyId?: number;
}

/** Converts an ldapts entry. ldapts lists requested-but-absent attributes as `[]`: those are dropped. */
export function fromLdapts(entry: Entry): RawEntry {
  const attributes = new Map<string, AttributeValue[]>();
  // The entry is ldapts' own and dropped after this: its value arrays are taken over, not copied
  // (once per entry of a large directory).
  for (const name in entry) {
    if (name === 'dn' || !Object.hasOwn(entry, name)) continue;
    const raw = entry[name] as AttributeValue | AttributeValue[];
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length === 0) continue;
    const key = name.toLowerCase();
    const existing = attributes.get(key);
    if (existing) attributes.set(key, [...existing, ...values]);
    else attributes.set(key, values);
  }
  return { dn: entry.dn, attributes };
}

/** All values of an attribute (case-insensitive name), possibly none. */
export function attributeValues(entry: RawEntry, name: string): AttributeValue[] {
  return entry.attributes.get(name.toLowerCase()) ?? [];
}

/** Values as strings (Buffers decoded as UTF-8). */
export function stringValues(entry: RawEntry, name: string): string[] {
  return attributeValues(entry, name).map(valueToString);
}

/** The first value as a string, or undefined when the attribute is absent. */
export function firstString(entry: RawEntry, name: string): string | undefined {
  const [first] = attributeValues(entry, name);
  return first === undefined ? undefined : valueToString(first);
}

export function valueToString(value: AttributeValue): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** True when the entry has `objectClass` value `objectClass` (case-insensitive). */
export function hasObjectClass(entry: RawEntry, objectClass: string): boolean {
  const wanted = objectClass.toLowerCase();
  return stringValues(entry, 'objectClass').some((value) => value.toLowerCase() === wanted);
}
