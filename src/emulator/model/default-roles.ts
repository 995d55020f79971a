// The tenant roles every emulated tenant starts with: Qlik Cloud's default roles, with stable ids
// (the same in every emulator run and state file, like Qlik's own default roles, whose ids are the
// same across tenants). Where qlik.dev examples show an id for a role, that id is used.

export interface RoleSeed {
  id: string;
  name: string;
  level: 'admin' | 'user';
  description: string;
  permissions: string[];
}

export const DEFAULT_ROLES: readonly RoleSeed[] = [
  { id: '60804cf8a77b649c66733f60', name: 'TenantAdmin', level: 'admin', description: 'Manages the tenant: settings, identity providers, licenses, users and groups.', permissions: ['tenant:manage', 'user:manage', 'group:manage', 'role:read', 'license:manage'] },
  { id: '605a18af2ab08cdbfad09259', name: 'AnalyticsAdmin', level: 'admin', description: 'Manages spaces, apps and content across the tenant.', permissions: ['automation:delete', 'automation:disable', 'automation:enable', 'automation:list', 'space:manage', 'app:manage'] },
  { id: '608050f7634644db3678b1a2', name: 'AuditAdmin', level: 'admin', description: 'Reads and exports the audit log.', permissions: ['audit:read', 'audit:export'] },
  { id: '60804cf8a77b649c66733f61', name: 'DataAdmin', level: 'admin', description: 'Manages data spaces, data connections and data movement.', permissions: ['dataspace:manage', 'dataconnection:manage'] },
  { id: '60804cf8a77b649c66733f62', name: 'UserAdmin', level: 'admin', description: 'Manages users and their roles.', permissions: ['user:manage', 'role:read'] },
  { id: '60804cf8a77b649c66733f63', name: 'TechnicalUserAdmin', level: 'admin', description: 'Manages OAuth clients and technical users.', permissions: ['oauthclient:manage'] },
  { id: '60804cf8a77b649c66733f64', name: 'AnalyticsAppCreator', level: 'user', description: 'Creates analytics apps.', permissions: ['app:create'] },
  { id: '60804cf8a77b649c66733f65', name: 'Developer', level: 'user', description: 'Creates API keys and uses developer tools.', permissions: ['apikey:create', 'webhook:manage'] },
  { id: '60804cf8a77b649c66733f66', name: 'ManagedSpaceCreator', level: 'user', description: 'Creates managed spaces.', permissions: ['managedspace:create'] },
  { id: '60804cf8a77b649c66733f67', name: 'SharedSpaceCreator', level: 'user', description: 'Creates shared spaces.', permissions: ['sharedspace:create'] },
  { id: '60804cf8a77b649c66733f68', name: 'DataSpaceCreator', level: 'user', description: 'Creates data spaces.', permissions: ['dataspace:create'] },
  { id: '60804cf8a77b649c66733f69', name: 'PrivateAnalyticsContentCreator', level: 'user', description: 'Creates content in the personal space.', permissions: ['app:create:personal'] },
  { id: '60804cf8a77b649c66733f6a', name: 'DataServicesContributor', level: 'user', description: 'Uses Data Services (data movement, transformation).', permissions: ['dataservices:contribute'] },
  { id: '60804cf8a77b649c66733f6b', name: 'Steward', level: 'user', description: 'Manages data products and glossaries.', permissions: ['glossary:manage', 'dataproduct:manage'] },
  { id: '60804cf8a77b649c66733f6c', name: 'AutomationCreator', level: 'user', description: 'Creates and runs automations.', permissions: ['automation:create'] },
  { id: '60804cf8a77b649c66733f6d', name: 'AutomlExperimentContributor', level: 'user', description: 'Creates AutoML experiments.', permissions: ['automl-experiment:create'] },
  { id: '60804cf8a77b649c66733f6e', name: 'AutomlDeploymentContributor', level: 'user', description: 'Creates AutoML deployments.', permissions: ['automl-deployment:create'] },
  { id: '60804cf8a77b649c66733f6f', name: 'EmbedAdmin', level: 'admin', description: 'Manages web integrations and content security policy origins.', permissions: ['webintegration:manage', 'csp:manage'] },
];

/** When the default roles were "created" (fixed, so exported states are stable). */
export const DEFAULT_ROLES_CREATED_AT = '2021-03-23T16:34:55.401Z';
