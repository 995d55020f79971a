// Request statistics, so tests and benchmarks can count what a client really sent: totals, writes,
// 429s served, and counts per tier, method, route template and status. Every request to /api and
// /oauth is counted, including ones answered with a 429 or an injected fault; the control surface
// (/__emulator/) is not.

export interface StatsSnapshot {
  total: number;
  /** POST/PATCH/DELETE on /api/v1/groups* and /api/v1/users*, except actions/filter. */
  writes: number;
  /** 429 answers served (rate limiter and injected). */
  rateLimited: number;
  /** Requests that got an injected fault. */
  faultsInjected: number;
  byTier: { tier1: number; tier2: number; special: number; oauth: number };
  byMethod: Record<string, number>;
  byRoute: Record<string, number>;
  /** By status code; `reset` for connections reset without an answer. */
  byStatus: Record<string, number>;
}

export interface RequestRecord {
  method: string;
  /** `PATCH /api/v1/users/{id}`; unmatched requests as `GET (unmatched)`. */
  route: string;
  tier: 'tier1' | 'tier2' | 'special' | 'oauth' | undefined;
  write: boolean;
  status: number | 'reset';
  fault: boolean;
}

function empty(): StatsSnapshot {
  return { total: 0, writes: 0, rateLimited: 0, faultsInjected: 0, byTier: { tier1: 0, tier2: 0, special: 0, oauth: 0 }, byMethod: {}, byRoute: {}, byStatus: {} };
}

export class RequestStats {
  #stats = empty();

  record(request: RequestRecord): void {
    const s = this.#stats;
    s.total++;
    if (request.write) s.writes++;
    if (request.status === 429) s.rateLimited++;
    if (request.fault) s.faultsInjected++;
    if (request.tier) s.byTier[request.tier]++;
    s.byMethod[request.method] = (s.byMethod[request.method] ?? 0) + 1;
    s.byRoute[request.route] = (s.byRoute[request.route] ?? 0) + 1;
    const status = String(request.status);
    s.byStatus[status] = (s.byStatus[status] ?? 0) + 1;
  }

  snapshot(): StatsSnapshot {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = empty();
  }
}
