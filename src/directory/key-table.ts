// Normalised DN keys as small numbers, for the snapshot builder. A large directory has about a
// million member values naming some hundred thousand entries: held as numbers, each value costs
// four bytes instead of a string of its own, each key is hashed once, and the member lists can
// be sorted as numbers (by each key's rank) and turned back into the one string per key.
//
// Plain DNs (dn.ts: their key is their lower-case form) can also be looked up from their bytes, as
// the wire decoder has them, so a member value that names a known entry costs no string at all.
// That lookup is most of the work of reading a large directory, and it is bound by memory, not
// by arithmetic: each value names a random one of many keys. So the byte index splits a DN into
// its first RDN and its parent (`uid=jdoe` and `ou=people,dc=example,dc=com`). Parents are few
// and repeat from one value to the next, so the parent is compared with the last one seen and
// becomes a small number; each index slot is one 64-byte cache line holding the id, the parent's
// number and the first RDN's bytes, so a lookup reads one line and checks every byte there.

/** Character classes of the plain-DN grammar (dn.ts PLAIN_DN), by byte. */
const LETTER = 1;
const TYPE_CHAR = 2; // letters, digits, '-'
const VALUE_CHAR = 4; // letters, digits, '.', '_', '@', '-'
const CLASSES = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const letter = /[A-Za-z]/.test(ch);
  const digit = /[0-9]/.test(ch);
  CLASSES[c] = (letter ? LETTER : 0) | (letter || digit || ch === '-' ? TYPE_CHAR : 0) | (letter || digit || '._@-'.includes(ch) ? VALUE_CHAR : 0);
}
const EQUALS = 0x3d;
const COMMA = 0x2c;
const SPACE = 0x20;

/**
 * The plain-DN grammar as a state machine over character codes: NEXT[state * 128 + code] is the
 * next state, or -1 when the code cannot come next (no code from 128 up can). States: 0 start of
 * an attribute type, 1 in a type, 2 start of a value, 3 in a value, 4 after a space inside a
 * value. A plain DN ends in state 3.
 */
const NEXT = new Int8Array(5 * 128).fill(-1);
for (let code = 0; code < 128; code++) {
  const cls = CLASSES[code]!;
  NEXT[0 * 128 + code] = cls & LETTER ? 1 : -1;
  NEXT[1 * 128 + code] = code === EQUALS ? 2 : cls & TYPE_CHAR ? 1 : -1;
  NEXT[2 * 128 + code] = cls & VALUE_CHAR ? 3 : -1;
  NEXT[4 * 128 + code] = cls & VALUE_CHAR ? 3 : -1;
  NEXT[3 * 128 + code] = code === COMMA ? 0 : code === SPACE ? 4 : cls & VALUE_CHAR ? 3 : -1;
}
const FINAL = 3;

/**
 * Index slots: SLOT int32s each (64 bytes). [0] id + 1 (0: empty), [1] hash, [2] parent number,
 * [3] length of the first RDN, [4..] the first RDN's bytes, lower-case, when they fit.
 */
const SLOT = 16;
const INLINE_BYTES = (SLOT - 4) * 4;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** True when `key` is a plain DN in lower case (so its bytes are its key). */
function isPlainKey(key: string): boolean {
  let state = 0;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code >= 128 || (code >= 0x41 && code <= 0x5a)) return false;
    state = NEXT[state * 128 + code]!;
    if (state < 0) return false;
  }
  return state === FINAL;
}

/**
 * Whether `buf[start, end)` is a plain DN (the grammar above, ASCII): -1 when it is not, else 1
 * when it has capitals (its key is then its lower-case form) and 0 when it has none.
 */
function plainCase(buf: Buffer, start: number, end: number): number {
  let state = 0;
  let upper = 0;
  for (let i = start; i < end; i++) {
    const code = buf[i]!;
    if (code >= 128) return -1;
    state = NEXT[state * 128 + code]!;
    if (state < 0) return -1;
    if (code >= 0x41 && code <= 0x5a) upper = 1;
  }
  return state === FINAL ? upper : -1;
}

export class KeyTable {
  /** Ids of the keys that are not plain DNs (the plain ones are in the byte index). */
  private readonly idsByKey = new Map<string, number>();
  /** Key by id. */
  private readonly keys: string[] = [];
  /** The DN a key was first seen as, where it is not the key itself (by id). */
  private readonly firstDns = new Map<number, string>();

  /** The byte index of the plain keys (see SLOT), a power of two slots. */
  private slots = new Int32Array(SLOT << 12);
  private slotBytes = new Uint8Array(this.slots.buffer);
  private indexed = 0;
  /** Numbers of the parent DN keys (everything after the first RDN; '' for none). */
  private readonly parents = new Map<string, number>([['', 0]]);
  /** The last parent looked up from bytes, lower-case, and its number. */
  private lastParent: Uint8Array = new Uint8Array(0);
  private lastParentNumber = 0;
  /** Scratch for idsOfPlainBytes: each DN's slot hash (-1: another parent), where its first RDN ends. */
  private hashes = new Int32Array(1024);
  private rdnEnds = new Int32Array(1024);
  /** Set by hashFirstRdn (and underLastParent): where the first RDN ended, whether capitals were folded. */
  private rdnEnd = 0;
  private upper = false;
  /** What idsOfPlainBytes read ahead, kept so that those reads are not optimised away. */
  touched = 0;
  /** Whether the last idOfPlainBytes had capitals to fold (its DN is then not its key's spelling). */
  folded = false;

  /** The id of `key`, new or not; `dn` is remembered as the key's spelling when the key is new. */
  id(key: string, dn?: string): number {
    // Plain keys live in the byte index only (their bytes are their key); the others in a Map.
    if (isPlainKey(key)) {
      const known = this.size;
      const id = this.idOfPlainBytes(Buffer.from(key, 'latin1'), 0, key.length);
      if (id === known && dn !== undefined && dn !== key) this.firstDns.set(id, dn);
      return id;
    }
    let id = this.idsByKey.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.idsByKey.set(key, id);
      this.keys.push(key);
      if (dn !== undefined && dn !== key) this.firstDns.set(id, dn);
    }
    return id;
  }

  private parentNumber(parent: string): number {
    let number = this.parents.get(parent);
    if (number === undefined) {
      number = this.parents.size;
      this.parents.set(parent, number);
    }
    return number;
  }

  /**
   * The id of the DN in `buf[start, end)` when it is a plain DN (its key is its lower-case form),
   * new or not; -1 when it is not plain (the caller then takes the string path: dnKey, id).
   * Plain DNs are ASCII, so the bytes are the string.
   */
  idOfPlainBytes(buf: Buffer, start: number, end: number): number {
    // Fast path: the first RDN folded and hashed, the parent compared with the last one, one
    // slot read. A hit needs no grammar check: bytes that fold to a plain key are a plain DN.
    const hash = this.hashFirstRdn(buf, start, end);
    const rdnEnd = this.rdnEnd;
    if (this.underLastParent(buf, rdnEnd, end)) {
      const parent = this.lastParentNumber;
      const slotHash = Math.imul(hash ^ parent, FNV_PRIME) & 0x7fffffff;
      const found = this.probe(buf, start, rdnEnd, slotHash, parent);
      if (found >= 0) {
        this.folded = this.upper;
        return found;
      }
      // A new key under the last parent (most new keys: the members of one OU, first seen).
      return this.addPlain(buf, start, end, rdnEnd, slotHash, parent);
    }

    // Another parent than the last: the grammar decides first, then the parent gets its number.
    const upper = plainCase(buf, start, end);
    if (upper < 0) return -1;
    const parentStart = rdnEnd < end ? rdnEnd + 1 : end;
    const text = buf.toString('latin1', parentStart, end).toLowerCase();
    const parent = this.parentNumber(text);
    this.lastParent = Buffer.from(text, 'latin1');
    this.lastParentNumber = parent;
    const slotHash = Math.imul(hash ^ parent, FNV_PRIME) & 0x7fffffff;
    const found = this.probe(buf, start, rdnEnd, slotHash, parent);
    if (found >= 0) {
      this.folded = upper === 1;
      return found;
    }
    return this.addPlain(buf, start, end, rdnEnd, slotHash, parent, upper);
  }

  /**
   * Adds the DN in `buf[start, end)`, not in the index, under parent number `parent` (its slot
   * hash given): its id, or -1 when it is not a plain DN. `upper`: plainCase's answer, if known.
   */
  private addPlain(buf: Buffer, start: number, end: number, rdnEnd: number, slotHash: number, parent: number, upper = plainCase(buf, start, end)): number {
    if (upper < 0) return -1;
    const folded = upper === 1;
    this.folded = folded;
    const dn = buf.toString('latin1', start, end);
    const key = folded ? dn.toLowerCase() : dn;
    const id = this.keys.length;
    this.keys.push(key);
    if (folded) this.firstDns.set(id, dn);
    this.index(id, slotHash, parent, key, rdnEnd - start);
    return id;
  }

  /**
   * idOfPlainBytes for many DNs at once (one attribute's values): `out[k]` is the id of the DN
   * `buf[starts[k], ends[k])`, or -1 when it is not plain. Same results, in less time: a lookup
   * of a random key is a cache miss, and one lookup after another waits for each miss in turn. So
   * this first hashes every DN whose parent is the last parent seen (the common case: members
   * under one OU), then reads each one's index slot (reads that do not depend on each other, so
   * the processor has many in flight), and only then looks them up, in order, finding the slots
   * in the cache. The first DN and a DN with another parent take idOfPlainBytes; one under the
   * last parent that is not in the index yet is added as it is met.
   */
  idsOfPlainBytes(buf: Buffer, starts: Int32Array, ends: Int32Array, count: number, out: Int32Array): void {
    if (this.hashes.length < count) {
      this.hashes = new Int32Array(Math.max(count, this.hashes.length * 2));
      this.rdnEnds = new Int32Array(this.hashes.length);
    }
    if (count === 0) return;
    // The first value one by one: it makes its parent the last one seen (an entry's own DN, looked
    // up just before, usually has another parent than its members).
    out[0] = this.idOfPlainBytes(buf, starts[0]!, ends[0]!);
    const hashes = this.hashes;
    const rdnEnds = this.rdnEnds;
    const parent = this.lastParentNumber;
    for (let k = 1; k < count; k++) {
      const end = ends[k]!;
      const hash = this.hashFirstRdn(buf, starts[k]!, end);
      rdnEnds[k] = this.rdnEnd;
      hashes[k] = this.underLastParent(buf, this.rdnEnd, end) ? Math.imul(hash ^ parent, FNV_PRIME) & 0x7fffffff : -1;
    }
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    let sum = 0;
    for (let k = 1; k < count; k++) {
      const hash = hashes[k]!;
      if (hash >= 0) sum += slots[(hash & mask) * SLOT]!;
    }
    this.touched = sum;
    for (let k = 1; k < count; k++) {
      const hash = hashes[k]!;
      if (hash < 0) {
        out[k] = this.idOfPlainBytes(buf, starts[k]!, ends[k]!);
        continue;
      }
      const found = this.probe(buf, starts[k]!, rdnEnds[k]!, hash, parent);
      out[k] = found >= 0 ? found : this.addPlain(buf, starts[k]!, ends[k]!, rdnEnds[k]!, hash, parent);
    }
  }

  /**
   * The hash of the DN's first RDN (`buf[start, …)` up to its first comma), case-folded; where that
   * RDN ends is left in `rdnEnd`, and whether it had capitals in `upper`.
   */
  private hashFirstRdn(buf: Buffer, start: number, end: number): number {
    let upper = false;
    let hash = FNV_OFFSET;
    let i = start;
    for (; i < end; i++) {
      let code = buf[i]!;
      if (code === COMMA) break;
      if (code >= 0x41 && code <= 0x5a) {
        code += 0x20;
        upper = true;
      }
      hash = Math.imul(hash ^ code, FNV_PRIME);
    }
    this.rdnEnd = i;
    this.upper = upper;
    return hash;
  }

  /**
   * Whether the DN whose first RDN ends at `rdnEnd` has the last parent seen, compared
   * case-folded; capitals in the parent are added to `upper`.
   */
  private underLastParent(buf: Buffer, rdnEnd: number, end: number): boolean {
    const last = this.lastParent;
    // No parent (a one-RDN DN) only for a DN with no comma: `cn=a,` is not plain, not `cn=a`.
    if (last.length === 0) return rdnEnd === end;
    const parentStart = rdnEnd < end ? rdnEnd + 1 : end;
    if (end - parentStart !== last.length) return false;
    let upper = false;
    for (let j = 0; j < last.length; j++) {
      let code = buf[parentStart + j]!;
      if (code >= 0x41 && code <= 0x5a) {
        code += 0x20;
        upper = true;
      }
      if (code !== last[j]) return false;
    }
    if (upper) this.upper = true;
    return true;
  }

  /** The id whose first RDN is `buf[start, rdnEnd)` (case-folded) under parent number `parent`, or -1. */
  private probe(buf: Buffer, start: number, rdnEnd: number, hash: number, parent: number): number {
    const slots = this.slots;
    const bytes = this.slotBytes;
    const mask = slots.length / SLOT - 1;
    const rdnLength = rdnEnd - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const entry = slots[at]!;
      if (entry === 0) return -1;
      if (slots[at + 1] !== hash || slots[at + 2] !== parent || slots[at + 3] !== rdnLength) continue;
      let i = 0;
      if (rdnLength <= INLINE_BYTES) {
        const inline = (at + 4) * 4;
        for (; i < rdnLength; i++) {
          let code = buf[start + i]!;
          if (code >= 0x41 && code <= 0x5a) code += 0x20;
          if (bytes[inline + i] !== code) break;
        }
      } else {
        const key = this.keys[entry - 1]!;
        for (; i < rdnLength; i++) {
          let code = buf[start + i]!;
          if (code >= 0x41 && code <= 0x5a) code += 0x20;
          if (key.charCodeAt(i) !== code) break;
        }
      }
      if (i === rdnLength) return entry - 1;
    }
  }

  private index(id: number, hash: number, parent: number, key: string, rdnLength: number): void {
    if ((this.indexed + 1) * 4 > (this.slots.length / SLOT) * 3) this.grow();
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    let slot = hash & mask;
    while (slots[slot * SLOT] !== 0) slot = (slot + 1) & mask;
    const at = slot * SLOT;
    slots[at] = id + 1;
    slots[at + 1] = hash;
    slots[at + 2] = parent;
    slots[at + 3] = rdnLength;
    if (rdnLength <= INLINE_BYTES) {
      const inline = (at + 4) * 4;
      for (let i = 0; i < rdnLength; i++) this.slotBytes[inline + i] = key.charCodeAt(i);
    }
    this.indexed++;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length / SLOT - 1;
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at] === 0) continue;
      let slot = old[at + 1]! & mask;
      while (slots[slot * SLOT] !== 0) slot = (slot + 1) & mask;
      const to = slot * SLOT;
      for (let i = 0; i < SLOT; i++) slots[to + i] = old[at + i]!;
    }
    this.slots = slots;
    this.slotBytes = new Uint8Array(slots.buffer);
  }

  get size(): number {
    return this.keys.length;
  }

  key(id: number): string {
    return this.keys[id]!;
  }

  /** The DN the key was first seen as (the key itself when it was seen as a key first). */
  dn(id: number): string {
    return this.firstDns.get(id) ?? this.keys[id]!;
  }

  /**
   * Every key's place in sorted (code unit) order: `rank[id]`, and the keys in that order, so a
   * list of ids sorts as numbers and reads back as sorted keys.
   */
  sortedOrder(): { rank: Int32Array; sorted: string[] } {
    const keys = this.keys;
    const ids = Array.from({ length: keys.length }, (_, id) => id);
    ids.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    const rank = new Int32Array(keys.length);
    const sorted = new Array<string>(keys.length);
    ids.forEach((id, position) => {
      rank[id] = position;
      sorted[position] = keys[id]!;
    });
    return { rank, sorted };
  }
}
