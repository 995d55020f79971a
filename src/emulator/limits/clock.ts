// Emulated time for rate limiting: with timeScale 60 one emulated minute passes per real second,
// so tests and benchmarks can run into, and out of, 5-minute rate-limit windows quickly. Only rate
// limits and Retry-After use it; timestamps on records and token lifetimes stay in real time.
import { performance } from 'node:perf_hooks';

export class EmulatedClock {
  readonly #origin = Date.now();
  readonly #originPerf = performance.now();
  #scale: number;

  constructor(timeScale = 1) {
    this.#scale = timeScale;
  }

  get timeScale(): number {
    return this.#scale;
  }

  /** Emulated milliseconds since the epoch (monotonic). */
  now(): number {
    return this.#origin + (performance.now() - this.#originPerf) * this.#scale;
  }

  /** Real milliseconds that `emulatedMs` take. */
  toReal(emulatedMs: number): number {
    return emulatedMs / this.#scale;
  }
}
