// The JSON the Qlik Cloud REST API sends and accepts, as far as the bridge uses it (QLIK-API.md,
// cross-checked with @qlik/api's generated groups/users/roles/oauth-tokens declarations). Kept apart
// from snapshot.ts: these are wire shapes, validated by parse.ts before anything else sees them.

export interface ApiLink {
  href: string;
}

/** One page of any list endpoint. `links.next` is absent on the last page. */
export interface ApiListPage<T> {
  data: T[];
  links?: { self?: ApiLink; next?: ApiLink; prev?: ApiLink };
  totalResults?: number;
}

export interface ApiRoleRef {
  id: string;
  name: string;
  type?: 'default' | 'custom';
  level?: 'admin' | 'user';
}

export interface ApiGroup {
  id: string;
  name: string;
  status: 'active' | 'disabled';
  tenantId?: string;
  createdAt?: string;
  lastUpdatedAt?: string;
  description?: string;
  providerType?: 'idp' | 'custom';
  assignedRoles?: ApiRoleRef[];
  idpId?: string;
}

export interface ApiAssignedGroup {
  id: string;
  name: string;
  providerType?: 'idp' | 'custom';
}

export interface ApiUser {
  id: string;
  tenantId?: string;
  subject: string;
  name?: string;
  email?: string;
  status: 'active' | 'invited' | 'disabled' | 'deleted' | 'provisioned';
  assignedRoles?: ApiRoleRef[];
  assignedGroups?: ApiAssignedGroup[];
}

export interface ApiRole {
  id: string;
  name: string;
  type: 'default' | 'custom';
  level: 'admin' | 'user';
  description?: string;
}

/** `POST /groups`. `providerType` defaults to `idp` on the server: the bridge always sends `custom`. */
export interface ApiGroupPost {
  name: string;
  providerType: 'custom';
  status: 'active';
  description?: string;
  assignedRoles?: { name: string }[];
}

/** `PATCH /groups/{id}`: replace operations only; roles are replaced as a whole. */
export type ApiGroupPatchOp =
  | { op: 'replace'; path: '/name'; value: string }
  | { op: 'replace'; path: '/description'; value: string }
  | { op: 'replace'; path: '/assignedRoles'; value: { name: string }[] };

/** `POST /users`. There is no `assignedGroups` on create. */
export interface ApiUserPost {
  subject: string;
  email?: string;
  name?: string;
}

/** `PATCH /users/{id}` membership operations; `replace` on `/assignedGroups` is never sent. */
export type ApiUserMembershipOp =
  | { op: 'add'; path: '/assignedGroups/-'; value: string | { name: string; providerType: 'custom' } }
  | { op: 'remove-value'; path: '/assignedGroups'; value: string };

/** The error document of every endpoint. */
export interface ApiErrorBody {
  errors?: { code?: string; title?: string; detail?: string; status?: number | string }[];
  traceId?: string;
}

/** `POST /oauth/token` with `grant_type=client_credentials`. */
export interface ApiTokenResponse {
  access_token: string;
  token_type?: string;
  /** Seconds. */
  expires_in?: number;
  expires_at?: string;
}
