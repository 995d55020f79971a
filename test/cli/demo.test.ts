// The demo behind `npm start`, through the CLI's `main` as `npm start` runs it: a fresh tenant gets
// the sample directory applied; the second run is the steady state; the changed sample is blocked
// by the safety limits until allowed, and then applied with the rename keeping the group's id.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './run-cli.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'qgs-demo-test-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
const demo = (...args: string[]) => runMain(['demo', ...args], { QLIK_GROUP_SYNC_DEMO_DIR: stateDir });

function groupId(name: string): string | undefined {
  const state = JSON.parse(readFileSync(join(stateDir, 'tenant.json'), 'utf8')) as { groups: { id: string; name: string }[] };
  return state.groups.find((g) => g.name === name)?.id;
}

describe('the demo (npm start)', () => {
  it('applies the sample directory to a fresh emulated tenant and explains what happened', async () => {
    const first = await demo();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('A fresh emulated tenant.');
    expect(first.stdout).toContain('Plan: 6 groups to create, 0 to update, 0 to delete; 8 users to create; 11 membership patches (+24 / -0 memberships).');
    expect(first.stdout).toContain('Applied: 25 write requests');
    expect(first.stdout).toMatch(/CG-sales-emea +3 members +roles: SharedSpaceCreator/);
    expect(first.stdout).toContain('Groups it leaves alone (3): Everyone (IdP), Finance reviewers (custom, not CG-), sales (IdP)');
  });

  it('a second run is the steady state: no changes, no writes', async () => {
    const second = await demo();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('The tenant from the previous demo run');
    expect(second.stdout).toContain('No changes. The tenant matches the directory.');
    expect(second.stdout).toMatch(/Requests: \d+ in all, 0 writes/);
  });

  it('--changed is blocked by the removal limit, then applied with --allow-deletes; the rename keeps the id', async () => {
    const id = groupId('CG-sales-emea');
    const blocked = await demo('--changed');
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toContain('maxMembershipRemovalsPercent');
    expect(blocked.stdout).toContain('npm start -- --changed --allow-deletes');
    expect(groupId('CG-sales-emea')).toBe(id);

    const allowed = await demo('--changed', '--allow-deletes');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('name: CG-sales-emea -> CG-sales-europe');
    expect(allowed.stdout).toContain('Applied: 3 write requests');
    expect(groupId('CG-sales-europe')).toBe(id);
    expect((await demo('--changed')).stdout).toContain('No changes.');
  });

  it('--reset starts over with a fresh tenant, removing only the files the demo keeps', async () => {
    writeFileSync(join(stateDir, 'notes.txt'), 'mine');
    const reset = await demo('--reset');
    expect(readFileSync(join(stateDir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('A fresh emulated tenant.');
    expect(reset.stdout).toContain('Applied: 25 write requests');
  });
});
