// Desired state: what the tenant's owned groups should look like according to the directory and
// the mapping. Pure: the directory snapshot, the tenant snapshot (for users, roles and names
// already taken) and the mapping in; desired groups with their members, users to create, and
// warnings out. The planner compares this with the tenant.
//
// Which directory groups are mapped: those inside the configured bases (`outsideBase` groups are
// read only to flatten nesting) whose name matches `include` (empty: all) and not `exclude`
// (exclude wins). Each is mapped to `prefix + nameTemplate`, with roles from every matching
// `mapping.roles` rule, and members flattened through nested groups (flatten.ts) and matched to
// Qlik users (match-users.ts).
//
// A group that cannot be mapped safely is skipped with a warning and *held*: its owned group, if
// any, is left exactly as it is (no rename, no role change, no membership change, no deletion).
// The reasons: a template placeholder without a value (`TEMPLATE_VALUE_MISSING`), a name over 256
// characters (`NAME_TOO_LONG`), leading/trailing spaces or control characters (`NAME_INVALID`), an
// unknown role name, compared case-sensitively as Qlik does (`UNKNOWN_ROLE`), more than 100 roles
// (`TOO_MANY_ROLES`), a name taken by a custom group the bridge does not own (`NAME_TAKEN`), two
// directory groups mapping to one name (`NAME_COLLISION`: if one of them already holds the name in
// the tenant it keeps it, otherwise all are skipped), and two directory groups with one id
// (`DUPLICATE_SOURCE_ID`). Names that differ only in case are allowed (Qlik compares names
// case-sensitively) but reported (`NAME_CASE_COLLISION`). A name equal to an IdP group's is fine.
//
// Directory groups present but out of scope (excluded, or outside the bases) are held as well, the
// way external-dns leaves records outside its domain filter alone: narrowing the scope never
// deletes or empties anything. An owned group left alone that way is reported (`GROUP_OUT_OF_SCOPE`).
import type { DirectoryConfig, MappingConfig } from '../config/types.ts';
import type { DirectoryGroup, DirectorySnapshot, Warning } from '../directory/snapshot.ts';
import type { TenantSnapshot } from '../tenant/snapshot.ts';
import { fingerprint } from './fingerprint.ts';
import { flattenMembers } from './flatten.ts';
import { compareStrings, sortedUnique } from './lib/order.ts';
import { listNames, warning } from './lib/warnings.ts';
import { matchUsers, type UserTarget } from './match-users.ts';
import { isOwned, ownedDescription, ownerSourceId } from './ownership.ts';
import { compilePattern, compilePatterns } from './patterns.ts';
import type { PlanUserCreate } from './plan.ts';
import { foldAttributes, renderTemplate } from './template.ts';

/** Qlik Cloud's limits on a group. */
export const GROUP_NAME_MAX_LENGTH = 256;
export const GROUP_ROLES_MAX = 100;

export interface DesiredGroup {
  /** Directory immutable id: the ownership marker carries it. */
  sourceId: string;
  sourceDn: string;
  /** The directory group's name. */
  sourceName: string;
  /** Qlik name: prefix + rendered template. */
  name: string;
  /** With the ownership marker. */
  description: string;
  /** Role names, sorted. */
  roles: string[];
  /** Tenant user ids of the members, sorted. */
  memberUserIds: string[];
  /** Subjects of members the plan creates (`mapping.createUsers`), sorted. */
  newMemberSubjects: string[];
}

export interface DesiredState {
  prefix: string;
  /** Sorted by name. */
  groups: DesiredGroup[];
  /** Source ids of directory groups present but not mapped this run: their owned groups are left as they are. */
  heldSourceIds: string[];
  /** Tenant user ids whose owned memberships are left as they are (ambiguous matches). */
  heldUserIds: string[];
  /** Sorted by subject, case-insensitively. */
  createUsers: PlanUserCreate[];
  /** Includes the directory read's own warnings. */
  warnings: Warning[];
  basis: { directory: string };
}

export interface DesiredOptions {
  include: readonly string[];
  exclude: readonly string[];
  nestedGroups: boolean;
  disabledUsers: DirectoryConfig['disabledUsers'];
}

interface Candidate {
  index: number;
  group: DirectoryGroup;
  name: string;
  roles: string[];
}

export function desiredState(
  directory: DirectorySnapshot,
  tenant: TenantSnapshot,
  mapping: MappingConfig,
  options: DesiredOptions,
): DesiredState {
  const warnings: Warning[] = [...directory.warnings];
  const held = new Set<string>();
  const prefix = mapping.prefix;

  // Tenant facts: owned groups by source, names of custom groups the bridge does not own.
  const ownedBySource = new Map<string, { name: string }[]>();
  const foreignCustomNames = new Set<string>();
  for (const g of tenant.groups) {
    if (isOwned(g, prefix)) {
      const source = ownerSourceId(g)!;
      const list = ownedBySource.get(source);
      if (list) list.push(g);
      else ownedBySource.set(source, [g]);
    } else if (g.providerType === 'custom') foreignCustomNames.add(g.name);
  }

  // 1. Scope.
  const included = options.include.length === 0 ? () => true : compilePatterns(options.include);
  const excluded = compilePatterns(options.exclude);
  const scoped: number[] = [];
  const idCount = new Map<string, number>();
  for (const g of directory.groups) idCount.set(g.id, (idCount.get(g.id) ?? 0) + 1);
  directory.groups.forEach((g, i) => {
    if (!g.outsideBase && included(g.name) && !excluded(g.name)) {
      scoped.push(i);
    } else {
      held.add(g.id);
      for (const owned of ownedBySource.get(g.id) ?? []) {
        const why = g.outsideBase ? 'lies outside the configured group bases' : 'is excluded by directory.groups.include/exclude';
        warnings.push(warning('GROUP_OUT_OF_SCOPE', `the directory group ${g.dn} ${why}; its Qlik group ${owned.name} is left as it is`, owned.name));
      }
    }
  });

  // 2. Names and roles.
  const roleRules = mapping.roles.map((rule) => ({ matches: compilePattern(rule.group), roles: rule.roles }));
  const knownRoles = new Set(tenant.roles.map((r) => r.name));
  const candidates: Candidate[] = [];
  const skip = (g: DirectoryGroup, code: string, message: string): void => {
    held.add(g.id);
    warnings.push(warning(code, `${message}; the directory group ${g.dn} is not synced this run and its Qlik group, if any, is left as it is`, g.dn));
  };
  for (const index of scoped) {
    const g = directory.groups[index]!;
    if (idCount.get(g.id)! > 1) {
      skip(g, 'DUPLICATE_SOURCE_ID', `${idCount.get(g.id)} directory groups share the id ${g.id}`);
      continue;
    }
    const rendered = renderTemplate(
      mapping.nameTemplate,
      foldAttributes({ name: g.name, description: g.description, dn: g.dn, id: g.id }),
    );
    if (!rendered.ok) {
      skip(g, 'TEMPLATE_VALUE_MISSING', `mapping.nameTemplate needs ${rendered.missing.map((m) => `{${m}}`).join(', ')}, which the group has no value for`);
      continue;
    }
    const name = prefix + rendered.value;
    if (name.length > GROUP_NAME_MAX_LENGTH) {
      skip(g, 'NAME_TOO_LONG', `the Qlik name would be ${name.length} characters long, over Qlik's limit of ${GROUP_NAME_MAX_LENGTH}`);
      continue;
    }
    if (name !== name.trim() || /[\u0000-\u001f\u007f]/u.test(name)) {
      skip(g, 'NAME_INVALID', `the Qlik name ${JSON.stringify(name)} starts or ends with a space or contains a control character`);
      continue;
    }
    const roles = sortedUnique(roleRules.filter((r) => r.matches(g.name)).flatMap((r) => r.roles));
    const unknown = roles.filter((r) => !knownRoles.has(r));
    if (unknown.length > 0) {
      skip(g, 'UNKNOWN_ROLE', `mapping.roles gives it ${listNames(unknown)}, which the tenant has no role named (role names are case-sensitive)`);
      continue;
    }
    if (roles.length > GROUP_ROLES_MAX) {
      skip(g, 'TOO_MANY_ROLES', `mapping.roles gives it ${roles.length} roles, over Qlik's limit of ${GROUP_ROLES_MAX}`);
      continue;
    }
    if (foreignCustomNames.has(name)) {
      skip(g, 'NAME_TAKEN', `the name ${name} belongs to a custom group that qlik-group-sync does not own (no ownership marker)`);
      continue;
    }
    candidates.push({ index, group: g, name, roles });
  }

  // 3. Two directory groups, one name.
  const byName = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const list = byName.get(c.name);
    if (list) list.push(c);
    else byName.set(c.name, [c]);
  }
  const mapped: Candidate[] = [];
  for (const [name, list] of byName) {
    if (list.length === 1) {
      mapped.push(list[0]!);
      continue;
    }
    const incumbents = list.filter((c) => (ownedBySource.get(c.group.id) ?? []).some((g) => g.name === name));
    const keeper = incumbents.length === 1 ? incumbents[0]! : undefined;
    if (keeper) mapped.push(keeper);
    const dns = list.map((c) => c.group.dn).sort(compareStrings);
    for (const c of list) {
      if (c === keeper) continue;
      skip(
        c.group,
        'NAME_COLLISION',
        `${list.length} directory groups map to the name ${name} (${listNames(dns)})` + (keeper ? `; ${keeper.group.dn} already holds it` : ''),
      );
    }
  }
  const byFolded = new Map<string, string[]>();
  for (const c of mapped) {
    const folded = c.name.toLowerCase();
    const list = byFolded.get(folded);
    if (list) list.push(c.name);
    else byFolded.set(folded, [c.name]);
  }
  for (const names of byFolded.values()) {
    if (names.length < 2) continue;
    const sorted = [...names].sort(compareStrings);
    for (const name of sorted) {
      warnings.push(warning('NAME_CASE_COLLISION', `the Qlik names ${listNames(sorted)} differ only in case; Qlik keeps them as separate groups, people may not`, name));
    }
  }

  // 4. Members: flattened, then matched to Qlik users.
  const isMember = options.disabledUsers === 'exclude' ? (u: { enabled: boolean }) => u.enabled : undefined;
  const flat = flattenMembers(directory, { nestedGroups: options.nestedGroups, groups: mapped.map((c) => c.index), ...(isMember ? { isMember } : {}) });
  warnings.push(...flat.warnings);
  const relevant = new Uint8Array(directory.users.length);
  for (const c of mapped) for (const u of flat.members.get(c.index)!) relevant[u] = 1;
  const candidatesUsers: number[] = [];
  directory.users.forEach((u, i) => {
    if (!isMember || isMember(u)) candidatesUsers.push(i);
  });
  const match = matchUsers(directory.users, tenant.users, {
    user: mapping.user,
    createUsers: mapping.createUsers,
    candidates: candidatesUsers,
    relevant,
  });
  warnings.push(...match.warnings);

  // Each group's member lists come out sorted without sorting strings per group: every target is
  // ranked once in string order, and a group's members are sorted as integers (ranks). A group's
  // members are distinct directory users, and distinct users have distinct targets (matchUsers).
  const ranked = rankTargets(match.targets, directory.users.length);
  const groups: DesiredGroup[] = mapped.map((c) => {
    const members = flat.members.get(c.index)!;
    const ids = new Int32Array(members.length);
    const subjects = new Int32Array(members.length);
    let idCount = 0;
    let subjectCount = 0;
    for (const u of members) {
      const rank = ranked.rank[u]!;
      if (rank > 0) ids[idCount++] = rank - 1;
      else if (rank < 0) subjects[subjectCount++] = -rank - 1;
    }
    return {
      sourceId: c.group.id,
      sourceDn: c.group.dn,
      sourceName: c.group.name,
      name: c.name,
      description: ownedDescription(c.group.dn, c.group.id),
      roles: c.roles,
      memberUserIds: Array.from(ids.subarray(0, idCount).sort(), (r) => ranked.userIds[r]!),
      newMemberSubjects: Array.from(subjects.subarray(0, subjectCount).sort(), (r) => ranked.subjects[r]!),
    };
  });
  groups.sort((a, b) => compareStrings(a.name, b.name));

  return {
    prefix,
    groups,
    heldSourceIds: [...held].sort(compareStrings),
    heldUserIds: match.heldUserIds,
    createUsers: match.createUsers,
    warnings,
    basis: { directory: fingerprint(directory) },
  };
}

/**
 * Directory user index -> rank of its target: `k + 1` for `userIds[k]`, `-(k + 1)` for
 * `subjects[k]`, 0 for none; both lists in plain string order (the order `Array.prototype.sort()`
 * gives).
 */
function rankTargets(targets: ReadonlyMap<number, UserTarget>, users: number): { rank: Int32Array; userIds: string[]; subjects: string[] } {
  const byId: [string, number][] = [];
  const bySubject: [string, number][] = [];
  for (const [u, target] of targets) {
    if ('userId' in target) byId.push([target.userId, u]);
    else bySubject.push([target.subject, u]);
  }
  const order = (a: [string, number], b: [string, number]): number => compareStrings(a[0], b[0]) || a[1] - b[1];
  byId.sort(order);
  bySubject.sort(order);
  const rank = new Int32Array(users);
  byId.forEach(([, u], k) => (rank[u] = k + 1));
  bySubject.forEach(([, u], k) => (rank[u] = -(k + 1)));
  return { rank, userIds: byId.map(([id]) => id), subjects: bySubject.map(([subject]) => subject) };
}
