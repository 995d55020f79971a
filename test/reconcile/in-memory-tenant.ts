// An in-memory Qlik Cloud tenant that applies a Plan the way the real API would (QLIK-API.md), so
// planner tests can apply a plan, read the tenant back and plan again. It is strict where the API
// is strict, and stricter where the API is undocumented:
//   - POST /groups: 409 for a custom group name already used by a custom group (case-sensitive;
//     IdP names may be shared), 400 for names over 256 characters, unknown roles (case-sensitive)
//     or more than 100 roles
//   - PATCH /groups: name and description only on custom groups, the same name rules
//   - DELETE /groups: only custom groups with no user assigned (any status)
//   - POST /users: 409 when the subject or the email is taken (across all statuses, case-insensitive)
//   - PATCH /users: the whole array is rejected when an add names a group the user already has (or
//     adds twice), an IdP group, or an unknown group, or a remove-value names a group the user is
//     not in or an IdP group
// Each plan step runs in the applier's order: group updates (in an order the test may choose, to
// show the plan does not depend on it), group creations, user creations, membership patches (adds
// of new groups by name, as `{"name": ..., "providerType": "custom"}`), deletions.
import type { Plan } from '../../src/reconcile/plan.ts';
import type { AssignedGroup, TenantGroup, TenantRole, TenantSnapshot, TenantUser } from '../../src/tenant/snapshot.ts';

export class ApiRejection extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(`${status}: ${message}`);
    this.name = 'ApiRejection';
    this.status = status;
  }
}

export class InMemoryTenant {
  readonly tenantUrl: string;
  readonly roles: TenantRole[];
  readonly groups = new Map<string, TenantGroup>();
  readonly users = new Map<string, TenantUser>();
  writes = 0;
  private seq = 0;

  constructor(snapshot: TenantSnapshot) {
    const copy = structuredClone(snapshot);
    this.tenantUrl = copy.tenantUrl;
    this.roles = copy.roles;
    for (const g of copy.groups) this.groups.set(g.id, g);
    for (const u of copy.users) this.users.set(u.id, u);
  }

  snapshot(): TenantSnapshot {
    const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return structuredClone({
      tenantUrl: this.tenantUrl,
      groups: [...this.groups.values()].sort(byId),
      roles: [...this.roles].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      users: [...this.users.values()].sort(byId),
    });
  }

  /** A 24-hex id not used by any group or user (ids from earlier rounds included). */
  private newId(): string {
    let id: string;
    do {
      this.seq += 1;
      id = `f${this.seq.toString(16).padStart(23, '0')}`;
    } while (this.groups.has(id) || this.users.has(id));
    return id;
  }

  private checkName(name: string, self?: string): void {
    if (name.length < 1 || name.length > 256) throw new ApiRejection(400, `group name of ${name.length} characters`);
    for (const g of this.groups.values()) {
      if (g.providerType === 'custom' && g.name === name && g.id !== self) throw new ApiRejection(409, `a custom group named ${name} exists`);
    }
  }

  private resolveRoles(names: string[]): { id: string; name: string }[] {
    if (names.length > 100) throw new ApiRejection(400, 'more than 100 roles');
    return names.map((name) => {
      const role = this.roles.find((r) => r.name === name);
      if (!role) throw new ApiRejection(400, `unknown role ${name}`);
      return { id: role.id, name: role.name };
    });
  }

  createGroup(input: { name: string; description: string; roles: string[] }): TenantGroup {
    this.writes++;
    this.checkName(input.name);
    const group: TenantGroup = {
      id: this.newId(),
      name: input.name,
      providerType: 'custom',
      status: 'active',
      description: input.description,
      assignedRoles: this.resolveRoles(input.roles),
    };
    this.groups.set(group.id, group);
    return group;
  }

  patchGroup(id: string, changes: { name?: string; description?: string; roles?: string[] }): void {
    this.writes++;
    const group = this.groups.get(id);
    if (!group) throw new ApiRejection(404, `no group ${id}`);
    if ((changes.name !== undefined || changes.description !== undefined) && group.providerType !== 'custom') {
      throw new ApiRejection(400, `name and description of the IdP group ${group.name} cannot change`);
    }
    if (changes.name !== undefined) this.checkName(changes.name, id);
    const roles = changes.roles !== undefined ? this.resolveRoles(changes.roles) : undefined;
    if (changes.name !== undefined) {
      group.name = changes.name;
      for (const u of this.users.values()) for (const a of u.assignedGroups) if (a.id === id) a.name = changes.name;
    }
    if (changes.description !== undefined) group.description = changes.description;
    if (roles) group.assignedRoles = roles;
  }

  deleteGroup(id: string): void {
    this.writes++;
    const group = this.groups.get(id);
    if (!group) throw new ApiRejection(404, `no group ${id}`);
    if (group.providerType !== 'custom') throw new ApiRejection(400, `the IdP group ${group.name} cannot be deleted here`);
    for (const u of this.users.values()) {
      if (u.assignedGroups.some((a) => a.id === id)) throw new ApiRejection(400, `${group.name} still has the member ${u.subject}`);
    }
    this.groups.delete(id);
  }

  createUser(input: { subject: string; email?: string; name?: string }): TenantUser {
    this.writes++;
    for (const u of this.users.values()) {
      if (u.subject.toLowerCase() === input.subject.toLowerCase()) throw new ApiRejection(409, `subject ${input.subject} taken`);
      if (input.email && u.email && u.email.toLowerCase() === input.email.toLowerCase()) throw new ApiRejection(409, `email ${input.email} taken`);
    }
    const user: TenantUser = {
      id: this.newId(),
      subject: input.subject,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.email !== undefined ? { email: input.email } : {}),
      status: 'invited',
      assignedGroups: [],
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Applies the whole array or nothing, like PATCH /users/{id}. */
  patchUserGroups(id: string, change: { add: ({ id: string } | { name: string })[]; remove: string[] }): void {
    this.writes++;
    const user = this.users.get(id);
    if (!user) throw new ApiRejection(404, `no user ${id}`);
    const have = new Set(user.assignedGroups.map((a) => a.id));
    const next: AssignedGroup[] = [...user.assignedGroups];
    for (const ref of change.add) {
      const group =
        'id' in ref ? this.groups.get(ref.id) : [...this.groups.values()].find((g) => g.providerType === 'custom' && g.name === ref.name);
      if (!group) throw new ApiRejection(400, `add of an unknown group ${JSON.stringify(ref)} for ${user.subject}`);
      if (group.providerType !== 'custom') throw new ApiRejection(400, `add of the IdP group ${group.name} for ${user.subject}`);
      if (have.has(group.id)) throw new ApiRejection(400, `${user.subject} already has ${group.name}`);
      have.add(group.id);
      next.push({ id: group.id, name: group.name, providerType: 'custom' });
    }
    for (const groupId of change.remove) {
      const group = this.groups.get(groupId);
      if (!group) throw new ApiRejection(400, `remove of an unknown group ${groupId} for ${user.subject}`);
      if (group.providerType !== 'custom') throw new ApiRejection(400, `remove of the IdP group ${group.name} for ${user.subject}`);
      if (!have.has(groupId)) throw new ApiRejection(400, `${user.subject} is not in ${group.name}`);
      have.delete(groupId);
    }
    user.assignedGroups = next.filter((a) => have.has(a.id));
  }

  /** Applies a plan in the applier's order. `updateOrder` permutes the group updates (they run concurrently for real). */
  apply(plan: Plan, options: { updateOrder?: (count: number) => number[] } = {}): void {
    const order = options.updateOrder?.(plan.updateGroups.length) ?? plan.updateGroups.map((_, i) => i);
    for (const i of order) {
      const u = plan.updateGroups[i]!;
      this.patchGroup(u.groupId, {
        ...(u.rename ? { name: u.rename.to } : {}),
        ...(u.description ? { description: u.description.to } : {}),
        ...(u.roles ? { roles: u.roles.to } : {}),
      });
    }
    for (const c of plan.createGroups) this.createGroup({ name: c.name, description: c.description, roles: c.roles });
    const createdUsers = new Map<string, string>();
    for (const c of plan.createUsers) {
      const user = this.createUser({ subject: c.subject, ...(c.email ? { email: c.email } : {}), ...(c.name ? { name: c.name } : {}) });
      createdUsers.set(c.subject.toLowerCase(), user.id);
    }
    for (const p of plan.memberships) {
      const userId = p.userId ?? createdUsers.get(p.subject.toLowerCase());
      if (!userId) throw new ApiRejection(400, `patch for ${p.subject}, who is neither in the tenant nor created by the plan`);
      this.patchUserGroups(userId, {
        add: p.add.map((ref) => (ref.id !== undefined ? { id: ref.id } : { name: ref.name })),
        remove: p.remove.map((r) => r.id),
      });
    }
    for (const d of plan.deleteGroups) this.deleteGroup(d.groupId);
  }
}
