// Builders for small, readable planner fixtures: directory groups and users by name, a tenant with
// roles, IdP groups, foreign and owned custom groups, and users with memberships; a config with
// the mapping defaults; and a one-line-per-change summary of a plan to compare against.
import type { Config, MappingConfig, SyncMode } from '../../src/config/types.ts';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/directory/snapshot.ts';
import { buildPlan } from '../../src/reconcile/build-plan.ts';
import { ownedDescription } from '../../src/reconcile/ownership.ts';
import type { Plan } from '../../src/reconcile/plan.ts';
import type { TenantGroup, TenantRole, TenantSnapshot, TenantUser } from '../../src/tenant/snapshot.ts';
import { InMemoryTenant } from './in-memory-tenant.ts';

export const ROLE_NAMES = ['AnalyticsAdmin', 'Developer', 'SharedSpaceCreator', 'TenantAdmin'];

export const groupDn = (name: string, ou = 'Groups'): string => `CN=${name},OU=${ou},DC=example,DC=com`;
export const groupKey = (name: string, ou = 'Groups'): string => groupDn(name, ou).toLowerCase();
export const userDn = (uid: string): string => `CN=${uid},OU=People,DC=example,DC=com`;
export const userKey = (uid: string): string => userDn(uid).toLowerCase();
export const sourceIdOf = (name: string): string => `guid-${name.toLowerCase()}`;

export function dirUser(uid: string, options: { enabled?: boolean; attributes?: Record<string, string>; id?: string; outsideBase?: boolean } = {}): DirectoryUser {
  return {
    id: options.id ?? `uid-${uid}`,
    dn: userDn(uid),
    key: userKey(uid),
    attributes: options.attributes ?? { userPrincipalName: `${uid}@example.com`, mail: `${uid}@example.com`, displayName: uid.toUpperCase() },
    enabled: options.enabled ?? true,
    ...(options.outsideBase ? { outsideBase: true } : {}),
  };
}

/** Members: users, groups, or raw keys (for cycles). */
export function dirGroup(
  name: string,
  members: (DirectoryUser | DirectoryGroup | string)[] = [],
  options: { id?: string; outsideBase?: boolean; description?: string; ou?: string } = {},
): DirectoryGroup {
  const keys = members.map((m) => (typeof m === 'string' ? m : m.key));
  return {
    id: options.id ?? sourceIdOf(name),
    dn: groupDn(name, options.ou),
    key: groupKey(name, options.ou),
    name,
    ...(options.description !== undefined ? { description: options.description } : {}),
    members: [...new Set(keys)].sort(),
    ...(options.outsideBase ? { outsideBase: true } : {}),
  };
}

export function directory(groups: DirectoryGroup[], users: DirectoryUser[]): DirectorySnapshot {
  const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return { kind: 'activeDirectory', source: 'ldaps://dc.example.com', groups: [...groups].sort(byKey), users: [...users].sort(byKey), warnings: [] };
}

/** A tenant under construction. Ids are deterministic. */
export class TenantBuilder {
  private seq = 0;
  readonly groups: TenantGroup[] = [];
  readonly users: TenantUser[] = [];
  readonly roles: TenantRole[];

  constructor(roleNames: string[] = ROLE_NAMES) {
    this.roles = roleNames.map((name) => ({ id: this.id('r'), name, type: 'default', level: 'user' }));
  }

  private id(kind: string): string {
    this.seq += 1;
    return `${kind}${this.seq.toString(16).padStart(23, '0')}`;
  }

  /** A custom group the bridge owns (marker for `source`, default the directory group's id). */
  owned(name: string, options: { source?: string; dn?: string; roles?: string[]; description?: string } = {}): TenantGroup {
    const bare = name.replace(/^CG-/, '');
    const description = options.description ?? ownedDescription(options.dn ?? groupDn(bare), options.source ?? sourceIdOf(bare));
    return this.group(name, { description, ...(options.roles ? { roles: options.roles } : {}) });
  }

  group(name: string, options: { providerType?: 'idp' | 'custom'; description?: string; roles?: string[] } = {}): TenantGroup {
    const group: TenantGroup = {
      id: this.id('g'),
      name,
      providerType: options.providerType ?? 'custom',
      status: 'active',
      ...(options.description !== undefined ? { description: options.description } : {}),
      assignedRoles: (options.roles ?? []).map((r) => ({ id: this.roles.find((x) => x.name === r)?.id ?? `unknown-${r}`, name: r })),
    };
    this.groups.push(group);
    return group;
  }

  idp(name: string): TenantGroup {
    return this.group(name, { providerType: 'idp' });
  }

  user(subject: string, groups: TenantGroup[] = [], options: { status?: TenantUser['status']; email?: string } = {}): TenantUser {
    const user: TenantUser = {
      id: this.id('u'),
      subject,
      email: options.email ?? subject.toLowerCase(),
      status: options.status ?? 'active',
      assignedGroups: groups.map((g) => ({ id: g.id, name: g.name, providerType: g.providerType })),
    };
    this.users.push(user);
    return user;
  }

  snapshot(): TenantSnapshot {
    const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return structuredClone({ tenantUrl: 'https://example.eu.qlikcloud.com', groups: [...this.groups].sort(byId), roles: this.roles, users: [...this.users].sort(byId) });
  }
}

export interface ConfigOverrides {
  mode?: SyncMode;
  deleteGroups?: boolean;
  nestedGroups?: boolean;
  disabledUsers?: 'exclude' | 'include';
  include?: string[];
  exclude?: string[];
  mapping?: Partial<Omit<MappingConfig, 'user'>> & { user?: Partial<MappingConfig['user']> };
}

export function config(overrides: ConfigOverrides = {}): Pick<Config, 'directory' | 'mapping' | 'sync'> {
  const mapping: MappingConfig = {
    prefix: 'CG-',
    nameTemplate: '{name}',
    roles: [],
    createUsers: false,
    ...overrides.mapping,
    user: { matchBy: 'subject', subjectTemplate: '{userPrincipalName}', emailAttribute: 'mail', nameAttribute: 'displayName', ...overrides.mapping?.user },
  };
  return {
    directory: {
      groups: { include: overrides.include ?? [], exclude: overrides.exclude ?? [] },
      nestedGroups: overrides.nestedGroups ?? true,
      disabledUsers: overrides.disabledUsers ?? 'exclude',
    } as unknown as Config['directory'],
    mapping,
    sync: { mode: overrides.mode ?? 'sync', deleteGroups: overrides.deleteGroups ?? false } as unknown as Config['sync'],
  };
}

export function plan(dir: DirectorySnapshot, tenant: TenantSnapshot, overrides: ConfigOverrides = {}): Plan {
  return buildPlan(dir, tenant, config(overrides));
}

/** Applies the plan to an in-memory copy of the tenant and returns the tenant after it. */
export function applied(tenant: TenantSnapshot, p: Plan): TenantSnapshot {
  const memory = new InMemoryTenant(tenant);
  memory.apply(p);
  return memory.snapshot();
}

/**
 * One line per change, for tables of expected plans:
 *   `+group CG-A roles=[Developer] members=2`, `~group CG-B rename=CG-C roles=[]->[Developer] description`,
 *   `-group CG-Old members=2`, `+user carol@example.com`,
 *   `patch alice@example.com +CG-A* -CG-B` (`*`: a group created by the plan; a user created by it is `carol@example.com*`),
 *   `!CODE subject`.
 */
export function summary(p: Plan): string[] {
  return [
    ...p.createGroups.map((c) => `+group ${c.name} roles=[${c.roles.join(',')}] members=${c.memberCount}`),
    ...p.updateGroups.map(
      (u) =>
        `~group ${u.name}` +
        (u.rename ? ` rename=${u.rename.to}` : '') +
        (u.roles ? ` roles=[${u.roles.from.join(',')}]->[${u.roles.to.join(',')}]` : '') +
        (u.description ? ' description' : ''),
    ),
    ...p.deleteGroups.map((d) => `-group ${d.name} members=${d.memberCount}`),
    ...p.createUsers.map((c) => `+user ${c.subject}`),
    ...p.memberships.map(
      (m) => `patch ${m.subject}${m.userId ? '' : '*'} ${[...m.add.map((a) => `+${a.name}${a.id ? '' : '*'}`), ...m.remove.map((r) => `-${r.name}`)].join(' ')}`,
    ),
    ...p.warnings.map((w) => `!${w.code}${w.subject !== undefined ? ` ${w.subject}` : ''}`),
  ];
}
