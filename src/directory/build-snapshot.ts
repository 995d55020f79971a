// Turns what an EntrySource returns into the DirectorySnapshot: every group the group query matches
// with its direct members (normalised DNs), every user the user query matches, and members found
// elsewhere resolved or reported per `outsideMembers`. Selection (include/exclude) and nested
// flattening are not done here: the desired-state step does them from this graph.
//
// Members are joined to entries by normalised DN (dn.ts), so case, spacing and escaping do not
// matter. A member that names nothing usable (no such entry, an entry skipped for a missing id or
// attribute, an entry that matches no query) is reported as a warning and is not a member.
// Resolving members outside the bases follows groups breadth-first with a visited set, so nested
// groups that contain each other are read once each.
import type { DirectoryConfig } from '../config/types.ts';
import { DirectoryError, SyncError } from '../errors.ts';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser, Warning } from './snapshot.ts';
import { dnKey, isWithin, tryDnKey } from './dn.ts';
import { attributeValues, firstString, stringValues, type RawEntry } from './entry.ts';
import { orFilters, parenthesize } from './filter.ts';
import type { EntrySource } from './source.ts';
import type { Vendor } from './vendors.ts';

/** Parallel base reads while resolving members outside the bases. */
const RESOLVE_CONCURRENCY = 8;

export interface BuildOptions {
  kind: DirectorySnapshot['kind'];
  signal?: AbortSignal | undefined;
  /** Warnings to start with (e.g. from the source). */
  warnings?: Warning[];
}

interface MemberRef {
  dn: string;
  key: string;
}

interface GroupDraft {
  group: Omit<DirectoryGroup, 'members'>;
  memberDns: MemberRef[];
  memberUids: string[];
}

function uniqueCaseInsensitive(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const lower = name.toLowerCase();
    if (seen.has(lower)) return false;
    seen.add(lower);
    return true;
  });
}

function foldUid(uid: string): string {
  return uid.normalize('NFKC').toLowerCase().trim();
}

function byKey<T extends { key: string }>(a: T, b: T): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function names(list: string[]): string {
  const shown = list.slice(0, 3).join(', ');
  return list.length > 3 ? `${shown} and ${list.length - 3} more` : shown;
}

/** The filters and attribute lists the reader uses for a configuration and vendor. */
export function planQueries(config: DirectoryConfig, vendor: Vendor) {
  const groupFilter = parenthesize(config.groups.filter ?? vendor.defaultGroupFilter);
  const userFilter = parenthesize(config.users.filter ?? vendor.defaultUserFilter);
  // A group nested from elsewhere need not match the configured group filter (which selects what
  // to sync), only be a group: it still passes its members on.
  const outsideGroupFilter = orFilters(groupFilter, vendor.defaultGroupFilter);
  const memberAttributes = vendor.memberAttributes(config.groups.memberAttribute);
  const ranged = memberAttributes.filter((a) => a.values === 'dn').map((a) => a.name);
  const usesUids = memberAttributes.some((a) => a.values === 'uid');
  const groupAttributes = uniqueCaseInsensitive([
    vendor.idAttribute,
    config.groups.nameAttribute,
    config.groups.descriptionAttribute,
    ...memberAttributes.map((a) => a.name),
  ]);
  const userAttributes = uniqueCaseInsensitive([
    vendor.idAttribute,
    ...config.users.attributes,
    ...vendor.disabledAttributes,
    ...(usesUids ? [vendor.uidAttribute] : []),
  ]);
  return { groupFilter, userFilter, outsideGroupFilter, memberAttributes, ranged, usesUids, groupAttributes, userAttributes };
}

export async function buildSnapshot(source: EntrySource, config: DirectoryConfig, options: BuildOptions): Promise<DirectorySnapshot> {
  const vendor = source.vendor;
  const warnings: Warning[] = [...(options.warnings ?? [])];
  const checkAborted = (): void => {
    if (options.signal?.aborted) throw new SyncError('ABORTED', 'directory read aborted', { cause: options.signal.reason });
  };

  const { groupFilter, userFilter, outsideGroupFilter, memberAttributes, ranged, usesUids, groupAttributes, userAttributes } = planQueries(config, vendor);
  const groupBaseKeys = config.groups.baseDns.map((base) => dnKey(base));
  const userBaseKeys = config.users.baseDns.map((base) => dnKey(base));

  const entryKey = (entry: RawEntry): string => {
    const key = tryDnKey(entry.dn);
    if (key === undefined) {
      throw new DirectoryError('DIRECTORY_SEARCH', `${source.location} returned an entry with an invalid DN: ${entry.dn}`, { details: { dn: entry.dn } });
    }
    return key;
  };

  const users = new Map<string, DirectoryUser>();
  const groups = new Map<string, GroupDraft>();
  /** Entries read but skipped (no id, missing attribute). */
  const skipped = new Map<string, { dn: string; why: string }>();
  const uidToUser = new Map<string, string>();

  const decodeId = (entry: RawEntry): string | undefined => {
    const [value] = attributeValues(entry, vendor.idAttribute);
    return value === undefined ? undefined : vendor.decodeId(value);
  };

  const skip = (what: 'user' | 'group', entry: RawEntry, key: string, why: string): void => {
    skipped.set(key, { dn: entry.dn, why });
    warnings.push({ code: 'ENTRY_SKIPPED', message: `${what} ${entry.dn} skipped: ${why}`, subject: entry.dn });
  };

  // Only what matching needs is required (see DirectoryConfig.users.requiredAttributes): a user
  // without, say, a mail attribute is still a member when matched by subject.
  const required = config.users.requiredAttributes?.map((a) => a.toLowerCase());
  const isRequired = (name: string): boolean => required === undefined || required.includes(name.toLowerCase());

  const addUser = (entry: RawEntry, key: string, outsideBase: boolean): void => {
    if (users.has(key) || skipped.has(key)) return;
    const id = decodeId(entry);
    if (id === undefined) return skip('user', entry, key, `no valid ${vendor.idAttribute}`);
    const attributes: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of config.users.attributes) {
      const value = firstString(entry, name);
      if (value !== undefined) attributes[name] = value;
      else if (isRequired(name)) missing.push(name);
    }
    if (missing.length > 0) return skip('user', entry, key, `missing ${missing.join(', ')}`);
    users.set(key, { id, dn: entry.dn, key, attributes, enabled: !vendor.isDisabled(entry), ...(outsideBase ? { outsideBase: true } : {}) });
    if (usesUids) {
      for (const uid of stringValues(entry, vendor.uidAttribute)) {
        const folded = foldUid(uid);
        const other = uidToUser.get(folded);
        if (other !== undefined && other !== key) {
          warnings.push({ code: 'UID_AMBIGUOUS', message: `${vendor.uidAttribute} "${uid}" belongs to both ${other} and ${entry.dn}; memberUid "${uid}" resolves to the first`, subject: entry.dn });
        } else {
          uidToUser.set(folded, key);
        }
      }
    }
  };

  const addGroup = (entry: RawEntry, key: string, outsideBase: boolean): GroupDraft | undefined => {
    if (groups.has(key) || skipped.has(key)) return undefined;
    const id = decodeId(entry);
    if (id === undefined) return void skip('group', entry, key, `no valid ${vendor.idAttribute}`);
    const name = firstString(entry, config.groups.nameAttribute);
    if (name === undefined) return void skip('group', entry, key, `missing ${config.groups.nameAttribute}`);
    const description = firstString(entry, config.groups.descriptionAttribute);
    const memberDns: MemberRef[] = [];
    const memberUids: string[] = [];
    for (const attribute of memberAttributes) {
      for (const value of stringValues(entry, attribute.name)) {
        if (attribute.values === 'uid') {
          memberUids.push(value);
          continue;
        }
        const dn = vendor.memberValueToDn(value);
        const memberKey = tryDnKey(dn);
        if (memberKey === '') continue; // the empty DN: groupOfNames' placeholder for "no members"
        if (memberKey === undefined) {
          warnings.push({ code: 'MEMBER_INVALID', message: `group ${entry.dn} lists "${value}" in ${attribute.name}, which is not a DN`, subject: entry.dn });
        } else {
          memberDns.push({ dn, key: memberKey });
        }
      }
    }
    const group: Omit<DirectoryGroup, 'members'> = {
      id,
      dn: entry.dn,
      key,
      name,
      ...(description !== undefined ? { description } : {}),
      ...(outsideBase ? { outsideBase: true } : {}),
    };
    const draft = { group, memberDns, memberUids };
    groups.set(key, draft);
    return draft;
  };

  // 1. The group and user queries, every base.
  // Each entry is taken in as it arrives; a search that fails throws, and what was taken is dropped.
  for (const base of config.groups.baseDns) {
    checkAborted();
    await source.searchSubtree(base, groupFilter, groupAttributes, ranged, (entry) => void addGroup(entry, entryKey(entry), false));
  }
  for (const base of config.users.baseDns) {
    checkAborted();
    await source.searchSubtree(base, userFilter, userAttributes, [], (entry) => addUser(entry, entryKey(entry), false));
  }

  // 2. Members that are neither a group nor a user read above.
  const known = (key: string): boolean => users.has(key) || groups.has(key) || skipped.has(key);
  const referencedBy = new Map<string, { dn: string; groups: string[] }>();
  const noteUnknown = (draft: GroupDraft, enqueue: (ref: MemberRef) => void): void => {
    for (const ref of draft.memberDns) {
      if (known(ref.key)) continue;
      const seen = referencedBy.get(ref.key);
      if (seen) {
        seen.groups.push(draft.group.dn);
      } else {
        referencedBy.set(ref.key, { dn: ref.dn, groups: [draft.group.dn] });
        enqueue(ref);
      }
    }
  };
  let queue: MemberRef[] = [];
  for (const draft of groups.values()) noteUnknown(draft, (ref) => queue.push(ref));

  const unresolved = new Set<string>();
  if (config.outsideMembers === 'resolve') {
    while (queue.length > 0) {
      checkAborted();
      const batch = queue;
      queue = [];
      await forEachLimit(batch, RESOLVE_CONCURRENCY, async (ref) => {
        if (!userBaseKeys.some((base) => isWithin(ref.key, base))) {
          const entry = await source.readEntry(ref.dn, userFilter, userAttributes, []);
          if (entry) {
            addUser(entry, ref.key, true);
            return;
          }
        }
        const readAsGroup = !(groupBaseKeys.some((base) => isWithin(ref.key, base)) && outsideGroupFilter === groupFilter);
        if (readAsGroup) {
          const entry = await source.readEntry(ref.dn, outsideGroupFilter, groupAttributes, ranged);
          if (entry) {
            const draft = addGroup(entry, ref.key, true);
            if (draft) noteUnknown(draft, (next) => queue.push(next));
            return;
          }
        }
        unresolved.add(ref.key);
      });
    }
  }

  for (const [key, { dn, groups: referrers }] of referencedBy) {
    if (known(key)) continue;
    const where = `listed in ${names(referrers)}`;
    if (config.outsideMembers === 'ignore') {
      const insideBases = [...userBaseKeys, ...groupBaseKeys].some((base) => isWithin(key, base));
      warnings.push(
        insideBases
          ? { code: 'MEMBER_UNRESOLVED', message: `member ${dn} (${where}) is not among the users or groups read: no such entry, or excluded by the filters`, subject: dn }
          : { code: 'MEMBER_OUTSIDE_BASE', message: `member ${dn} (${where}) lies outside the user and group base DNs and is ignored (directory.outsideMembers=ignore)`, subject: dn },
      );
    } else {
      warnings.push({ code: 'MEMBER_UNRESOLVED', message: `member ${dn} (${where}) does not exist or matches neither the user nor the group filter`, subject: dn });
    }
  }
  // Members that are entries skipped above.
  const skippedMembers = new Map<string, string[]>();
  for (const draft of groups.values()) {
    for (const ref of draft.memberDns) {
      if (skipped.has(ref.key)) skippedMembers.set(ref.key, [...(skippedMembers.get(ref.key) ?? []), draft.group.dn]);
    }
  }
  for (const [key, referrers] of skippedMembers) {
    const { dn, why } = skipped.get(key)!;
    warnings.push({ code: 'MEMBER_SKIPPED', message: `member ${dn} (listed in ${names(referrers)}) is not a member: its entry was skipped (${why})`, subject: dn });
  }

  // 3. memberUid values name users by uid.
  const unknownUids = new Map<string, string[]>();
  const finalGroups: DirectoryGroup[] = [];
  for (const { group, memberDns, memberUids } of groups.values()) {
    const members = new Set<string>();
    for (const ref of memberDns) if (users.has(ref.key) || groups.has(ref.key)) members.add(ref.key);
    for (const uid of memberUids) {
      const userKey = uidToUser.get(foldUid(uid));
      if (userKey !== undefined) members.add(userKey);
      else unknownUids.set(uid, [...(unknownUids.get(uid) ?? []), group.dn]);
    }
    finalGroups.push({ ...group, members: [...members].sort() });
  }
  for (const [uid, referrers] of unknownUids) {
    warnings.push({ code: 'MEMBER_UNRESOLVED', message: `memberUid "${uid}" (listed in ${names(referrers)}) matches no user read`, subject: uid });
  }

  // 4. Ids must be unique: they are what renames are tracked by.
  const ids = new Map<string, string>();
  for (const item of [...finalGroups, ...users.values()]) {
    const other = ids.get(item.id);
    if (other !== undefined) warnings.push({ code: 'DUPLICATE_ID', message: `${other} and ${item.dn} have the same id ${item.id}`, subject: item.dn });
    else ids.set(item.id, item.dn);
  }

  checkAborted();
  return {
    kind: options.kind,
    source: source.location,
    groups: finalGroups.sort(byKey),
    users: [...users.values()].sort(byKey),
    warnings: dedupeWarnings(warnings),
  };
}

function dedupeWarnings(warnings: Warning[]): Warning[] {
  const seen = new Set<string>();
  const out: Warning[] = [];
  for (const warning of warnings) {
    const id = `${warning.code}\u0000${warning.subject ?? ''}\u0000${warning.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(warning);
  }
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => compare(a.code, b.code) || compare(a.subject ?? '', b.subject ?? '') || compare(a.message, b.message));
}
