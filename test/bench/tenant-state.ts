// The tenant before the first sync, as an emulator state document: the users who have already
// logged in through the identity provider (every user but each tenth; the rest are created by the
// bridge, `mapping.createUsers`), no groups. Importing it is much faster than creating 100,000
// users over the API. Subjects are the directory uids, as `mapping.user.subjectTemplate: '{uid}'`.
import type { TenantState } from '../../src/emulator/index.ts';
import type { BenchDirectory } from './model.ts';

export const MAIL_DOMAIN = 'bench.test';

export function mailOf(uid: string): string {
  return `${uid}@${MAIL_DOMAIN}`;
}

export function displayNameOf(index: number): string {
  return `Bench User ${index}`;
}

/** User indexes with a tenant account before the first sync. */
export function initialAccounts(directory: BenchDirectory): Set<number> {
  const out = new Set<number>();
  directory.users.forEach((uid, i) => {
    if (uid !== undefined && i % 10 !== 9) out.add(i);
  });
  return out;
}

function userId(index: number): string {
  return `be${index.toString(16).padStart(22, '0')}`;
}

export function initialTenantState(directory: BenchDirectory, accounts: ReadonlySet<number>): TenantState {
  const at = '2025-01-01T00:00:00.000Z';
  const users: TenantState['users'] = [];
  for (const i of [...accounts].sort((a, b) => a - b)) {
    const uid = directory.users[i]!;
    users.push({ id: userId(i), subject: uid, name: displayNameOf(i), email: mailOf(uid), status: 'active', roleIds: [], groupIds: [], createdAt: at, lastUpdatedAt: at });
  }
  return {
    format: 'qlik-group-sync/emulator-state',
    version: 1,
    tenantId: 'bench',
    exportedAt: at,
    settings: { autoCreateGroups: true, syncIdpGroups: true },
    everyone: { roleIds: [] },
    roles: [],
    groups: [],
    users,
  };
}
