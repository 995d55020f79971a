// Matches directory users to Qlik Cloud users, the one step where a mistake would put a person in
// someone else's groups, so every doubt is resolved on the safe side.
//
// The match key is the subject rendered from `mapping.user.subjectTemplate` (matchBy `subject`) or
// the value of `mapping.user.emailAttribute` (matchBy `email`), compared case-insensitively with the
// tenant users' subject or email. Tenant users with status `deleted` are not matched.
//
// Ambiguity (`AMBIGUOUS_USER`): a directory user whose key matches two or more tenant users, or two
// or more directory users whose keys match one tenant user. Nobody involved gets a target, and the
// tenant users involved are *held*: the planner neither adds nor removes any of their memberships
// (the one exception being removals from a group the plan deletes, which is going away anyway).
// Guessing would grant or revoke access for the wrong person.
//
// A directory user no tenant user matches is planned for creation when `mapping.createUsers` is on
// (subject from the subject template, email and name from their attributes), unless its subject or
// email is already taken by a tenant user that did not match (e.g. a deleted one: the API refuses
// the duplicate), reported as `USER_CREATE_CONFLICT`. With `createUsers` off it is reported, in one
// `USER_NOT_IN_TENANT` warning with a count and the first names, not one warning per user.
// Users with no value for the key are reported as `USER_ATTRIBUTE_MISSING`, also aggregated.
import type { MappingConfig } from '../config/types.ts';
import type { DirectoryUser, Warning } from '../directory/snapshot.ts';
import type { TenantUser } from '../tenant/snapshot.ts';
import { compareFolded, compareStrings, sortedUnique } from './lib/order.ts';
import { listNames, plural, warning } from './lib/warnings.ts';
import type { PlanUserCreate } from './plan.ts';
import { foldAttributes, renderTemplate } from './template.ts';

export type UserTarget = { userId: string } | { subject: string };

export interface UserMatch {
  /** Directory user index -> existing tenant user id or subject of a user the plan creates. */
  targets: Map<number, UserTarget>;
  /** Tenant user ids whose owned memberships must be left as they are. */
  heldUserIds: string[];
  /** Sorted by subject, case-insensitively. */
  createUsers: PlanUserCreate[];
  warnings: Warning[];
}

export interface MatchOptions {
  user: MappingConfig['user'];
  createUsers: boolean;
  /** Directory user indexes that may be members (e.g. enabled ones). Others are not matched. */
  candidates: readonly number[];
  /**
   * Candidates that are members of a mapped group: only these get targets and creations, and only
   * they are reported as missing. Ambiguity is reported, and held, for every candidate.
   */
  relevant: Uint8Array;
}

export function matchUsers(users: readonly DirectoryUser[], tenantUsers: readonly TenantUser[], options: MatchOptions): UserMatch {
  const byEmail = options.user.matchBy === 'email';
  const warnings: Warning[] = [];
  const held = new Set<string>();

  const tenantIndex = new Map<string, TenantUser[]>();
  for (const t of tenantUsers) {
    if (t.status === 'deleted') continue;
    const key = byEmail ? t.email?.toLowerCase() : t.subject.toLowerCase();
    if (!key) continue;
    const list = tenantIndex.get(key);
    if (list) list.push(t);
    else tenantIndex.set(key, [t]);
  }

  const attributesOf = (u: DirectoryUser) => foldAttributes(u.attributes);
  const subjectOf = (u: DirectoryUser): string | undefined => {
    const r = renderTemplate(options.user.subjectTemplate, attributesOf(u));
    return r.ok ? r.value : undefined;
  };
  const attribute = (u: DirectoryUser, name: string): string | undefined => {
    const v = attributesOf(u).get(name.toLowerCase());
    return v === '' ? undefined : v;
  };
  const keyText = (u: DirectoryUser): string | undefined => (byEmail ? attribute(u, options.user.emailAttribute) : subjectOf(u));

  const missing: string[] = [];
  const byTenant = new Map<string, number[]>();
  const unmatched = new Map<string, number[]>();
  for (const i of options.candidates) {
    const u = users[i]!;
    const text = keyText(u);
    if (text === undefined) {
      if (options.relevant[i]) missing.push(u.dn);
      continue;
    }
    const key = text.toLowerCase();
    const matches = tenantIndex.get(key) ?? [];
    if (matches.length > 1) {
      for (const t of matches) held.add(t.id);
      warnings.push(
        warning(
          'AMBIGUOUS_USER',
          `directory user ${u.dn} matches ${matches.length} Qlik users (${listNames(matches.map((t) => t.subject).sort(compareStrings))}); ` +
            'none of them is given or denied a group membership until only one matches',
          text,
        ),
      );
    } else if (matches.length === 1) {
      const id = matches[0]!.id;
      const list = byTenant.get(id);
      if (list) list.push(i);
      else byTenant.set(id, [i]);
    } else {
      const list = unmatched.get(key);
      if (list) list.push(i);
      else unmatched.set(key, [i]);
    }
  }

  const targets = new Map<number, UserTarget>();
  // Built only when needed (they cost a pass over every tenant user): for a warning, for a creation.
  let tenantById: Map<string, TenantUser> | undefined;
  let taken: { subjects: Set<string>; emails: Set<string> } | undefined;
  const takenBy = (): { subjects: Set<string>; emails: Set<string> } => {
    if (taken) return taken;
    taken = { subjects: new Set(), emails: new Set() };
    for (const t of tenantUsers) {
      taken.subjects.add(t.subject.toLowerCase());
      if (t.email) taken.emails.add(t.email.toLowerCase());
    }
    return taken;
  };
  for (const [id, list] of byTenant) {
    if (held.has(id)) continue;
    if (list.length > 1) {
      held.add(id);
      tenantById ??= new Map(tenantUsers.map((t) => [t.id, t]));
      const subject = tenantById.get(id)!.subject;
      warnings.push(
        warning(
          'AMBIGUOUS_USER',
          `${list.length} directory users (${listNames(list.map((i) => users[i]!.dn).sort(compareStrings))}) match the Qlik user ${subject}; ` +
            'its memberships in owned groups are left as they are until only one matches',
          subject,
        ),
      );
      continue;
    }
    if (options.relevant[list[0]!]) targets.set(list[0]!, { userId: id });
  }

  // Users to create, or to report as missing.
  const notInTenant: string[] = [];
  const conflicts: string[] = [];
  const planned = new Map<string, { index: number; create: PlanUserCreate }[]>();
  for (const list of unmatched.values()) {
    if (!list.some((i) => options.relevant[i])) continue;
    if (list.length > 1) {
      warnings.push(
        warning(
          'AMBIGUOUS_USER',
          `${list.length} directory users (${listNames(list.map((i) => users[i]!.dn).sort(compareStrings))}) have the same ${byEmail ? 'email' : 'subject'}; none of them is given a membership`,
          keyText(users[list[0]!]!)!,
        ),
      );
      continue;
    }
    const index = list[0]!;
    const u = users[index]!;
    if (!options.createUsers) {
      notInTenant.push(keyText(u)!);
      continue;
    }
    const subject = subjectOf(u);
    if (subject === undefined) {
      missing.push(u.dn);
      continue;
    }
    const email = attribute(u, options.user.emailAttribute);
    const name = attribute(u, options.user.nameAttribute);
    const { subjects, emails } = takenBy();
    if (subjects.has(subject.toLowerCase()) || (email !== undefined && emails.has(email.toLowerCase()))) {
      conflicts.push(subject);
      continue;
    }
    const create: PlanUserCreate = { subject, ...(email !== undefined ? { email } : {}), ...(name !== undefined ? { name } : {}), sourceId: u.id };
    const same = planned.get(subject.toLowerCase());
    if (same) same.push({ index, create });
    else planned.set(subject.toLowerCase(), [{ index, create }]);
  }

  // Emails are unique in a tenant too: of two creations with one email the second would fail with
  // 409, and which one that is would depend on timing. Neither is created.
  const byEmailPlanned = new Map<string, { index: number; create: PlanUserCreate }[]>();
  for (const list of planned.values()) {
    const email = list.length === 1 ? list[0]!.create.email?.toLowerCase() : undefined;
    if (email === undefined) continue;
    const same = byEmailPlanned.get(email);
    if (same) same.push(list[0]!);
    else byEmailPlanned.set(email, [list[0]!]);
  }
  const ambiguous = (list: { index: number; create: PlanUserCreate }[], what: string): void => {
    warnings.push(
      warning(
        'AMBIGUOUS_USER',
        `${list.length} directory users (${listNames(list.map((p) => users[p.index]!.dn).sort(compareStrings))}) would be created with the same ${what}; none of them is created`,
        what === 'email' ? list[0]!.create.email! : list[0]!.create.subject,
      ),
    );
  };
  for (const list of byEmailPlanned.values()) if (list.length > 1) ambiguous(list, 'email');

  const createUsers: PlanUserCreate[] = [];
  for (const list of planned.values()) {
    if (list.length > 1) {
      ambiguous(list, 'subject');
      continue;
    }
    const { index, create } = list[0]!;
    if (create.email !== undefined && byEmailPlanned.get(create.email.toLowerCase())!.length > 1) continue;
    createUsers.push(create);
    targets.set(index, { subject: create.subject });
  }
  createUsers.sort((a, b) => compareFolded(a.subject, b.subject));

  const missingKey = byEmail
    ? `the email attribute "${options.user.emailAttribute}"`
    : `an attribute of the subject template "${options.user.subjectTemplate}"`;
  if (missing.length > 0) {
    const dns = sortedUnique(missing);
    warnings.push(
      warning('USER_ATTRIBUTE_MISSING', `${plural(dns.length, 'member')} of mapped groups ${dns.length === 1 ? 'has' : 'have'} no value for ${missingKey} and cannot be matched: ${listNames(dns)}`),
    );
  }
  if (notInTenant.length > 0) {
    const names = sortedUnique(notInTenant);
    warnings.push(
      warning(
        'USER_NOT_IN_TENANT',
        `${plural(names.length, 'member')} of mapped groups ${names.length === 1 ? 'is' : 'are'} not a Qlik user yet (they get their groups after they first log in, or turn on mapping.createUsers): ${listNames(names)}`,
      ),
    );
  }
  if (conflicts.length > 0) {
    const names = sortedUnique(conflicts);
    warnings.push(
      warning(
        'USER_CREATE_CONFLICT',
        `${plural(names.length, 'user')} cannot be created because a Qlik user (possibly a deleted one) already has the same subject or email: ${listNames(names)}`,
      ),
    );
  }

  return { targets, heldUserIds: [...held].sort(compareStrings), createUsers, warnings };
}
