// The plan as a versioned JSON document, for `plan --json FILE` and `apply --plan FILE`:
//
//   { "kind": "qlik-group-sync/plan", "version": 1, "createdBy": "qlik-group-sync 0.1.0",
//     "generatedAt"?: "...", "plan": { ... } }
//
// The plan inside carries no timestamp, so identical inputs give identical plans; a time is added
// beside it only when the caller passes one. Reading a document back checks everything the applier
// and the safety checks rely on, collects every problem, and reports them at once as PLAN_INVALID:
// the shape of each field, the versions, and that the counts the safety checks read (adds,
// removals, write requests, per-group removals) agree with the operations listed, so a hand-edited
// plan cannot slip past a limit by editing a number.
import { SyncError } from '../errors.ts';
import { PLAN_VERSION, writeRequestCount, type Plan } from '../reconcile/plan.ts';
import { PRODUCT, VERSION } from '../version.ts';

export const PLAN_DOCUMENT_KIND = 'qlik-group-sync/plan';
export const PLAN_DOCUMENT_VERSION = 1;

export interface PlanDocument {
  kind: typeof PLAN_DOCUMENT_KIND;
  version: typeof PLAN_DOCUMENT_VERSION;
  /** Product and version that made it. */
  createdBy: string;
  /** ISO-8601, only when the caller asked for it. */
  generatedAt?: string;
  plan: Plan;
}

export function renderPlanJson(plan: Plan, options: { generatedAt?: string } = {}): string {
  const document: PlanDocument = {
    kind: PLAN_DOCUMENT_KIND,
    version: PLAN_DOCUMENT_VERSION,
    createdBy: `${PRODUCT} ${VERSION}`,
    ...(options.generatedAt !== undefined ? { generatedAt: options.generatedAt } : {}),
    plan,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const MAX_PROBLEMS = 20;

type Check = (value: unknown, at: string) => void;

export function parsePlanDocument(text: string): PlanDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyncError('PLAN_INVALID', `the plan file is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const problems: string[] = [];
  const problem = (at: string, message: string): void => {
    problems.push(`${at}: ${message}`);
  };
  const kindOf = (v: unknown): string => (v === undefined ? 'nothing (missing)' : v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);

  const string: Check = (v, at) => {
    if (typeof v !== 'string') problem(at, `expected text, got ${kindOf(v)}`);
  };
  const count: Check = (v, at) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) problem(at, `expected a whole number >= 0, got ${kindOf(v)}`);
  };
  const boolean: Check = (v, at) => {
    if (typeof v !== 'boolean') problem(at, `expected true or false, got ${kindOf(v)}`);
  };
  const strings: Check = (v, at) => list(string)(v, at);
  const optional =
    (check: Check): Check =>
    (v, at) => {
      if (v !== undefined) check(v, at);
    };
  const list =
    (item: Check): Check =>
    (v, at) => {
      if (!Array.isArray(v)) problem(at, `expected a list, got ${kindOf(v)}`);
      else v.forEach((x, i) => item(x, `${at}[${i}]`));
    };
  const object =
    (fields: Record<string, Check>): Check =>
    (v, at) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        problem(at, `expected an object, got ${kindOf(v)}`);
        return;
      }
      const record = v as Record<string, unknown>;
      for (const [key, check] of Object.entries(fields)) check(record[key], at ? `${at}.${key}` : key);
    };
  const change = (check: Check): Check => optional(object({ from: check, to: check }));

  const planShape = object({
    version: (v, at) => {
      if (v !== PLAN_VERSION) problem(at, `expected ${PLAN_VERSION}, got ${kindOf(v)}`);
    },
    basis: object({ directory: string, tenant: string }),
    mode: (v, at) => {
      if (v !== 'sync' && v !== 'create-only' && v !== 'no-deletes') problem(at, `expected sync, create-only or no-deletes, got ${kindOf(v)}`);
    },
    createGroups: list(object({ sourceId: string, sourceDn: string, name: string, description: string, roles: strings, memberCount: count })),
    updateGroups: list(
      object({ groupId: string, sourceId: string, name: string, rename: change(string), description: change(string), roles: change(strings) }),
    ),
    deleteGroups: list(object({ groupId: string, name: string, sourceId: string, memberCount: count })),
    createUsers: list(object({ subject: string, email: optional(string), name: optional(string), sourceId: string })),
    memberships: list(
      object({
        userId: optional(string),
        subject: string,
        add: list(object({ id: optional(string), name: string })),
        remove: list(object({ id: string, name: string })),
      }),
    ),
    warnings: list(object({ code: string, message: string, subject: optional(string) })),
    stats: object({
      ownedGroups: count,
      ownedMemberships: count,
      desiredGroups: count,
      desiredMemberships: count,
      tenantGroups: count,
      membershipAdds: count,
      membershipRemovals: count,
      writeRequests: count,
      heldGroups: optional(count),
      groupRemovals: optional(list(object({ groupId: string, name: string, members: count, removals: count, deleted: boolean }))),
    }),
  });

  object({
    kind: (v, at) => {
      if (v !== PLAN_DOCUMENT_KIND) problem(at, `expected "${PLAN_DOCUMENT_KIND}", got ${kindOf(v)}: this is not a qlik-group-sync plan`);
    },
    version: (v, at) => {
      if (typeof v === 'number' && v > PLAN_DOCUMENT_VERSION) {
        problem(at, `the plan was made by a newer qlik-group-sync (document version ${v}); this one reads version ${PLAN_DOCUMENT_VERSION}`);
      } else if (v !== PLAN_DOCUMENT_VERSION) problem(at, `expected ${PLAN_DOCUMENT_VERSION}, got ${kindOf(v)}`);
    },
    createdBy: string,
    generatedAt: optional(string),
    plan: planShape,
  })(value, '');

  if (problems.length === 0) consistency((value as PlanDocument).plan, problem);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length > MAX_PROBLEMS ? `\n  ... and ${problems.length - MAX_PROBLEMS} more` : '';
    throw new SyncError('PLAN_INVALID', `invalid plan document (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${shown.join('\n  - ')}${more}`, {
      details: { problems: problems.length },
    });
  }
  return value as PlanDocument;
}

/** What the applier and the safety checks assume about a plan, beyond its shape. */
function consistency(plan: Plan, problem: (at: string, message: string) => void): void {
  const created = new Set(plan.createGroups.map((c) => c.name));
  const newUsers = new Set(plan.createUsers.map((u) => u.subject.toLowerCase()));
  const deleted = new Set(plan.deleteGroups.map((d) => d.groupId));
  let adds = 0;
  let removals = 0;
  const removalsByGroup = new Map<string, number>();
  plan.memberships.forEach((m, i) => {
    const at = `plan.memberships[${i}]`;
    if (m.userId === undefined && !newUsers.has(m.subject.toLowerCase())) problem(`${at}.userId`, `missing, and ${m.subject} is not among plan.createUsers`);
    m.add.forEach((g, j) => {
      if (g.id === undefined && !created.has(g.name)) problem(`${at}.add[${j}].id`, `missing, and ${g.name} is not among plan.createGroups`);
      if (g.id !== undefined && deleted.has(g.id)) problem(`${at}.add[${j}]`, `adds ${g.name}, which the plan deletes`);
    });
    for (const g of m.remove) removalsByGroup.set(g.id, (removalsByGroup.get(g.id) ?? 0) + 1);
    adds += m.add.length;
    removals += m.remove.length;
  });
  const stats = plan.stats;
  if (stats.membershipAdds !== adds) problem('plan.stats.membershipAdds', `is ${stats.membershipAdds}, but the patches add ${adds}`);
  if (stats.membershipRemovals !== removals) problem('plan.stats.membershipRemovals', `is ${stats.membershipRemovals}, but the patches remove ${removals}`);
  const writes = writeRequestCount(plan);
  if (stats.writeRequests !== writes) problem('plan.stats.writeRequests', `is ${stats.writeRequests}, but the plan has ${writes} operations`);
  if (stats.groupRemovals !== undefined) {
    const listed = new Map(stats.groupRemovals.map((g) => [g.groupId, g]));
    for (const [groupId, n] of removalsByGroup) {
      const entry = listed.get(groupId);
      if (!entry || entry.removals !== n || entry.members < n || entry.deleted !== deleted.has(groupId)) {
        problem('plan.stats.groupRemovals', `does not match the removals from group ${groupId} (${n})`);
      }
    }
    if (listed.size !== removalsByGroup.size) problem('plan.stats.groupRemovals', 'lists groups the patches remove no one from');
  }
}
