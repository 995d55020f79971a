// What each `sync.mode` lets a plan do, in one table (external-dns's policies). The planner asks
// this and nothing else, so the modes cannot drift apart between planning and rendering.
//
// - `sync`: everything. Groups whose directory group is gone are deleted only when
//   `sync.deleteGroups` is on too (off by default); otherwise they are left alone and reported.
// - `no-deletes`: everything except deleting groups (renames, role and description updates,
//   membership removals all happen).
// - `create-only`: creates groups and users and adds memberships, nothing else: no renames, no
//   role or description changes, no removals, no deletions. Roles are still set when a group is
//   created. It never takes access away, so it is the safe mode for a first look at production.
import type { SyncMode } from '../config/types.ts';

export interface Policy {
  mode: SyncMode;
  /** Rename groups and replace their roles and descriptions. */
  updateGroups: boolean;
  /** Remove memberships the directory no longer has. */
  removeMemberships: boolean;
  /** Delete owned groups whose directory group is gone. */
  deleteGroups: boolean;
}

export function policyFor(mode: SyncMode, deleteGroups: boolean): Policy {
  switch (mode) {
    case 'create-only':
      return { mode, updateGroups: false, removeMemberships: false, deleteGroups: false };
    case 'no-deletes':
      return { mode, updateGroups: true, removeMemberships: true, deleteGroups: false };
    case 'sync':
      return { mode, updateGroups: true, removeMemberships: true, deleteGroups };
  }
}
