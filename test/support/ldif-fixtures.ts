// LDIF text for test and benchmark directories: one entry writer that base64-encodes what LDIF
// cannot carry as plain text (non-ASCII, leading space or colon, binary such as objectGUID), and
// generators for bulk OpenLDAP and Active Directory (Samba) directories.
import { createHash } from 'node:crypto';

export type LdifValue = string | Buffer;

function needsBase64(value: string): boolean {
  // RFC 2849 SAFE-STRING: ASCII without NUL/LF/CR, not starting with space, ':' or '<', not ending with space.
  return /[^\x01-\x09\x0b\x0c\x0e-\x7f]/.test(value) || /^[ :<]/.test(value) || value.endsWith(' ');
}

function line(attribute: string, value: LdifValue): string {
  if (Buffer.isBuffer(value)) return `${attribute}:: ${value.toString('base64')}`;
  return needsBase64(value) ? `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}` : `${attribute}: ${value}`;
}

/** One LDIF record (with its trailing blank line). Array values become repeated attributes. */
export function ldifEntry(dn: string, attributes: Record<string, LdifValue | LdifValue[] | undefined>): string {
  const lines = [line('dn', dn)];
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(line(name, v));
  }
  return `${lines.join('\n')}\n\n`;
}

/** A deterministic UUID (version 5 layout) from any text: stable entryUUID/objectGUID values for fixtures. */
export function fixtureUuid(text: string): string {
  const hash = createHash('sha1').update('qgs-fixture:').update(text).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface BulkOptions {
  /** Naming context, e.g. `dc=example,dc=test`. */
  suffix: string;
  users: number;
  groups: number;
  /** Members per group (users taken round-robin). */
  membersPerGroup: number;
  /** Every n-th group (from the n-th on) also nests the group before it (0: no nesting). */
  nestEvery?: number;
}

/**
 * An OpenLDAP directory: ou=people (inetOrgPerson, uid u00001...), ou=groups (groupOfNames g0001...),
 * with entryUUID values from fixtureUuid(dn) so snapshots are predictable. Includes the suffix entry.
 */
export function openldapBulkLdif(options: BulkOptions): string {
  const { suffix } = options;
  const dc = /^dc=([^,]+)/i.exec(suffix)?.[1] ?? 'example';
  const parts: string[] = [
    ldifEntry(suffix, { objectClass: ['dcObject', 'organization'], dc, o: dc }),
    ldifEntry(`ou=people,${suffix}`, { objectClass: 'organizationalUnit', ou: 'people' }),
    ldifEntry(`ou=groups,${suffix}`, { objectClass: 'organizationalUnit', ou: 'groups' }),
  ];
  const userDn = (i: number): string => `uid=u${String(i).padStart(5, '0')},ou=people,${suffix}`;
  for (let i = 0; i < options.users; i++) {
    const uid = `u${String(i).padStart(5, '0')}`;
    const dn = userDn(i);
    parts.push(
      ldifEntry(dn, {
        objectClass: 'inetOrgPerson',
        uid,
        cn: `User ${i}`,
        sn: `${i}`,
        mail: `${uid}@example.test`,
        displayName: `User ${i}`,
        entryUUID: fixtureUuid(dn),
      }),
    );
  }
  let next = 0;
  for (let g = 0; g < options.groups; g++) {
    const cn = `g${String(g).padStart(4, '0')}`;
    const dn = `cn=${cn},ou=groups,${suffix}`;
    const members: string[] = [];
    for (let m = 0; m < options.membersPerGroup && options.users > 0; m++) members.push(userDn(next++ % options.users));
    if (options.nestEvery && g > 0 && g % options.nestEvery === 0) members.push(`cn=g${String(g - 1).padStart(4, '0')},ou=groups,${suffix}`);
    if (members.length === 0) members.push(''); // groupOfNames requires a member: the empty DN
    parts.push(ldifEntry(dn, { objectClass: 'groupOfNames', cn, description: `Group ${g}`, member: members, entryUUID: fixtureUuid(dn) }));
  }
  return parts.join('');
}

/**
 * An Active Directory directory for Samba's `ldbadd` (objectGUID and SIDs are assigned by Samba):
 * OU=People (user, sAMAccountName u00001...), OU=Groups (group g0001...). `baseDn` like
 * `DC=example,DC=test`. Accounts are created enabled (userAccountControl 512).
 */
export function adBulkLdif(options: Omit<BulkOptions, 'suffix'> & { baseDn: string; realm: string }): string {
  const { baseDn } = options;
  const parts: string[] = [
    ldifEntry(`OU=People,${baseDn}`, { objectClass: 'organizationalUnit', ou: 'People' }),
    ldifEntry(`OU=Groups,${baseDn}`, { objectClass: 'organizationalUnit', ou: 'Groups' }),
  ];
  const userDn = (i: number): string => `CN=User ${String(i).padStart(5, '0')},OU=People,${baseDn}`;
  for (let i = 0; i < options.users; i++) {
    const sam = `u${String(i).padStart(5, '0')}`;
    parts.push(
      ldifEntry(userDn(i), {
        objectClass: 'user',
        sAMAccountName: sam,
        userPrincipalName: `${sam}@${options.realm.toLowerCase()}`,
        mail: `${sam}@${options.realm.toLowerCase()}`,
        displayName: `User ${i}`,
        userAccountControl: '512',
      }),
    );
  }
  let next = 0;
  for (let g = 0; g < options.groups; g++) {
    const cn = `g${String(g).padStart(4, '0')}`;
    const members: string[] = [];
    for (let m = 0; m < options.membersPerGroup && options.users > 0; m++) members.push(userDn(next++ % options.users));
    if (options.nestEvery && g > 0 && g % options.nestEvery === 0) members.push(`CN=g${String(g - 1).padStart(4, '0')},OU=Groups,${baseDn}`);
    parts.push(ldifEntry(`CN=${cn},OU=Groups,${baseDn}`, { objectClass: 'group', sAMAccountName: cn, description: `Group ${g}`, member: members.length ? members : undefined }));
  }
  return parts.join('');
}
