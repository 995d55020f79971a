// Every directory-vendor quirk in one place (after Backstage's LDAP vendor records): which attribute
// holds the immutable id and how to decode it, default filters, member attributes and how their
// values name members, whether the server cuts large attributes into ranges, what "disabled" means,
// and how to tell the vendors apart from the root DSE. Nothing else in the reader names a vendor.
import type { DirectoryConfig } from '../config/types.ts';
import { attributeValues, firstString, stringValues, type AttributeValue, type RawEntry } from './entry.ts';
import { canonicalUuidWords } from './uuid.ts';

export type VendorKind = 'activeDirectory' | 'openldap';

/** A member attribute and what its values are: DNs, or uids to look up among the users (posixGroup). */
export interface MemberAttribute {
  name: string;
  values: 'dn' | 'uid';
}

export interface Vendor {
  kind: VendorKind;
  /** The attribute that holds the immutable id. */
  idAttribute: string;
  /** Attributes to read as bytes (ldapts `explicitBufferAttributes`). */
  binaryAttributes: string[];
  /** The id in canonical text form, or undefined when the value is not a valid id. */
  decodeId(value: AttributeValue): string | undefined;
  defaultGroupFilter: string;
  defaultUserFilter: string;
  /** Member attributes to read: the configured one, or the vendor's defaults. */
  memberAttributes(configured: string | undefined): MemberAttribute[];
  /** Turns one DN-valued member value into a DN (uniqueMember may carry `#'0101'B`). */
  memberValueToDn(value: string): string;
  /** Attribute the uid-valued member attributes (memberUid) refer to. */
  uidAttribute: string;
  /**
   * Values per request when the server cuts multi-valued attributes (AD's MaxValRange, 1500); the
   * reader then asks for `member;range=0-1499` explicitly. Undefined: the server returns all values.
   */
  rangeSize: number | undefined;
  /** Attributes the disabled test reads (operational ones must be asked for by name). */
  disabledAttributes: string[];
  /** True when the account is disabled. */
  isDisabled(entry: RawEntry): boolean;
}

/** AD's objectGUID: 16 bytes, the first three fields little-endian (Data1 4 bytes, Data2 and Data3 2 bytes each), then 8 bytes as they are. */
export function decodeObjectGuid(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 16) return undefined;
  const hex = (from: number, to: number, reverse: boolean): string => {
    const slice = Array.from(bytes.subarray(from, to));
    if (reverse) slice.reverse();
    return slice.map((byte) => byte.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The inverse of decodeObjectGuid (for tests and LDIF fixtures). */
export function encodeObjectGuid(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a GUID: ${guid}`);
  const bytes = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8, 16),
  ]);
}

const UUID_TEXT = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

/** Scratch for canonicalUuidWords (only whether a value is canonical is wanted here). */
const UUID_WORDS = new Int32Array(4);

function decodeUuidText(value: string): string | undefined {
  // The common case without a regular expression or a new string (one per user, at every read).
  if (canonicalUuidWords(value, UUID_WORDS)) return value;
  const match = UUID_TEXT.exec(value.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

const AD_DISABLED_BIT = 0x2;

const activeDirectory: Vendor = {
  kind: 'activeDirectory',
  idAttribute: 'objectGUID',
  binaryAttributes: ['objectGUID'],
  decodeId(value) {
    // Binary from the server and from base64 LDIF; some exports write the text form.
    return typeof value === 'string' ? decodeUuidText(value) : decodeObjectGuid(value);
  },
  defaultGroupFilter: '(objectClass=group)',
  defaultUserFilter: '(&(objectCategory=person)(objectClass=user))',
  memberAttributes(configured) {
    // memberUid (RFC 2307 attributes in AD, "Identity Management for UNIX") holds uid values.
    return [{ name: configured ?? 'member', values: configured?.toLowerCase() === 'memberuid' ? 'uid' : 'dn' }];
  },
  memberValueToDn: (value) => value,
  uidAttribute: 'uid',
  rangeSize: 1500,
  disabledAttributes: ['userAccountControl'],
  isDisabled(entry) {
    const raw = firstString(entry, 'userAccountControl');
    if (raw === undefined) return false;
    const flags = Number.parseInt(raw, 10);
    return Number.isFinite(flags) && (flags & AD_DISABLED_BIT) !== 0;
  },
};

/**
 * OpenLDAP has no account-disabled flag. The convention used here is the password-policy overlay's
 * lock (`pwdAccountLockedTime` present, which is what `ppolicy` sets to lock an account, for good
 * with `000001010000Z`): such users count as disabled.
 */
export const OPENLDAP_DISABLED_ATTRIBUTE = 'pwdAccountLockedTime';

const openldap: Vendor = {
  kind: 'openldap',
  idAttribute: 'entryUUID',
  binaryAttributes: [],
  decodeId(value) {
    return decodeUuidText(typeof value === 'string' ? value : value.toString('utf8'));
  },
  defaultGroupFilter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))',
  defaultUserFilter: '(objectClass=inetOrgPerson)',
  memberAttributes(configured) {
    if (configured !== undefined) return [{ name: configured, values: configured.toLowerCase() === 'memberuid' ? 'uid' : 'dn' }];
    return [
      { name: 'member', values: 'dn' },
      { name: 'uniqueMember', values: 'dn' },
      { name: 'memberUid', values: 'uid' },
    ];
  },
  // nameAndOptionalUID (RFC 4517): `cn=x,dc=y#'0101'B`; the bit string is not part of the DN.
  memberValueToDn: (value) => (value.endsWith("'B") ? value.replace(/#'[01]*'B$/, '') : value),
  uidAttribute: 'uid',
  rangeSize: undefined,
  disabledAttributes: [OPENLDAP_DISABLED_ATTRIBUTE],
  isDisabled(entry) {
    return attributeValues(entry, OPENLDAP_DISABLED_ATTRIBUTE).length > 0;
  },
};

export function vendorFor(kind: VendorKind): Vendor {
  return kind === 'activeDirectory' ? activeDirectory : openldap;
}

/** Root DSE attributes detectKind reads. */
export const ROOT_DSE_ATTRIBUTES = ['supportedCapabilities', 'forestFunctionality', 'vendorName', 'namingContexts', 'defaultNamingContext'];

/** LDAP_CAP_ACTIVE_DIRECTORY_OID: advertised by AD DS and Samba AD. */
const AD_CAPABILITY = '1.2.840.113556.1.4.800';

/** Active Directory when the root DSE advertises the AD capability or a forest functionality level; else OpenLDAP. */
export function detectKind(rootDse: RawEntry): VendorKind {
  if (stringValues(rootDse, 'supportedCapabilities').includes(AD_CAPABILITY)) return 'activeDirectory';
  if (attributeValues(rootDse, 'forestFunctionality').length > 0) return 'activeDirectory';
  return 'openldap';
}

/** The kind to use: the configured one, or the detected one for `auto`. */
export function resolveKind(configured: DirectoryConfig['kind'], rootDse: RawEntry): VendorKind {
  return configured === 'auto' ? detectKind(rootDse) : configured;
}

/** How an LDIF export shows its vendor: objectGUID means AD, entryUUID OpenLDAP; undefined when neither appears. */
export function detectLdifKind(entries: Iterable<RawEntry>): VendorKind | undefined {
  let sawUuid = false;
  for (const entry of entries) {
    if (entry.attributes.has('objectguid')) return 'activeDirectory';
    if (entry.attributes.has('entryuuid')) sawUuid = true;
  }
  return sawUuid ? 'openldap' : undefined;
}
