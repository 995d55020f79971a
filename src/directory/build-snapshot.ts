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
import { firstString, valueToString, type AttributeValue, type RawEntry } from './entry.ts';
import { orFilters, parenthesize } from './filter.ts';
import { IdSet } from './id-set.ts';
import { KeyTable } from './key-table.ts';
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

interface GroupDraft {
  group: Omit<DirectoryGroup, 'members'>;
  /** The DN member values, as KeyTable ids, in the order listed. */
  memberIds: Int32Array;
  memberUids: string[];
}

/**
 * What an id names, as bits of `kinds[id]` (an entry can be a group and a skipped user, say).
 * Each role has its own bits, so what an entry is does not depend on which search met it first:
 * the group and user searches run at the same time.
 */
const USER = 1;
const GROUP = 2;
const SKIPPED_USER = 4;
const SKIPPED_GROUP = 8;
const SKIPPED = SKIPPED_USER | SKIPPED_GROUP;

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

/**
 * Ranks of members, reused by every group: holds the largest group's once grown. A group's member
 * list is built from it in a small function of its own, so it is compiled on its own (not inside
 * buildSnapshot, which runs once).
 */
class MemberRanks {
  private ranks = new Int32Array(1024);

  /**
   * The sorted keys, each once, of the `ids` that `kinds` marks a user or a group, and of the
   * user ids in `extra` (members by uid).
   */
  keysOf(ids: Int32Array, extra: readonly number[], kinds: readonly number[], rank: Int32Array, sorted: readonly string[]): string[] {
    const total = ids.length + extra.length;
    if (total > this.ranks.length) this.ranks = new Int32Array(Math.max(total, this.ranks.length * 2));
    const count = this.collect(ids, extra, kinds, rank);
    const unique = this.dedupe(this.ranks.subarray(0, count).sort());
    return this.read(unique, sorted);
  }

  // Each pass is a method of its own. A loop that runs long is compiled while it runs (on-stack
  // replacement), and in that code every read after the loop has no type feedback yet: with all
  // passes in one function, the compiled code left for the interpreter at such a read on every
  // call (43 times in an S read). Split so, a read measured none there.

  /** The ranks of the user and group ids, and of the `extra` user ids, at the front of `ranks`: their count. */
  private collect(ids: Int32Array, extra: readonly number[], kinds: readonly number[], rank: Int32Array): number {
    const ranks = this.ranks;
    let count = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if ((kinds[id]! & (USER | GROUP)) !== 0) ranks[count++] = rank[id]!;
    }
    for (let i = 0; i < extra.length; i++) ranks[count++] = rank[extra[i]!]!;
    return count;
  }

  /** Each rank of the sorted `inOrder` once, packed at its front: their count. */
  private dedupe(inOrder: Int32Array): number {
    let unique = 0;
    for (let i = 0; i < inOrder.length; i++) {
      const value = inOrder[i]!;
      if (unique === 0 || inOrder[unique - 1] !== value) inOrder[unique++] = value;
    }
    return unique;
  }

  /** The keys of the first `unique` ranks. */
  private read(unique: number, sorted: readonly string[]): string[] {
    const ranks = this.ranks;
    const keys = new Array<string>(unique);
    for (let i = 0; i < unique; i++) keys[i] = sorted[ranks[i]!]!;
    return keys;
  }
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
  // Every member attribute may come back in ranges (AD cuts any multi-valued attribute, memberUid
  // too); only the DN-valued ones are looked up in the key table as they arrive.
  const ranged = memberAttributes.map((a) => a.name);
  const interned = memberAttributes.filter((a) => a.values === 'dn').map((a) => a.name);
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
  return { groupFilter, userFilter, outsideGroupFilter, memberAttributes, ranged, interned, usesUids, groupAttributes, userAttributes };
}

export async function buildSnapshot(source: EntrySource, config: DirectoryConfig, options: BuildOptions): Promise<DirectorySnapshot> {
  // The group and the user searches run at the same time (step 1).
  source.prepare?.(2);
  const vendor = source.vendor;
  const warnings: Warning[] = [...(options.warnings ?? [])];
  const checkAborted = (): void => {
    if (options.signal?.aborted) throw new SyncError('ABORTED', 'directory read aborted', { cause: options.signal.reason });
  };

  const { groupFilter, userFilter, outsideGroupFilter, memberAttributes, ranged, interned, usesUids, groupAttributes, userAttributes } = planQueries(config, vendor);
  const groupBaseKeys = config.groups.baseDns.map((base) => dnKey(base));
  const userBaseKeys = config.users.baseDns.map((base) => dnKey(base));

  const entryKey = (entry: RawEntry): string => {
    const key = tryDnKey(entry.dn);
    if (key === undefined) {
      throw new DirectoryError('DIRECTORY_SEARCH', `${source.location} returned an entry with an invalid DN: ${entry.dn}`, { details: { dn: entry.dn } });
    }
    return key;
  };

  // Entries and members by KeyTable id; kinds[id] says what an id names so far (0: nothing read).
  const table = new KeyTable();
  const kinds: number[] = [];
  /** The user each id names (as kinds: one place per id), and the ids in the order users were taken in. */
  const userAt: Array<DirectoryUser | undefined> = [];
  const userOrder: number[] = [];
  /** A place in kinds and userAt for each id the table has (new ones: members, the decoder's ids). */
  const growKinds = (): void => {
    while (kinds.length < table.size) {
      kinds.push(0);
      userAt.push(undefined);
    }
  };
  const idOf = (key: string, dn?: string): number => {
    const id = table.id(key, dn);
    growKinds();
    return id;
  };
  const groups = new Map<number, GroupDraft>();
  /** Entries read but skipped (no id, missing attribute). */
  const skipped = new Map<number, { dn: string; why: string }>();
  const uidToUser = new Map<string, number>();
  /**
   * Ids must be unique: they are what renames are tracked by. Each id is noted as its entry is
   * taken in (while it is fresh in memory); the ones seen twice are warned about at the end, in a
   * fixed order, whichever way the two searches interleaved.
   */
  const seenIds = new IdSet();
  const sharedIds = new Set<string>();
  const noteId = (id: string): void => {
    if (!seenIds.add(id)) sharedIds.add(id);
  };

  const decodeId = (entry: RawEntry): string | undefined => {
    const value = entry.attributes.get(idKey)?.[0];
    return value === undefined ? undefined : vendor.decodeId(value);
  };

  const skip = (what: 'user' | 'group', entry: RawEntry, keyId: number, why: string): void => {
    if (!skipped.has(keyId)) skipped.set(keyId, { dn: entry.dn, why });
    kinds[keyId]! |= what === 'user' ? SKIPPED_USER : SKIPPED_GROUP;
    warnings.push({ code: 'ENTRY_SKIPPED', message: `${what} ${entry.dn} skipped: ${why}`, subject: entry.dn });
  };

  // Only what matching needs is required (see DirectoryConfig.users.requiredAttributes): a user
  // without, say, a mail attribute is still a member when matched by subject.
  const required = config.users.requiredAttributes?.map((a) => a.toLowerCase());
  const wanted = config.users.attributes.map((name) => ({ name, key: name.toLowerCase(), required: required === undefined || required.includes(name.toLowerCase()) }));
  const idKey = vendor.idAttribute.toLowerCase();
  const uidKey = vendor.uidAttribute.toLowerCase();
  /** Users' uid values (keyId, values, in the order users were taken in), when memberUid is read. */
  const userUids: Array<[number, AttributeValue[]]> = [];

  const addUser = (entry: RawEntry, keyId: number, outsideBase: boolean): void => {
    if ((kinds[keyId]! & (USER | SKIPPED_USER)) !== 0) return;
    const id = decodeId(entry);
    if (id === undefined) return skip('user', entry, keyId, `no valid ${vendor.idAttribute}`);
    const attributes: Record<string, string> = {};
    let missing: string[] | undefined;
    for (let i = 0; i < wanted.length; i++) {
      const { name, key, required } = wanted[i]!;
      const value = entry.attributes.get(key)?.[0];
      if (value !== undefined) attributes[name] = valueToString(value);
      else if (required) (missing ??= []).push(name);
    }
    if (missing !== undefined) return skip('user', entry, keyId, `missing ${missing.join(', ')}`);
    const user: DirectoryUser = { id, dn: entry.dn, key: table.key(keyId), attributes, enabled: !vendor.isDisabled(entry) };
    if (outsideBase) user.outsideBase = true;
    userAt[keyId] = user;
    userOrder.push(keyId);
    noteId(id);
    kinds[keyId]! |= USER;
    if (usesUids) {
      const uids = entry.attributes.get(uidKey);
      if (uids !== undefined) userUids.push([keyId, uids]);
    }
  };

  /**
   * Users by folded uid, for memberUid values: made once every user is in, in the order they were
   * taken in (the first of two users with the same uid wins, with a warning), and only when some
   * group lists memberUid values at all.
   */
  const indexUids = (): void => {
    for (const [keyId, uids] of userUids) {
      for (const raw of uids) {
        const uid = valueToString(raw);
        const folded = foldUid(uid);
        const other = uidToUser.get(folded);
        if (other !== undefined && other !== keyId) {
          const dn = userAt[keyId]!.dn;
          warnings.push({ code: 'UID_AMBIGUOUS', message: `${vendor.uidAttribute} "${uid}" belongs to both ${table.key(other)} and ${dn}; memberUid "${uid}" resolves to the first`, subject: dn });
        } else {
          uidToUser.set(folded, keyId);
        }
      }
    }
  };

  const memberIds: number[] = []; // reused by every addGroup
  const memberKeys = memberAttributes.map((attribute) => ({ ...attribute, key: attribute.name.toLowerCase() }));
  const addGroup = (entry: RawEntry, keyId: number, outsideBase: boolean): GroupDraft | undefined => {
    if ((kinds[keyId]! & (GROUP | SKIPPED_GROUP)) !== 0) return undefined;
    const id = decodeId(entry);
    if (id === undefined) return void skip('group', entry, keyId, `no valid ${vendor.idAttribute}`);
    const name = firstString(entry, config.groups.nameAttribute);
    if (name === undefined) return void skip('group', entry, keyId, `missing ${config.groups.nameAttribute}`);
    const description = firstString(entry, config.groups.descriptionAttribute);
    memberIds.length = 0;
    const memberUids: string[] = [];
    for (const attribute of memberKeys) {
      const values = entry.attributes.get(attribute.key);
      if (values === undefined) continue;
      for (const raw of values) {
        const value = valueToString(raw);
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
          memberIds.push(idOf(memberKey, dn));
        }
      }
    }
    // Plain DN values the source interned already (the LDAP reader does; see wire.ts). The
    // common case, one attribute's values all interned, is kept as it is. Order does not matter:
    // members are sorted below.
    const interned: Int32Array[] = [];
    for (const attribute of memberKeys) {
      const ids = entry.dnIds?.get(attribute.key);
      if (ids !== undefined) interned.push(ids);
    }
    const only = interned.length === 1 && memberIds.length === 0 ? interned[0] : undefined;
    if (only === undefined) for (const ids of interned) for (const id of ids) memberIds.push(id);
    const group: Omit<DirectoryGroup, 'members'> = {
      id,
      dn: entry.dn,
      key: table.key(keyId),
      name,
      ...(description !== undefined ? { description } : {}),
      ...(outsideBase ? { outsideBase: true } : {}),
    };
    const draft = { group, memberIds: only ?? Int32Array.from(memberIds), memberUids };
    groups.set(keyId, draft);
    noteId(id);
    kinds[keyId]! |= GROUP;
    return draft;
  };

  // 1. The group and user queries, every base.
  // Each entry is taken in as it arrives; a search that fails throws, and what was taken is dropped.
  // Ids the source made from member values (RawEntry.dnIds) get their place in kinds here.
  const onGroup = (entry: RawEntry): void => {
    growKinds();
    addGroup(entry, entry.keyId ?? idOf(entryKey(entry)), false);
  };
  const onUser = (entry: RawEntry): void => {
    growKinds();
    addUser(entry, entry.keyId ?? idOf(entryKey(entry)), false);
  };
  // The group bases one after another and the user bases one after another, the two at the same
  // time: the server prepares users while the groups' members are taken in. What is taken in does
  // not depend on how the two interleave (the role bits above; users keep their order, so the
  // first of two users with the same uid is still the server's first).
  const inTurn = async (bases: string[], search: (base: string) => Promise<void>): Promise<void> => {
    for (const base of bases) {
      checkAborted();
      await search(base);
    }
  };
  await Promise.all([
    inTurn(config.groups.baseDns, (base) => source.searchSubtree(base, groupFilter, groupAttributes, ranged, onGroup, { table, attributes: interned })),
    inTurn(config.users.baseDns, (base) => source.searchSubtree(base, userFilter, userAttributes, [], onUser, { table, attributes: [] })),
  ]);
  growKinds();

  // 2. Members that are neither a group nor a user read above.
  const known = (id: number): boolean => kinds[id] !== 0;
  const referencedBy = new Map<number, { dn: string; groups: string[] }>();
  const noteUnknown = (draft: GroupDraft, enqueue: (id: number) => void): void => {
    const ids = draft.memberIds;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (known(id)) continue;
      const seen = referencedBy.get(id);
      if (seen) {
        seen.groups.push(draft.group.dn);
      } else {
        referencedBy.set(id, { dn: table.dn(id), groups: [draft.group.dn] });
        enqueue(id);
      }
    }
  };
  let queue: number[] = [];
  for (const draft of groups.values()) noteUnknown(draft, (id) => queue.push(id));

  if (config.outsideMembers === 'resolve') {
    while (queue.length > 0) {
      checkAborted();
      const batch = queue;
      queue = [];
      await forEachLimit(batch, RESOLVE_CONCURRENCY, async (id) => {
        const key = table.key(id);
        const dn = table.dn(id);
        if (!userBaseKeys.some((base) => isWithin(key, base))) {
          const entry = await source.readEntry(dn, userFilter, userAttributes, []);
          if (entry) {
            addUser(entry, id, true);
            return;
          }
        }
        const readAsGroup = !(groupBaseKeys.some((base) => isWithin(key, base)) && outsideGroupFilter === groupFilter);
        if (readAsGroup) {
          const entry = await source.readEntry(dn, outsideGroupFilter, groupAttributes, ranged);
          if (entry) {
            const draft = addGroup(entry, id, true);
            if (draft) noteUnknown(draft, (next) => queue.push(next));
          }
        }
      });
    }
  }

  for (const [id, { dn, groups: referrers }] of referencedBy) {
    if (known(id)) continue;
    const key = table.key(id);
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
  const skippedMembers = new Map<number, string[]>();
  if (skipped.size > 0) {
    for (const draft of groups.values()) {
      for (const id of draft.memberIds) {
        // Skipped in one role but a member in the other: a member, no warning.
        if ((kinds[id]! & SKIPPED) === 0 || (kinds[id]! & (USER | GROUP)) !== 0) continue;
        const referrers = skippedMembers.get(id);
        if (referrers) referrers.push(draft.group.dn);
        else skippedMembers.set(id, [draft.group.dn]);
      }
    }
  }
  for (const [id, referrers] of skippedMembers) {
    const { dn, why } = skipped.get(id)!;
    warnings.push({ code: 'MEMBER_SKIPPED', message: `member ${dn} (listed in ${names(referrers)}) is not a member: its entry was skipped (${why})`, subject: dn });
  }

  // 3. memberUid values name users by uid. Members are sorted as ranks (numbers), then read back as keys.
  if ([...groups.values()].some((draft) => draft.memberUids.length > 0)) indexUids();
  const { rank, sorted } = table.sortedOrder();
  const unknownUids = new Map<string, string[]>();
  const finalGroups = new Map<number, DirectoryGroup>();
  const memberRanks = new MemberRanks();
  const uidMembers: number[] = []; // reused by every group
  for (const [groupId, { group, memberIds: ids, memberUids }] of groups) {
    uidMembers.length = 0;
    for (const uid of memberUids) {
      const userId = uidToUser.get(foldUid(uid));
      if (userId !== undefined) uidMembers.push(userId);
      else unknownUids.set(uid, [...(unknownUids.get(uid) ?? []), group.dn]);
    }
    finalGroups.set(groupId, { ...group, members: memberRanks.keysOf(ids, uidMembers, kinds, rank, sorted) });
  }
  for (const [uid, referrers] of unknownUids) {
    warnings.push({ code: 'MEMBER_UNRESOLVED', message: `memberUid "${uid}" (listed in ${names(referrers)}) matches no user read`, subject: uid });
  }

  // 4. Ids seen twice (noteId): each later holder named with the first, groups before users.
  if (sharedIds.size > 0) {
    const first = new Map<string, string>();
    for (const item of [...finalGroups.values(), ...userOrder.map((id) => userAt[id]!)]) {
      if (!sharedIds.has(item.id)) continue;
      const other = first.get(item.id);
      if (other !== undefined) warnings.push({ code: 'DUPLICATE_ID', message: `${other} and ${item.dn} have the same id ${item.id}`, subject: item.dn });
      else first.set(item.id, item.dn);
    }
  }

  checkAborted();
  // Each item put at its key's rank (ranks are distinct), then the gaps closed: no comparison sort.
  const inKeyOrder = <T>(ids: Iterable<number>, at: (id: number) => T): T[] => {
    const byRank = new Array<T | undefined>(sorted.length);
    for (const id of ids) byRank[rank[id]!] = at(id);
    return byRank.filter((item) => item !== undefined);
  };
  return {
    kind: options.kind,
    source: source.location,
    groups: inKeyOrder(finalGroups.keys(), (id) => finalGroups.get(id)!),
    users: inKeyOrder(userOrder, (id) => userAt[id]!),
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
