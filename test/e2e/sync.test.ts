// End to end: the real CLI (a Node 24 child process) against a real slapd and the tenant emulator.
// One world per describe; the steps in a describe run in order and build on each other, as the
// runs of a deployed bridge do. Expectations come from the oracle in harness.ts (slapd read
// directly, flattened here) and from the emulator's own statistics and membership log.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../support/servers.ts';
import { edit, plain, startWorld, until, type World } from './harness.ts';

const PATCH_USER = 'PATCH /api/v1/users/{id}';
const PATCH_GROUP = 'PATCH /api/v1/groups/{id}';

function subjectsIn(map: Map<string, Set<string>>): Set<string> {
  return new Set([...map.values()].flatMap((s) => [...s]));
}

/** Users whose set of CG- groups differs between two oracle states. */
function affectedUsers(before: Map<string, Set<string>>, after: Map<string, Set<string>>, renamed: Map<string, string> = new Map()): string[] {
  const groupsOf = (map: Map<string, Set<string>>, rename: boolean): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    for (const [group, members] of map) {
      const name = rename ? (renamed.get(group) ?? group) : group;
      for (const s of members) out.set(s, new Set([...(out.get(s) ?? []), name]));
    }
    return out;
  };
  const a = groupsOf(before, true);
  const b = groupsOf(after, false);
  const users = new Set([...a.keys(), ...b.keys()]);
  return [...users].filter((u) => {
    const x = a.get(u) ?? new Set();
    const y = b.get(u) ?? new Set();
    return x.size !== y.size || [...x].some((g) => !y.has(g));
  });
}

describe.skipIf(!requireServer('slapd'))('end to end: apply against slapd and the emulator', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('first apply: the tenant equals the directory, with the minimum number of write requests', async () => {
    const expected = await world.expected();
    const result = await world.cli(['apply']);
    expect(result.code, result.stderr).toBe(0);
    expect(plain(world.actual())).toEqual(plain(expected));

    // Minimum (DESIGN.md): one POST per new group, one POST per new user, one PATCH per user whose
    // membership changes; nobody had logged in, so every member is a new user.
    const members = subjectsIn(expected);
    const minimum = expected.size + members.size + members.size;
    const stats = world.emulator.stats();
    expect(stats.writes).toBe(minimum);
    expect(stats.byRoute[PATCH_USER]).toBe(members.size);
    expect(result.stdout).toContain(`Applied: ${minimum} write requests`);
  });

  it('a second apply makes zero write requests and says so', async () => {
    world.emulator.resetStats();
    const result = await world.cli(['apply']);
    expect(result.code, result.stderr).toBe(0);
    expect(world.emulator.stats().writes).toBe(0);
    expect(result.stdout).toContain('No changes.');
  });

  it('plan --detailed-exitcode exits 0 with no changes and 2 with changes pending, writing nothing', async () => {
    world.emulator.resetStats();
    expect((await world.cli(['plan', '--detailed-exitcode'])).code).toBe(0);
    const client = await world.ldap();
    await edit.addMember(client, 'g0000', edit.userDn('u00059'));
    await client.unbind();
    const pending = await world.cli(['plan', '--detailed-exitcode', '--json', 'plan.json']);
    expect(pending.code, pending.stderr).toBe(2);
    expect(pending.stdout).toContain('+ CG-g0000');
    expect(world.emulator.stats().writes).toBe(0);
    const applied = await world.cli(['apply', '--plan', 'plan.json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(plain(world.actual())).toEqual(plain(await world.expected()));
  });

  it('a saved plan is refused once either side has changed since it was made', async () => {
    expect((await world.cli(['plan', '--json', 'stale.json'])).code).toBe(0);
    // A plan edited by hand (or made under another configuration) is refused even while both
    // sides are unchanged: here the mode was changed in the file.
    const edited = JSON.parse(readFileSync(join(world.dir, 'stale.json'), 'utf8')) as { plan: { mode: string } };
    edited.plan.mode = 'create-only';
    writeFileSync(join(world.dir, 'edited.json'), JSON.stringify(edited));
    const refused = await world.cli(['apply', '--plan', 'edited.json']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('the configuration changed or the plan file was edited');

    const client = await world.ldap();
    await edit.addMember(client, 'g0001', edit.userDn('u00058'));
    await client.unbind();
    world.emulator.resetStats();
    const result = await world.cli(['apply', '--plan', 'stale.json']);
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).toContain('the saved plan no longer matches: the directory changed');
    expect(world.emulator.stats().writes).toBe(0);
    expect((await world.cli(['apply'])).code).toBe(0);
  });

  it('after adds, removals, a rename and a disabled user: exactly one PATCH per affected user', async () => {
    const before = await world.expected();
    const client = await world.ldap();
    await edit.addMember(client, 'g0002', edit.userDn('u00050'));
    await edit.addMember(client, 'g0002', edit.userDn('u00051'));
    await edit.removeMember(client, 'g0003', edit.userDn('u00024'));
    await edit.rename(client, 'g0005', 'g0005-renamed');
    await edit.disable(client, 'u00003');
    await client.unbind();
    const after = await world.expected();
    const affected = affectedUsers(before, after, new Map([['CG-g0005', 'CG-g0005-renamed']]));
    expect(affected.length).toBeGreaterThanOrEqual(4);
    const renamedId = world.emulator.exportState().groups.find((g: { name: string }) => g.name === 'CG-g0005')!.id;

    world.emulator.resetStats();
    const result = await world.cli(['apply']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(plain(world.actual())).toEqual(plain(after));
    const stats = world.emulator.stats();
    expect(stats.byRoute[PATCH_USER]).toBe(affected.length);
    expect(stats.byRoute[PATCH_GROUP]).toBe(1);
    expect(stats.writes).toBe(affected.length + 1);
    // The rename kept the group's id (space assignments survive).
    expect(world.emulator.exportState().groups.find((g: { name: string }) => g.name === 'CG-g0005-renamed')!.id).toBe(renamedId);
  });

  it('with 20% injected faults converges within two runs and never removes a membership the directory holds', async () => {
    const client = await world.ldap();
    for (const uid of ['u00040', 'u00041', 'u00042', 'u00043']) await edit.addMember(client, 'g0006', edit.userDn(uid));
    await edit.removeMember(client, 'g0007', edit.userDn('u00056'));
    await client.unbind();
    const expected = await world.expected();
    const seq = world.emulator.membershipLog().at(-1)?.seq ?? 0;
    world.emulator.resetStats();
    world.emulator.setFaults({ rate: 0.2, seed: 20, kinds: ['429', '500', '503', 'reset', 'reset-after', '500-after'] });
    let runs = 0;
    try {
      for (; runs < 2; ) {
        runs++;
        await world.cli(['apply']);
        if (JSON.stringify(plain(world.actual())) === JSON.stringify(plain(expected))) break;
      }
    } finally {
      world.emulator.clearFaults();
    }
    expect(world.emulator.stats().faultsInjected).toBeGreaterThan(0);
    expect(plain(world.actual())).toEqual(plain(expected));
    expect(runs).toBeLessThanOrEqual(2);
    const wrongful = world.emulator.membershipLog(seq).filter((e) => e.op === 'remove' && e.providerType === 'custom' && expected.get(e.groupName)?.has(subjectOf(world, e.userId)));
    expect(wrongful).toEqual([]);
    world.emulator.resetStats();
    expect((await world.cli(['apply'])).code).toBe(0);
    expect(world.emulator.stats().writes).toBe(0);
  });

  it('LDAP down: the run fails and writes nothing', async () => {
    const client = await world.ldap();
    await edit.addMember(client, 'g0008', edit.userDn('u00001'));
    await client.unbind();
    await world.slapd.kill();
    try {
      world.emulator.resetStats();
      const result = await world.cli(['apply']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/Failed; nothing was written: .*\(DIRECTORY_CONNECT\)/);
      expect(world.emulator.stats().writes).toBe(0);
    } finally {
      await world.slapd.restart();
    }
  });

  it('validate binds to slapd, shows what the queries match, and checks the tenant and the roles', async () => {
    world.emulator.resetStats();
    const ok = await world.cli(['validate']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/groups matched: 12 \(first: g0000, g0001, /);
    expect(ok.stdout).toMatch(/users matched: +60 \(first: uid=u00000,ou=people,dc=e2e,dc=test; /);
    expect(ok.stdout).toContain('All checks passed.');
    const badRole = world.writeConfig({ mapping: { roles: [{ group: 'g0001', roles: ['NoSuchRole'] }] } }, 'bad-role.yaml');
    const bad = await world.cli(['validate'], { configFile: badRole });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('mapping.roles[0] (g0001): the tenant has no role named "NoSuchRole"');
    expect(world.emulator.stats().writes).toBe(0);
  });

  it('wrong credentials fail clearly and the secrets never reach the output', async () => {
    const badTenant = world.writeConfig({ tenant: { apiKey: 'wrong-tenant-key-4242' } }, 'bad-tenant.yaml');
    const t = await world.cli(['apply'], { configFile: badTenant });
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('(TENANT_AUTH)');
    expect(t.stdout + t.stderr).not.toContain('wrong-tenant-key-4242');

    const badBind = world.writeConfig({ directory: { bindPassword: 'wrong-bind-password-4242' } }, 'bad-bind.yaml');
    const d = await world.cli(['apply'], { configFile: badBind });
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('(DIRECTORY_BIND)');
    expect(d.stdout + d.stderr).not.toContain('wrong-bind-password-4242');
    expect(d.stdout + d.stderr).not.toContain(world.slapd.rootPassword);
  });
});

function subjectOf(world: World, userId: string): string {
  const user = (world.emulator.exportState().users as { id: string; subject: string }[]).find((u) => u.id === userId);
  return user?.subject ?? '';
}

describe.skipIf(!requireServer('slapd'))('end to end: a run killed with SIGKILL halfway', () => {
  let world: World;
  beforeAll(async () => {
    // Slow the writes (10 a second) so the kill lands in the middle of the first sync.
    world = await startWorld({ users: 80, groups: 10, config: { tenant: { rateLimits: { tier2PerMinute: 600 } } } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('converges on the next run, with no duplicate and nothing lost', async () => {
    const expected = await world.expected();
    const { child, done } = world.spawnCli(['apply']);
    await until('25 writes of the first sync', () => world.emulator.stats().writes >= 25);
    expect(world.emulator.stats().writes).toBeGreaterThanOrEqual(25);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = world.actual();
    expect(plain(partial)).not.toEqual(plain(expected));

    // The next run finds the dead run's lock stale (its process is gone) and finishes the job.
    const next = await world.cli(['apply']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(plain(world.actual())).toEqual(plain(expected));
    const names = world.emulator.exportState().groups.map((g: { name: string }) => g.name);
    expect(new Set(names).size).toBe(names.length);
    world.emulator.resetStats();
    expect((await world.cli(['apply'])).code).toBe(0);
    expect(world.emulator.stats().writes).toBe(0);
  });
});

describe.skipIf(!requireServer('slapd'))('end to end: migrate from IdP groups', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ users: 30, groups: 6, nestEvery: 0 });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('creates CG- groups with the IdP groups roles and the directory members; IdP groups untouched', async () => {
    // People logged in before: Qlik made IdP groups g0000 and g0001 from their claims; an admin
    // gave those IdP groups roles.
    world.emulator.login({ subject: 'u00000', groups: ['g0000', 'g0001', 'Everyone'] });
    world.emulator.login({ subject: 'u00008', groups: ['g0001'] });
    const roles = (world.emulator.api.request('GET', '/api/v1/roles?limit=100').body as { data: { id: string; name: string }[] }).data;
    const roleId = (name: string): string => roles.find((r) => r.name === name)!.id;
    const idpId = (name: string): string => world.emulator.exportState().groups.find((g) => g.name === name && g.providerType === 'idp')!.id;
    world.emulator.api.patchGroup(idpId('g0000'), [{ op: 'replace', path: '/assignedRoles', value: [{ id: roleId('SharedSpaceCreator') }] }]);
    world.emulator.api.patchGroup(idpId('g0001'), [{ op: 'replace', path: '/assignedRoles', value: [{ id: roleId('AnalyticsAdmin') }, { id: roleId('DataSpaceCreator') }] }]);
    const idpBefore = JSON.stringify(world.emulator.exportState().groups.filter((g: { providerType: string }) => g.providerType === 'idp'));
    const foreignBefore = world.foreignMemberships();

    world.emulator.resetStats();
    const dry = await world.cli(['migrate']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(world.emulator.stats().writes).toBe(0);
    expect(dry.stdout).toMatch(/g0000 +-> +CG-g0000 +copied roles: SharedSpaceCreator/);
    expect(dry.stdout).toMatch(/g0001 +-> +CG-g0001 +copied roles: AnalyticsAdmin, DataSpaceCreator/);
    expect(dry.stdout).toContain('Run again with --apply');

    const applied = await world.cli(['migrate', '--apply']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('These IdP groups can now be retired');
    expect(applied.stdout).toContain('- group: "g0001"');
    expect(plain(world.actual())).toEqual(plain(await world.expected()));
    const after = world.emulator.exportState();
    const rolesOf = (name: string): string[] => {
      const g = after.groups.find((x) => x.name === name && x.providerType === 'custom')!;
      return g.roleIds.map((id) => roles.find((r) => r.id === id)!.name).sort();
    };
    expect(rolesOf('CG-g0000')).toEqual(['SharedSpaceCreator']);
    expect(rolesOf('CG-g0001')).toEqual(['AnalyticsAdmin', 'DataSpaceCreator']);
    expect(rolesOf('CG-g0002')).toEqual([]);
    expect(JSON.stringify(after.groups.filter((g: { providerType: string }) => g.providerType === 'idp'))).toBe(idpBefore);
    expect(world.foreignMemberships()).toEqual(foreignBefore);
  });
});
