import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/errors.ts';
import { parsePlanDocument, renderPlanJson } from '../../src/render/json.ts';
import { directory, dirGroup, dirUser, plan, TenantBuilder } from '../reconcile/fixtures.ts';

const alice = dirUser('alice');
const erin = dirUser('erin');

function samplePlan() {
  const t = new TenantBuilder();
  const old = t.owned('CG-Old');
  t.user('alice@example.com', [old]);
  return plan(directory([dirGroup('Sales', [alice, erin])], [alice, erin]), t.snapshot(), { deleteGroups: true, mapping: { createUsers: true } });
}

function invalid(text: string): string {
  try {
    parsePlanDocument(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).code).toBe('PLAN_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected PLAN_INVALID');
}

describe('plan JSON document', () => {
  it('round-trips, with kind, version and creator, and no time unless given', () => {
    const p = samplePlan();
    const text = renderPlanJson(p);
    const document = parsePlanDocument(text);
    expect(document).toEqual({ kind: 'qlik-group-sync/plan', version: 1, createdBy: expect.stringMatching(/^qlik-group-sync \d/), plan: p });
    expect(text).not.toContain('generatedAt');
    expect(renderPlanJson(samplePlan())).toBe(text);
    expect(parsePlanDocument(renderPlanJson(p, { generatedAt: '2025-01-24T17:34:46.210Z' })).generatedAt).toBe('2025-01-24T17:34:46.210Z');
  });

  it('rejects what is not JSON or not a plan', () => {
    expect(invalid('{')).toMatch(/not JSON/);
    expect(invalid('{"kind":"something-else","version":1}')).toMatch(/kind: expected "qlik-group-sync\/plan".*not a qlik-group-sync plan/);
  });

  it('names the version problem', () => {
    const document = JSON.parse(renderPlanJson(samplePlan()));
    document.version = 2;
    expect(invalid(JSON.stringify(document))).toContain('version: the plan was made by a newer qlik-group-sync (document version 2)');
  });

  it('lists every shape problem with its path', () => {
    const document = JSON.parse(renderPlanJson(samplePlan()));
    document.plan.mode = 'yolo';
    document.plan.createGroups[0].name = 7;
    delete document.plan.memberships[0].add;
    document.plan.stats.ownedGroups = -1;
    const message = invalid(JSON.stringify(document));
    expect(message).toMatch(/^invalid plan document \(4 problems\)/);
    expect(message).toContain('plan.mode: expected sync, create-only or no-deletes, got string "yolo"');
    expect(message).toContain('plan.createGroups[0].name: expected text, got number 7');
    expect(message).toContain('plan.memberships[0].add: expected a list, got nothing (missing)');
    expect(message).toContain('plan.stats.ownedGroups: expected a whole number >= 0');
  });

  it('refuses counts that disagree with the operations (a hand-edited plan cannot dodge a limit)', () => {
    const document = JSON.parse(renderPlanJson(samplePlan()));
    expect(document.plan.stats.membershipRemovals).toBe(1);
    document.plan.stats.membershipRemovals = 0;
    expect(invalid(JSON.stringify(document))).toContain('plan.stats.membershipRemovals: is 0, but the patches remove 1');
  });

  it('refuses references the applier could not resolve', () => {
    const document = JSON.parse(renderPlanJson(samplePlan()));
    document.plan.createUsers = [];
    document.plan.createGroups = [];
    document.plan.stats.writeRequests -= 2;
    const message = invalid(JSON.stringify(document));
    expect(message).toContain('userId: missing, and erin@example.com is not among plan.createUsers');
    expect(message).toContain('id: missing, and CG-Sales is not among plan.createGroups');
  });
});
