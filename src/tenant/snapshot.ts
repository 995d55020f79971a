// The tenant side of a run: what the Qlik Cloud tenant holds, read completely, sorted, plain data,
// and the operations the applier needs. Shapes follow QLIK-API.md.

export interface RoleRef {
  id: string;
  name: string;
}

export interface TenantRole extends RoleRef {
  type: 'default' | 'custom';
  level: 'admin' | 'user';
}

export interface TenantGroup {
  id: string;
  name: string;
  providerType: 'idp' | 'custom';
  status: 'active' | 'disabled';
  description?: string;
  assignedRoles: RoleRef[];
}

export interface AssignedGroup {
  id: string;
  name: string;
  providerType: 'idp' | 'custom';
}

export interface TenantUser {
  id: string;
  subject: string;
  name?: string;
  email?: string;
  status: 'active' | 'invited' | 'disabled' | 'deleted' | 'provisioned';
  assignedGroups: AssignedGroup[];
}

export interface TenantSnapshot {
  /** Base URL of the tenant, no credentials. */
  tenantUrl: string;
  /** IdP and custom groups (not system groups), sorted by id. */
  groups: TenantGroup[];
  /** Sorted by name. */
  roles: TenantRole[];
  /** Sorted by id. */
  users: TenantUser[];
}

/** A custom group referenced in a membership op: by id, or by name when it is created in the same run. */
export interface GroupRef {
  id?: string;
  name: string;
}

export interface CreateGroupInput {
  name: string;
  description: string;
  /** Role names. */
  roles: string[];
}

export interface GroupChanges {
  name?: string;
  description?: string;
  /** Role names: the whole set (the API replaces roles as a whole). */
  roles?: string[];
}

export interface CreateUserInput {
  subject: string;
  email?: string;
  name?: string;
}

export interface MembershipChange {
  /** Custom groups to add (`add` `/assignedGroups/-`). */
  add: GroupRef[];
  /** Custom group ids to remove (`remove-value` `/assignedGroups`). */
  remove: string[];
}

/** Request accounting for the run report and metrics. */
export interface RequestStats {
  /** By tier (`tier1`, `tier2`, `special`, `oauth`), then by outcome (`ok`, `429`, `4xx`, `5xx`, `network`, `timeout`). */
  byTier: Record<string, Record<string, number>>;
  total: number;
  writes: number;
  retries: number;
  rateLimited: number;
}

/** The stats of a run that made no request. */
export function noRequests(): RequestStats {
  return { byTier: {}, total: 0, writes: 0, retries: 0, rateLimited: 0 };
}

/** What the applier and the runner need from a tenant. Implemented over HTTP by tenant/client.ts. */
export interface Tenant {
  readTenant(): Promise<TenantSnapshot>;
  getUser(id: string): Promise<TenantUser>;
  createGroup(input: CreateGroupInput): Promise<TenantGroup>;
  patchGroup(id: string, changes: GroupChanges): Promise<void>;
  deleteGroup(id: string): Promise<void>;
  createUser(input: CreateUserInput): Promise<TenantUser>;
  patchUserGroups(id: string, change: MembershipChange): Promise<void>;
  stats(): RequestStats;
  close(): Promise<void>;
}
