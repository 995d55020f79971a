// Fingerprints of the two snapshots a plan is made from (`plan.basis`). `apply --plan` applies a
// saved, reviewed plan only if both sides still fingerprint the same, so a plan is never applied
// to a world it was not made for. SHA-256 over a canonical JSON of the content that planning
// reads: each record's fields in a fixed order, lists sorted by their stable key (so the order a
// server returned them in does not matter). Left out: the directory's `source` (a failover to another server of
// the same directory is not a change) and its read warnings (they change no write). The tenant's
// URL is in: a plan made for one tenant is never applied to another.
import { createHash, type Hash } from 'node:crypto';
import type { DirectorySnapshot } from '../directory/snapshot.ts';
import type { TenantSnapshot } from '../tenant/snapshot.ts';
import { compareStrings } from './lib/order.ts';

/** `sha256:<hex>` of the snapshot's planning-relevant content. */
export function fingerprint(snapshot: DirectorySnapshot | TenantSnapshot): string {
  const hash = new Chunked(createHash('sha256'));
  if ('tenantUrl' in snapshot) hashTenant(hash, snapshot);
  else hashDirectory(hash, snapshot);
  return `sha256:${hash.digest()}`;
}

/** Feeds the hash in large pieces: one update per record would dominate the cost. */
class Chunked {
  private readonly hash: Hash;
  private buffer = '';
  constructor(hash: Hash) {
    this.hash = hash;
  }
  /** One record: a JSON array of its fields in a fixed order (JSON.stringify is native and fast). */
  record(tag: string, fields: unknown[]): void {
    this.buffer += `${tag}${JSON.stringify(fields)}\n`;
    if (this.buffer.length >= 1 << 20) {
      this.hash.update(this.buffer);
      this.buffer = '';
    }
  }
  digest(): string {
    this.hash.update(this.buffer);
    return this.hash.digest('hex');
  }
}

// Each record lists the fields planning reads, in a fixed order, with `null` for an absent one.
// A field added to a snapshot type and read by planning must be added here too.

function hashDirectory(hash: Chunked, directory: DirectorySnapshot): void {
  hash.record('directory', [directory.kind]);
  for (const g of sortBy(directory.groups, (x) => x.key)) {
    hash.record('g', [g.key, g.id, g.dn, g.name, g.description ?? null, g.outsideBase === true, [...g.members].sort()]);
  }
  for (const u of sortBy(directory.users, (x) => x.key)) {
    const attributes = Object.keys(u.attributes)
      .sort()
      .map((name) => [name, u.attributes[name]]);
    hash.record('u', [u.key, u.id, u.dn, u.enabled, u.outsideBase === true, attributes]);
  }
}

function hashTenant(hash: Chunked, tenant: TenantSnapshot): void {
  hash.record('tenant', [tenant.tenantUrl]);
  for (const g of sortBy(tenant.groups, (x) => x.id)) {
    const roles = g.assignedRoles.map((r) => `${r.id}\u0000${r.name}`).sort();
    hash.record('g', [g.id, g.name, g.providerType, g.status, g.description ?? null, roles]);
  }
  for (const r of sortBy(tenant.roles, (x) => x.id)) hash.record('r', [r.id, r.name, r.type, r.level]);
  for (const u of sortBy(tenant.users, (x) => x.id)) {
    const groups = u.assignedGroups.map((a) => a.id).sort();
    hash.record('u', [u.id, u.subject, u.name ?? null, u.email ?? null, u.status, groups]);
  }
}

function sortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compareStrings(key(a), key(b)));
}
