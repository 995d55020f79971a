// The run report: what one run read, planned, applied and failed, with request accounting and
// timings. Written as JSON (machines, metrics) and Markdown (humans); never holds secrets.
import type { Warning } from '../directory/snapshot.ts';
import type { RequestStats } from '../tenant/snapshot.ts';

export type RunOutcome = 'no-changes' | 'dry-run' | 'applied' | 'partial' | 'blocked' | 'failed';

export interface OperationResult {
  kind: 'createGroup' | 'updateGroup' | 'deleteGroup' | 'createUser' | 'patchUser';
  /** Group name or user subject. */
  target: string;
  ok: boolean;
  error?: string;
}

export interface ChangeCounts {
  createGroups: number;
  updateGroups: number;
  deleteGroups: number;
  createUsers: number;
  membershipPatches: number;
  membershipAdds: number;
  membershipRemovals: number;
  writeRequests: number;
}

export interface SafetyViolation {
  /** Stable id of the limit, e.g. `maxGroupDeletes`. */
  limit: string;
  message: string;
  /** How far over the limit the plan is. */
  actual: number;
  allowed: number;
}

export interface RunReport {
  runId: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  dryRun: boolean;
  directory: { source: string; groups: number; users: number };
  tenant: { url: string; groups: number; users: number };
  managed: { groups: number; memberships: number };
  planned: ChangeCounts;
  applied: ChangeCounts;
  failures: OperationResult[];
  warnings: Warning[];
  violations: SafetyViolation[];
  requests: RequestStats;
  timings: { readDirectoryMs: number; readTenantMs: number; planMs: number; applyMs: number };
  error?: { code: string; message: string };
}
