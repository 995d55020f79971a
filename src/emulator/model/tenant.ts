// The emulated tenant's data and its indexes, kept consistent by a few primitives (add/remove/
// change a group or user, add/remove a membership). The operations in group-ops.ts, user-ops.ts
// and login.ts validate everything first and only then call these, so a rejected request changes
// nothing. Indexes: ids, lowercase subject and email, names per provider type, members per group,
// and sorted views for paging.
import { DEFAULT_ROLES, DEFAULT_ROLES_CREATED_AT } from './default-roles.ts';
import { EventLog, MembershipLog, type MembershipCause } from './events.ts';
import { IdGenerator } from './ids.ts';
import {
  EVERYONE_ID,
  EVERYONE_NAME,
  type GroupRecord,
  type RoleRecord,
  type SystemGroupRecord,
  type UserRecord,
} from './records.ts';
import { ViewSet } from '../query/sorted-view.ts';

export interface TenantSettings {
  autoCreateGroups: boolean;
  syncIdpGroups: boolean;
}

export class Tenant {
  tenantId: string;
  readonly ids = new IdGenerator();
  readonly events = new EventLog();
  readonly membershipLog = new MembershipLog();

  readonly roles = new Map<string, RoleRecord>();
  readonly roleByName = new Map<string, string>();
  everyone!: SystemGroupRecord;
  settings: TenantSettings = { autoCreateGroups: true, syncIdpGroups: true };

  readonly groups = new Map<string, GroupRecord>();
  readonly customByName = new Map<string, string>();
  readonly idpByName = new Map<string, string>();
  /** Group id -> user ids (IdP and custom memberships; Everyone is implicit). */
  readonly members = new Map<string, Set<string>>();

  readonly users = new Map<string, UserRecord>();
  readonly userBySubject = new Map<string, string>();
  readonly userByEmail = new Map<string, string>();

  readonly groupViews = new ViewSet<GroupRecord>(
    {
      name: (g) => g.name.toLowerCase(),
      id: (g) => g.id,
      createdAt: (g) => g.createdAt,
      lastUpdatedAt: (g) => g.lastUpdatedAt,
      status: (g) => g.status,
      providerType: (g) => g.providerType,
    },
    () => this.groups.values(),
  );

  readonly userViews = new ViewSet<UserRecord>(
    {
      name: (u) => u.name.toLowerCase(),
      id: (u) => u.id,
      _id: (u) => u.id,
      subject: (u) => u.subject.toLowerCase(),
      email: (u) => (u.email ?? '').toLowerCase(),
      status: (u) => u.status,
      createdAt: (u) => u.createdAt,
      tenantId: () => '',
      clientId: () => '',
      inviteExpiry: () => '',
    },
    () => this.users.values(),
  );

  readonly roleViews = new ViewSet<RoleRecord>(
    { name: (r) => r.name.toLowerCase(), id: (r) => r.id, type: (r) => r.type, level: (r) => r.level },
    () => this.roles.values(),
  );

  constructor(tenantId: string) {
    this.tenantId = tenantId;
    this.reset();
  }

  /** Back to a new tenant: the default roles and the Everyone group, nothing else. */
  reset(): void {
    this.roles.clear();
    this.roleByName.clear();
    this.roleViews.invalidateAll();
    for (const seed of DEFAULT_ROLES) {
      this.addRole({ ...seed, type: 'default', permissions: [...seed.permissions], createdAt: DEFAULT_ROLES_CREATED_AT, lastUpdatedAt: DEFAULT_ROLES_CREATED_AT });
    }
    this.everyone = { id: EVERYONE_ID, name: EVERYONE_NAME, status: 'active', roleIds: [], createdAt: DEFAULT_ROLES_CREATED_AT, lastUpdatedAt: DEFAULT_ROLES_CREATED_AT };
    this.settings = { autoCreateGroups: true, syncIdpGroups: true };
    this.groups.clear();
    this.customByName.clear();
    this.idpByName.clear();
    this.members.clear();
    this.users.clear();
    this.userBySubject.clear();
    this.userByEmail.clear();
    this.groupViews.invalidateAll();
    this.userViews.invalidateAll();
    this.events.clear();
    this.membershipLog.clear();
  }

  newId(): string {
    return this.ids.next((id) => this.groups.has(id) || this.users.has(id) || this.roles.has(id) || id === EVERYONE_ID);
  }

  addRole(role: RoleRecord): void {
    this.roles.set(role.id, role);
    this.roleByName.set(role.name, role.id);
    this.roleViews.added(role);
  }

  // ---- groups ----

  addGroup(group: GroupRecord): void {
    this.groups.set(group.id, group);
    (group.providerType === 'custom' ? this.customByName : this.idpByName).set(group.name, group.id);
    this.members.set(group.id, new Set());
    this.groupViews.added(group);
  }

  /** Applies `change` to a group, keeping the name indexes and sorted views right. */
  changeGroup(group: GroupRecord, change: (group: GroupRecord) => void): void {
    const before = this.groupViews.keys(group);
    const byName = group.providerType === 'custom' ? this.customByName : this.idpByName;
    if (byName.get(group.name) === group.id) byName.delete(group.name);
    change(group);
    byName.set(group.name, group.id);
    this.groupViews.changed(group, before);
  }

  /** Removes a group and every membership in it (the caller has checked it may). */
  removeGroup(group: GroupRecord, actorId: string, cause: MembershipCause): string[] {
    const memberIds = [...(this.members.get(group.id) ?? [])];
    for (const userId of memberIds) {
      const user = this.users.get(userId);
      if (user) this.removeMembership(user, group, actorId, cause);
    }
    this.groups.delete(group.id);
    const byName = group.providerType === 'custom' ? this.customByName : this.idpByName;
    if (byName.get(group.name) === group.id) byName.delete(group.name);
    this.members.delete(group.id);
    this.groupViews.removed(group);
    return memberIds;
  }

  // ---- users ----

  addUser(user: UserRecord): void {
    this.users.set(user.id, user);
    this.userBySubject.set(user.subject.toLowerCase(), user.id);
    if (user.email !== undefined) this.userByEmail.set(user.email.toLowerCase(), user.id);
    for (const groupId of user.groupIds) this.members.get(groupId)?.add(user.id);
    this.userViews.added(user);
  }

  /** Applies `change` to a user's own fields (not memberships), keeping indexes right. */
  changeUser(user: UserRecord, change: (user: UserRecord) => void): void {
    const before = this.userViews.keys(user);
    const subject = user.subject.toLowerCase();
    const email = user.email?.toLowerCase();
    change(user);
    if (user.subject.toLowerCase() !== subject) {
      this.userBySubject.delete(subject);
      this.userBySubject.set(user.subject.toLowerCase(), user.id);
    }
    if (user.email?.toLowerCase() !== email) {
      if (email !== undefined) this.userByEmail.delete(email);
      if (user.email !== undefined) this.userByEmail.set(user.email.toLowerCase(), user.id);
    }
    this.userViews.changed(user, before);
  }

  removeUser(user: UserRecord, actorId: string): GroupRecord[] {
    const left: GroupRecord[] = [];
    for (const groupId of [...user.groupIds]) {
      const group = this.groups.get(groupId);
      if (group) {
        this.removeMembership(user, group, actorId, 'user-deleted');
        left.push(group);
      }
    }
    this.users.delete(user.id);
    this.userBySubject.delete(user.subject.toLowerCase());
    if (user.email !== undefined) this.userByEmail.delete(user.email.toLowerCase());
    this.userViews.removed(user);
    return left;
  }

  // ---- memberships ----

  addMembership(user: UserRecord, group: GroupRecord, actorId: string, cause: MembershipCause): void {
    user.groupIds.push(group.id);
    this.members.get(group.id)?.add(user.id);
    this.membershipLog.record({ userId: user.id, groupId: group.id, groupName: group.name, op: 'add', providerType: group.providerType, cause, actorId });
  }

  removeMembership(user: UserRecord, group: GroupRecord, actorId: string, cause: MembershipCause): void {
    const at = user.groupIds.indexOf(group.id);
    if (at >= 0) user.groupIds.splice(at, 1);
    this.members.get(group.id)?.delete(user.id);
    this.membershipLog.record({ userId: user.id, groupId: group.id, groupName: group.name, op: 'remove', providerType: group.providerType, cause, actorId });
  }

  /** IdP and custom groups; system groups are separate (`everyone`). */
  groupCount(): number {
    return this.groups.size;
  }
}
