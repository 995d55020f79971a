// Request accounting: every HTTP exchange with the tenant, counted by rate-limit tier and outcome,
// for the run report and the metrics endpoint. Counting happens at the HTTP edge (one count per
// request actually sent), so retries, token requests and idempotency re-reads are all visible.
import type { RequestStats } from './snapshot.ts';

export type Tier = 'tier1' | 'tier2' | 'special' | 'oauth';
export type Outcome = 'ok' | '429' | '4xx' | '5xx' | 'network' | 'timeout' | 'protocol' | 'aborted';

export class RequestAccounting {
  #byTier = new Map<Tier, Map<Outcome, number>>();
  #total = 0;
  #writes = 0;
  #retries = 0;
  #rateLimited = 0;

  /** One request that was sent (or tried to be): its tier, whether it writes, how it ended. */
  record(tier: Tier, write: boolean, outcome: Outcome): void {
    let outcomes = this.#byTier.get(tier);
    if (!outcomes) this.#byTier.set(tier, (outcomes = new Map()));
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    this.#total++;
    if (write) this.#writes++;
    if (outcome === '429') this.#rateLimited++;
  }

  /** One retry scheduled after a failed attempt. */
  retried(): void {
    this.#retries++;
  }

  snapshot(): RequestStats {
    const byTier: Record<string, Record<string, number>> = {};
    for (const tier of [...this.#byTier.keys()].sort()) {
      const outcomes = this.#byTier.get(tier)!;
      byTier[tier] = Object.fromEntries([...outcomes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return { byTier, total: this.#total, writes: this.#writes, retries: this.#retries, rateLimited: this.#rateLimited };
  }
}

/** Which published rate-limit tier a request falls under (QLIK-API.md, "Rate limits"). */
export function tierOf(method: string, path: string): Tier {
  if (path.startsWith('/oauth/token')) return 'oauth';
  if (/\/actions\/filter(?:$|\?)/.test(path)) return 'special';
  return method === 'GET' || method === 'HEAD' ? 'tier1' : 'tier2';
}

export function isWrite(method: string): boolean {
  return method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
}
