// The records an emulated tenant holds. Plain data (so a state export is a JSON.stringify away);
// references between them are ids, and the API shapes are rendered from them (render.ts), so a
// renamed group shows its new name in every user's assignedGroups at once.

export type ProviderType = 'idp' | 'custom';
export type GroupStatus = 'active' | 'disabled';
export type UserStatus = 'active' | 'invited' | 'disabled' | 'deleted' | 'provisioned';

export const USER_STATUSES: readonly UserStatus[] = ['active', 'invited', 'disabled', 'deleted', 'provisioned'];

export interface RoleRecord {
  id: string;
  name: string;
  type: 'default' | 'custom';
  level: 'admin' | 'user';
  description: string;
  permissions: string[];
  createdAt: string;
  lastUpdatedAt: string;
}

export interface GroupRecord {
  id: string;
  name: string;
  providerType: ProviderType;
  status: GroupStatus;
  description?: string;
  roleIds: string[];
  /** The identity provider an IdP group came from. */
  idpId?: string;
  createdAt: string;
  lastUpdatedAt: string;
  createdBy?: string;
  updatedBy?: string;
}

/** A Qlik system group (Everyone): fixed id and name, every user is implicitly a member. */
export interface SystemGroupRecord {
  id: string;
  name: string;
  status: GroupStatus;
  roleIds: string[];
  createdAt: string;
  lastUpdatedAt: string;
}

export interface UserRecord {
  id: string;
  subject: string;
  name: string;
  email?: string;
  status: UserStatus;
  roleIds: string[];
  /** IdP and custom group ids, in the order they were assigned. */
  groupIds: string[];
  picture?: string;
  preferredLocale?: string;
  preferredZoneinfo?: string;
  createdAt: string;
  lastUpdatedAt: string;
}

export const EVERYONE_ID = '000000000000000000000001';
export const EVERYONE_NAME = 'com.qlik.Everyone';
/** The emulated identity provider every IdP group comes from. */
export const EMULATED_IDP_ID = '65e0e0e0e0e0e0e0e0e0e0e0';
export const MAX_GROUPS = 10_000;
export const MAX_GROUP_NAME = 256;
export const MAX_ROLES_PER_ENTITY = 100;
