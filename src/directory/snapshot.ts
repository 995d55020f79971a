// The directory side of a run: what the directory holds, read completely, sorted, plain data.
// Produced by the LDAP/AD reader and by the LDIF file reader; consumed by the pure desired-state step.

/** A problem noticed while reading that did not make the read incomplete (e.g. a skipped entry). */
export interface Warning {
  /** Stable machine code, e.g. `ENTRY_SKIPPED`, `MEMBER_UNRESOLVED`, `GROUP_CYCLE`, `NAME_TOO_LONG`. */
  code: string;
  message: string;
  /** The DN, group name or user the warning is about. */
  subject?: string;
}

export interface DirectoryUser {
  /** Immutable id: AD objectGUID in canonical form, OpenLDAP entryUUID. */
  id: string;
  /** The DN as the server returned it. */
  dn: string;
  /** Normalised DN (see directory/dn.ts `dnKey`): what membership lists refer to. */
  key: string;
  /** First value of each attribute mapping needs, by the attribute name as configured (e.g. `userPrincipalName`, `mail`). */
  attributes: Record<string, string>;
  /** False for AD accounts with userAccountControl bit 2 set (or the configured disabled test). */
  enabled: boolean;
  /** True when the entry lies outside the configured user base DNs and was resolved as a member. */
  outsideBase?: boolean;
}

export interface DirectoryGroup {
  /** Immutable id: AD objectGUID in canonical form, OpenLDAP entryUUID. */
  id: string;
  dn: string;
  /** Normalised DN. */
  key: string;
  /** The group's name attribute (cn by default). */
  name: string;
  description?: string;
  /** Normalised DNs of the direct members (users and groups), sorted, without duplicates. */
  members: string[];
  /** True when the group lies outside the group base DNs / filter and was read only because another group nests it. Such groups are not mapped themselves. */
  outsideBase?: boolean;
}

export interface DirectorySnapshot {
  kind: 'activeDirectory' | 'openldap' | 'ldif';
  /** Where it was read from (URL or file path), never with credentials. */
  source: string;
  /** Sorted by key. */
  groups: DirectoryGroup[];
  /** Sorted by key. */
  users: DirectoryUser[];
  warnings: Warning[];
}
