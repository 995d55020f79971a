// The ids a read has seen, to find entries that share one. A large directory has a hundred thousand
// ids, nearly all UUIDs in canonical form (entryUUID as slapd sends it, objectGUID as the reader
// writes it): those are kept as their 128 bits in an open-addressing table of integers, so adding
// one hashes no string and touches one 16-byte slot. Any other id goes to a Set of strings. The
// canonical form is one spelling per UUID (lower-case hex, dashes at 8, 13, 18 and 23), so two ids
// are the same string exactly when they are the same bits.

/** Hex digit values by character code (lower case only), -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) HEX[0x61 + d] = 10 + d;

/** Where each of the 32 hex digits of a canonical UUID is. */
const DIGITS = Int32Array.from({ length: 36 }, (_, i) => i).filter((i) => i !== 8 && i !== 13 && i !== 18 && i !== 23);

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
    if (!this.parse(id)) {
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

  /** Puts the bits of a canonical UUID in `bits`; false when `id` is not one. */
  private parse(id: string): boolean {
    if (id.length !== 36 || id.charCodeAt(8) !== 0x2d || id.charCodeAt(13) !== 0x2d || id.charCodeAt(18) !== 0x2d || id.charCodeAt(23) !== 0x2d) return false;
    for (let word = 0; word < 4; word++) {
      let value = 0;
      for (let k = 0; k < 8; k++) {
        const code = id.charCodeAt(DIGITS[word * 8 + k]!);
        const digit = code < 128 ? HEX[code]! : -1;
        if (digit < 0) return false;
        value = (value << 4) | digit;
      }
      this.bits[word] = value;
    }
    return true;
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    const mask = this.used.length - 1;
    // Each word mixed in by a multiplication, then the top bits taken: ids that differ in any one
    // word, in high or low bits (sequential or time-based UUIDs), land in different slots.
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
