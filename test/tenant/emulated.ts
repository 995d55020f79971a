// For the tenant client's tests against the emulator: an emulator started in process, a
// generated tenant state (thousands of users loaded in one import instead of thousands of POSTs),
// and a TenantConfig pointing at it.
import type { TenantConfig } from '../../src/config/types.ts';
import { startEmulator, type EmulatorHandle, type EmulatorOptions, type TenantState } from '../../src/emulator/index.ts';
import { tenantConfig } from './helpers.ts';

export const GROUP_ID_PREFIX = 'c0ffee';
export const USER_ID_PREFIX = 'dec0de';

function id(prefix: string, n: number): string {
  return prefix + n.toString(16).padStart(24 - prefix.length, '0');
}

export function groupId(n: number): string {
  return id(GROUP_ID_PREFIX, n);
}

export function userId(n: number): string {
  return id(USER_ID_PREFIX, n);
}

export interface SeedOptions {
  users: number;
  idpGroups?: number;
  customGroups?: number;
  /** Each user is in this many groups (round robin over all groups). */
  groupsPerUser?: number;
}

const T = '2025-01-24T17:34:46.210Z';

/** A tenant with `users` users, IdP groups `idp-<n>` and custom groups `CG-<n>`, memberships spread evenly. */
export function seedState(options: SeedOptions): TenantState {
  const idp = options.idpGroups ?? 10;
  const custom = options.customGroups ?? 20;
  const perUser = options.groupsPerUser ?? 2;
  const groups: TenantState['groups'] = [];
  for (let i = 0; i < idp; i++) groups.push({ id: groupId(i), name: `idp-${i}`, providerType: 'idp', status: 'active', roleIds: [], idpId: '65e0e0e0e0e0e0e0e0e0e0e0', createdAt: T, lastUpdatedAt: T });
  for (let i = 0; i < custom; i++) groups.push({ id: groupId(idp + i), name: `CG-${i}`, providerType: 'custom', status: 'active', description: `seeded ${i}`, roleIds: [], createdAt: T, lastUpdatedAt: T });
  const users: TenantState['users'] = [];
  for (let u = 0; u < options.users; u++) {
    const groupIds: string[] = [];
    for (let k = 0; k < Math.min(perUser, groups.length); k++) groupIds.push(groups[(u + k * 7) % groups.length]!.id);
    users.push({
      id: userId(u),
      subject: `ACME\\user${u}`,
      name: `User ${u}`,
      email: `user${u}@acme.example`,
      status: u % 50 === 0 ? 'invited' : 'active',
      roleIds: [],
      groupIds: [...new Set(groupIds)],
      createdAt: T,
      lastUpdatedAt: T,
    });
  }
  return {
    format: 'qlik-group-sync/emulator-state',
    version: 1,
    tenantId: 'EmulatedTenant0000000000000000001',
    exportedAt: T,
    settings: { autoCreateGroups: true, syncIdpGroups: true },
    everyone: { roleIds: [] },
    roles: [],
    groups,
    users,
  };
}

export interface Emulated {
  emulator: EmulatorHandle;
  config: (overrides?: Partial<TenantConfig>) => TenantConfig;
}

export async function emulated(options: EmulatorOptions = {}, state?: TenantState): Promise<Emulated> {
  const emulator = await startEmulator(options);
  if (state) emulator.importState(state);
  return {
    emulator,
    config: (overrides = {}) => tenantConfig({ url: emulator.url, apiKey: emulator.apiKey, ...overrides }),
  };
}
