// Identifiers as Qlik Cloud makes them: 24 lowercase hex characters shaped like a MongoDB ObjectId
// (4 bytes of seconds, 5 random bytes fixed per generator, a 3-byte counter), so ids created later
// sort later, as they do on a real tenant. Uniqueness is also checked against what the tenant holds
// (an imported state may contain ids this generator could produce).
import { randomBytes, randomUUID } from 'node:crypto';

export const ID_PATTERN = /^[0-9a-f]{24}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export class IdGenerator {
  readonly #machine = randomBytes(5).toString('hex');
  #counter = randomBytes(3).readUIntBE(0, 3);

  next(taken: (id: string) => boolean = () => false): string {
    for (;;) {
      this.#counter = (this.#counter + 1) & 0xffffff;
      const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0').slice(-8);
      const id = `${seconds}${this.#machine}${this.#counter.toString(16).padStart(6, '0')}`;
      if (!taken(id)) return id;
    }
  }
}

/** 32 hex characters, as Qlik's traceId. */
export function traceId(): string {
  return randomBytes(16).toString('hex');
}

export function eventId(): string {
  return randomUUID();
}

/** ISO-8601 with milliseconds, always UTC (`2025-01-24T17:34:46.210Z`). */
export function isoNow(): string {
  return new Date().toISOString();
}
