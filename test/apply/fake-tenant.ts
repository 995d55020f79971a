// A small in-memory `Tenant` for applier tests: enforces the API's rules that matter to the applier
// (a duplicate add or an unknown group rejects the whole patch with 400; a group with members
// cannot be deleted) and lets a test interfere between requests.
import { TenantError } from '../../src/errors.ts';
import type {
  CreateGroupInput,
  CreateUserInput,
  GroupChanges,
  MembershipChange,
  RequestStats,
  Tenant,
  TenantGroup,
  TenantSnapshot,
  TenantUser,
} from '../../src/tenant/snapshot.ts';

export class FakeTenant implements Tenant {
  groups = new Map<string, TenantGroup>();
  users = new Map<string, TenantUser>();
  requests: string[] = [];
  writes = 0;
  failNext = new Map<string, number>();
  beforePatch?: (userId: string) => void;
  private seq = 0;

  private id(): string {
    return (++this.seq).toString(16).padStart(24, '0');
  }
  private maybeFail(key: string): void {
    const n = this.failNext.get(key) ?? 0;
    if (n > 0) {
      this.failNext.set(key, n - 1);
      throw new TenantError('TENANT_SERVER', `injected failure for ${key}`, { status: 500 });
    }
  }

  addGroup(name: string, providerType: 'idp' | 'custom' = 'custom'): TenantGroup {
    const group: TenantGroup = { id: this.id(), name, providerType, status: 'active', assignedRoles: [] };
    this.groups.set(group.id, group);
    return group;
  }
  addUser(subject: string, groups: TenantGroup[] = []): TenantUser {
    const user: TenantUser = {
      id: this.id(),
      subject,
      status: 'active',
      assignedGroups: groups.map((g) => ({ id: g.id, name: g.name, providerType: g.providerType })),
    };
    this.users.set(user.id, user);
    return user;
  }

  async readTenant(): Promise<TenantSnapshot> {
    return { tenantUrl: 'http://fake', groups: [...this.groups.values()], roles: [], users: [...this.users.values()] };
  }
  async getUser(id: string): Promise<TenantUser> {
    this.requests.push(`GET user ${id}`);
    const user = this.users.get(id);
    if (!user) throw new TenantError('TENANT_NOT_FOUND', 'no user', { status: 404, qlikCode: 'USERS-7' });
    return structuredClone(user);
  }
  async createGroup(input: CreateGroupInput): Promise<TenantGroup> {
    this.requests.push(`POST group ${input.name}`);
    this.writes++;
    this.maybeFail(`createGroup ${input.name}`);
    const group = this.addGroup(input.name);
    group.description = input.description;
    return group;
  }
  async patchGroup(id: string, changes: GroupChanges): Promise<void> {
    this.requests.push(`PATCH group ${id}`);
    this.writes++;
    const group = this.groups.get(id);
    if (!group) throw new TenantError('TENANT_NOT_FOUND', 'no group', { status: 404 });
    if (changes.name) group.name = changes.name;
  }
  async deleteGroup(id: string): Promise<void> {
    this.requests.push(`DELETE group ${id}`);
    this.writes++;
    for (const user of this.users.values()) {
      if (user.assignedGroups.some((g) => g.id === id)) {
        throw new TenantError('TENANT_BAD_REQUEST', 'group has members', { status: 400 });
      }
    }
    this.groups.delete(id);
  }
  async createUser(input: CreateUserInput): Promise<TenantUser> {
    this.requests.push(`POST user ${input.subject}`);
    this.writes++;
    this.maybeFail(`createUser ${input.subject}`);
    return this.addUser(input.subject);
  }
  async patchUserGroups(id: string, change: MembershipChange): Promise<void> {
    this.beforePatch?.(id);
    this.requests.push(`PATCH user ${id} +${change.add.map((a) => a.id ?? a.name).join(',')} -${change.remove.join(',')}`);
    this.writes++;
    this.maybeFail(`patchUser ${id}`);
    const user = this.users.get(id);
    if (!user) throw new TenantError('TENANT_NOT_FOUND', 'no user', { status: 404 });
    const next = [...user.assignedGroups];
    for (const ref of change.add) {
      const group = ref.id ? this.groups.get(ref.id) : [...this.groups.values()].find((g) => g.name === ref.name && g.providerType === 'custom');
      if (!group || next.some((g) => g.id === group.id)) throw new TenantError('TENANT_BAD_REQUEST', 'bad add', { status: 400 });
      next.push({ id: group.id, name: group.name, providerType: group.providerType });
    }
    for (const gid of change.remove) {
      const at = next.findIndex((g) => g.id === gid);
      if (at < 0) throw new TenantError('TENANT_BAD_REQUEST', 'bad remove', { status: 400 });
      next.splice(at, 1);
    }
    user.assignedGroups = next;
  }
  stats(): RequestStats {
    return { byTier: {}, total: this.requests.length, writes: this.writes, retries: 0, rateLimited: 0 };
  }
  async close(): Promise<void> {}
}
