// The ids a read has seen, to find entries that share one. A large directory has a hundred thousand
// ids, nearly all UUIDs in canonical form (entryUUID as slapd sends it, objectGUID as the reader
// writes it): those are kept as their 128 bits in an open-addressing table of integers, so adding
// one hashes no string and touches one 16-byte slot. Any other id goes to a Set of strings. The
// canonical form is one spelling per UUID (uuid.ts), so two such ids are the same string exactly
// when they are the same bits.
import { canonicalUuidWords } from './uuid.ts';

export class IdSet {
  /** Slots of 4 int32s (the UUID's bits); `used[slot]` says whether a slot is taken. */
  private slots = new Int32Array(4 << 12);
  private used = new Uint8Array(1 << 12);
  /** 32 minus log2 of the slot count: a slot is the top bits of the hash (they depend on every bit of it). */
  private shift = 32 - 12;
  private count = 0;
  private readonly others = new Set<string>();
  /** Scratch: the bits of the UUID being added. */
  private readonly bits = new Int32Array(4);

  /** Adds `id`; false when it was there already. */
  add(id: string): boolean {
    if (!canonicalUuidWords(id, this.bits)) {
      const before = this.others.size;
      this.others.add(id);
      return this.others.size !== before;
    }
    if ((this.count + 1) * 4 > this.used.length * 3) this.grow();
    return this.insert(this.bits[0]!, this.bits[1]!, this.bits[2]!, this.bits[3]!);
  }

  get size(): number {
    return this.count + this.others.size;
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    const mask = this.used.length - 1;
    // Each word mixed in by a multiplication, then the top bits taken (they depend on every bit of
    // every word): ids that differ only in a few high or low bits (sequential or time-based UUIDs)
    // still spread over the slots.
    const mixed = Math.imul(Math.imul(Math.imul(Math.imul(a, 0x9e3779b1) ^ b, 0x85ebca6b) ^ c, 0xc2b2ae35) ^ d, 0x27d4eb2f);
    for (let slot = mixed >>> this.shift; ; slot = (slot + 1) & mask) {
      if (this.used[slot] !== 1) {
        const at = slot * 4;
        this.slots[at] = a;
        this.slots[at + 1] = b;
        this.slots[at + 2] = c;
        this.slots[at + 3] = d;
        this.used[slot] = 1;
        this.count++;
        return true;
      }
      const at = slot * 4;
      if (this.slots[at] === a && this.slots[at + 1] === b && this.slots[at + 2] === c && this.slots[at + 3] === d) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    const oldUsed = this.used;
    this.slots = new Int32Array(old.length * 2);
    this.used = new Uint8Array(oldUsed.length * 2);
    this.shift--;
    this.count = 0;
    for (let slot = 0; slot < oldUsed.length; slot++) {
      if (oldUsed[slot] === 1) this.insert(old[slot * 4]!, old[slot * 4 + 1]!, old[slot * 4 + 2]!, old[slot * 4 + 3]!);
    }
  }
}
