// Fault injection, so clients can be tested against what real networks and tenants do: a share
// (`rate`) of API requests gets a fault of one of the chosen kinds, drawn from a seeded generator
// so a failing run can be replayed. `429`, `500`, `503` and `reset` are decided before the request
// is processed (nothing changes); `reset-after` and `500-after` let the change happen and then lose
// the answer (a timeout after commit); `slow` delays, then answers normally.
import { ApiError } from '../http/api-error.ts';

export const FAULT_KINDS = ['429', '500', '503', 'reset', 'slow', 'reset-after', '500-after'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSettings {
  /** Share of eligible requests that get a fault, 0..1. */
  rate: number;
  kinds: FaultKind[];
  /** Seed of the generator (a random one is chosen and reported when absent). */
  seed?: number;
  /** Only POST/PATCH/DELETE/PUT requests are eligible. */
  writesOnly?: boolean;
  /** Delay of `slow` faults, milliseconds (default 1000). */
  slowMs?: number;
}

export interface FaultConfig {
  rate: number;
  kinds: FaultKind[];
  seed: number;
  writesOnly: boolean;
  slowMs: number;
}

export const DEFAULT_SLOW_MS = 1000;
export const MAX_SLOW_MS = 120_000;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normalizeFaults(value: unknown): FaultConfig {
  const bad = (detail: string): ApiError => new ApiError(400, `faults: ${detail}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('expected {rate, kinds, seed?, writesOnly?, slowMs?}');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['rate', 'kinds', 'seed', 'writesOnly', 'slowMs'].includes(key)) throw bad(`unknown property "${key}"`);
  }
  const rate = input.rate;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw bad('rate must be a number from 0 to 1');
  if (!Array.isArray(input.kinds) || input.kinds.length === 0) throw bad(`kinds must be a non-empty array of ${FAULT_KINDS.join(', ')}`);
  const kinds: FaultKind[] = [];
  for (const kind of input.kinds) {
    if (!FAULT_KINDS.includes(kind as FaultKind)) throw bad(`unknown kind ${JSON.stringify(kind)} (known: ${FAULT_KINDS.join(', ')})`);
    if (!kinds.includes(kind as FaultKind)) kinds.push(kind as FaultKind);
  }
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw bad('seed must be an integer');
  if (input.writesOnly !== undefined && typeof input.writesOnly !== 'boolean') throw bad('writesOnly must be true or false');
  const slowMs = input.slowMs ?? DEFAULT_SLOW_MS;
  if (typeof slowMs !== 'number' || !Number.isInteger(slowMs) || slowMs < 0 || slowMs > MAX_SLOW_MS) throw bad(`slowMs must be an integer from 0 to ${MAX_SLOW_MS}`);
  return { rate, kinds, seed, writesOnly: input.writesOnly === true, slowMs };
}

export class FaultInjector {
  #config: FaultConfig | null = null;
  #random: () => number = Math.random;
  #injected = 0;

  configure(settings: unknown): FaultConfig {
    const config = normalizeFaults(settings);
    this.#config = config;
    this.#random = generator(config.seed);
    this.#injected = 0;
    return { ...config, kinds: [...config.kinds] };
  }

  clear(): void {
    this.#config = null;
  }

  config(): (FaultConfig & { injected: number }) | null {
    return this.#config ? { ...this.#config, kinds: [...this.#config.kinds], injected: this.#injected } : null;
  }

  /** The fault for the next eligible request, if any. */
  decide(isWrite: boolean): FaultKind | undefined {
    const config = this.#config;
    if (!config || config.rate === 0) return undefined;
    if (config.writesOnly && !isWrite) return undefined;
    if (this.#random() >= config.rate) return undefined;
    this.#injected++;
    return config.kinds[Math.floor(this.#random() * config.kinds.length)]!;
  }

  get slowMs(): number {
    return this.#config?.slowMs ?? DEFAULT_SLOW_MS;
  }
}
