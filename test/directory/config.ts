// A complete DirectoryConfig for directory tests, with the defaults the option table uses, and
// overrides merged one level deep (groups/users).
import type { DirectoryConfig } from '../../src/config/types.ts';

export type DirectoryConfigOverrides = Partial<Omit<DirectoryConfig, 'groups' | 'users'>> & {
  groups?: Partial<DirectoryConfig['groups']>;
  users?: Partial<DirectoryConfig['users']>;
};

export function directoryConfig(overrides: DirectoryConfigOverrides = {}): DirectoryConfig {
  const { groups, users, ...rest } = overrides;
  return {
    source: 'ldap',
    kind: 'auto',
    urls: [],
    startTls: false,
    allowInsecure: false,
    tlsVerify: true,
    connectTimeoutMs: 5_000,
    timeoutMs: 15_000,
    pageSize: 500,
    followReferrals: false,
    nestedGroups: true,
    disabledUsers: 'exclude',
    outsideMembers: 'resolve',
    ...rest,
    groups: {
      baseDns: [],
      nameAttribute: 'cn',
      descriptionAttribute: 'description',
      include: [],
      exclude: [],
      ...groups,
    },
    users: {
      baseDns: [],
      attributes: ['uid', 'mail', 'displayName'],
      ...users,
    },
  };
}
