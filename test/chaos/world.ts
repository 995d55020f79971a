// The chaos suite's world: the e2e world (test/e2e/harness.ts) with settings for faults, a tenant
// that holds things the bridge must never touch, and a baseline every scenario starts from. The
// baseline is the generated directory synced once: slapd's data is reloaded from the same LDIF and
// the tenant re-imported from the same export before each scenario, so a scenario depends on its
// seed alone and a failing seed replays on its own (`npm run chaos -- --seed S`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'ldapts';
import type { TenantState } from '../../src/emulator/model/state.ts';
import { edit, startWorld, GROUPS, PEOPLE, type World } from '../e2e/harness.ts';
import { membershipDiff, ownedMemberships, sameMemberships, type Memberships } from './invariants.ts';
import type { DirectoryModel, Edit } from './scenario.ts';

/**
 * Config for chaos runs, over the harness defaults. The safety limits are loosened so that a
 * scenario's removals and deletions are applied rather than blocked (exit 3), except the
 * empty-directory guard, which stays at its default: a partial read must never get that far. A
 * 1.5 s request timeout turns the longer `slow` faults into timeouts whose change lands later.
 * Small LDAP pages make a directory read many round trips, so slapd can die in the middle of one.
 */
export const CHAOS_CONFIG = {
  directory: { pageSize: 5, timeoutMs: 10_000, connectTimeoutMs: 5_000 },
  tenant: { requestTimeoutMs: 1_500, retry: { retries: 8, maxRetryTimeMs: 20_000 } },
  sync: {
    limits: {
      maxGroupDeletes: 100,
      maxGroupDeletesPercent: 100,
      maxMembershipRemovals: 100_000,
      maxMembershipRemovalsPercent: 100,
      maxRemovalsPerGroupPercent: 100,
    },
  },
};

/** Emulated time runs 10x: an injected 429 asks for a 100 ms wait instead of 1 s. */
const EMULATOR_TIME_SCALE = 10;

export interface ChaosWorld {
  world: World;
  /** The baseline directory (what planScenario draws edits from). */
  model: DirectoryModel;
  /** The oracle at the baseline. */
  baseline: Memberships;
  /** The tenant at the baseline: synced, plus IdP logins and hand-made groups. */
  baselineState: TenantState;
  /** Back to the baseline: slapd data reloaded, tenant re-imported, faults off, state folder emptied. */
  reset(): Promise<void>;
  /** The tenant's owned memberships now. */
  owned(): Memberships;
  state(): TenantState;
  close(): Promise<void>;
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

async function readModel(client: Client): Promise<DirectoryModel> {
  const people = await client.search(PEOPLE, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] });
  const groups = await client.search(GROUPS, { scope: 'sub', filter: '(objectClass=groupOfNames)', attributes: ['cn', 'member'] });
  const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(text));
  return {
    uids: people.searchEntries.map((e) => text(e.uid)).sort(),
    groups: new Map(groups.searchEntries.map((e) => [text(e.cn), list(e.member).filter((m) => m !== '')] as const).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/** Things the bridge must leave alone: IdP logins (with a role on an IdP group) and hand-made custom groups. */
function seedForeign(world: World): void {
  const { emulator } = world;
  emulator.login({ subject: 'u00001', groups: ['g0000', 'Sales'] });
  emulator.login({ subject: 'u00009', groups: ['Sales', 'Support'] });
  emulator.login({ subject: 'u00017', groups: ['Support'] });
  emulator.login({ subject: 'partner-01', groups: ['Partners'] });
  const contractor = emulator.api.createUser({ subject: 'contractor-7', name: 'Contractor Seven' });
  const finance = emulator.api.createGroup({ name: 'Finance', providerType: 'custom', description: 'made by hand' });
  // Prefixed but without the bridge's marker: not owned, so never written.
  const manual = emulator.api.createGroup({ name: 'CG-Manual', providerType: 'custom', description: 'made by hand, not by the bridge' });
  const idOf = (subject: string): string => emulator.exportState().users.find((u) => u.subject === subject)!.id;
  const add = (userId: string, groupId: unknown): void => emulator.api.patchUser(userId, [{ op: 'add', path: '/assignedGroups/-', value: groupId }]);
  add(idOf('u00001'), finance.id);
  add(idOf('u00001'), manual.id);
  add(idOf('partner-01'), finance.id);
  add(String(contractor.id), manual.id);
  const roles = (emulator.api.request('GET', '/api/v1/roles?limit=100').body as { data: { id: string; name: string }[] }).data;
  const sales = emulator.exportState().groups.find((g) => g.name === 'Sales' && g.providerType === 'idp')!;
  emulator.api.patchGroup(sales.id, [{ op: 'replace', path: '/assignedRoles', value: [{ id: roles.find((r) => r.name === 'SharedSpaceCreator')!.id }] }]);
}

/** Reloads slapd from the LDIF it was started with (stop, wipe the database, slapadd, start). */
async function reloadDirectory(world: World): Promise<void> {
  const { slapd } = world;
  await slapd.stop(true);
  const db = join(slapd.dir, 'db');
  rmSync(db, { recursive: true, force: true });
  mkdirSync(db);
  execFileSync('slapadd', ['-q', '-f', join(slapd.dir, 'slapd.conf'), '-l', join(slapd.dir, 'data.ldif')], { stdio: ['ignore', 'pipe', 'pipe'] });
  await slapd.restart();
}

export async function startChaosWorld(): Promise<ChaosWorld> {
  const world = await startWorld({ users: 60, groups: 12, membersPerGroup: 8, nestEvery: 4, config: CHAOS_CONFIG, emulator: { timeScale: EMULATOR_TIME_SCALE } });
  try {
    seedForeign(world);
    const first = await world.cli(['apply']);
    const state = (): TenantState => world.emulator.exportState();
    const baseline = await world.expected();
    if (first.code !== 0 || !sameMemberships(ownedMemberships(state()), baseline)) {
      throw new Error(`chaos baseline: the first sync did not converge (exit ${first.code}): ${membershipDiff(ownedMemberships(state()), baseline).join('; ')}\n${first.stdout}${first.stderr}`);
    }
    const client = await world.ldap();
    const model = await readModel(client).finally(() => client.unbind());
    const baselineState = state();
    const stateDir = join(world.dir, 'state');
    return {
      world,
      model,
      baseline,
      baselineState,
      async reset() {
        world.emulator.clearFaults();
        await reloadDirectory(world);
        world.emulator.importState(baselineState);
        world.emulator.resetStats();
        rmSync(stateDir, { recursive: true, force: true });
      },
      owned: () => ownedMemberships(state()),
      state,
      close: () => world.close(),
    };
  } catch (error) {
    await world.close();
    throw error;
  }
}

/** Makes one scenario edit in the directory. */
export async function applyEdit(client: Client, e: Edit): Promise<void> {
  switch (e.op) {
    case 'add-member':
      return edit.addMember(client, e.group, e.member);
    case 'remove-member':
      return edit.removeMember(client, e.group, e.member);
    case 'rename':
      return edit.rename(client, e.group, e.to);
    case 'disable':
      return edit.disable(client, e.uid);
    case 'create-group':
      return client.add(edit.groupDn(e.group), { objectClass: 'groupOfNames', cn: e.group, member: e.members });
    case 'delete-group':
      return client.del(edit.groupDn(e.group));
  }
}

