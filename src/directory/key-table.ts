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
// number and the first RDN's bytes, so a lookup reads one line and checks every byte there, four
// bytes (one word) at a time.

import { latin1Text } from './slice.ts';

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
const WORD_PRIME = 0x9e3779b1 | 0;

// DNs are read four bytes at a time, as little-endian 32-bit words (DataView), with bit tricks
// that work on each byte of a word at once ("SWAR"). They hold for words whose bytes are all
// ASCII (below 0x80); a word with a byte from 0x80 up is never part of a plain DN, and is left to
// the byte-by-byte code. With every byte below 0x80 no addition below carries into the next byte.
const HIGH_BITS = 0x80808080 | 0;
const LOW_BITS = 0x01010101;
const COMMAS = 0x2c2c2c2c;

/** 0x80 in each byte of `w` that is a capital A-Z (every byte of `w` ASCII). */
function capitalBits(w: number): number {
  // b + 0x3f reaches 0x80 from 'A' (0x41) on, b + 0x25 from just after 'Z' (0x5b) on.
  return ((w + 0x3f3f3f3f) | 0) & ~((w + 0x25252525) | 0) & HIGH_BITS;
}

/** `w` with its capitals in lower case (0x20 added to each; every byte of `w` ASCII). */
function foldWord(w: number, capitals: number): number {
  return (w + (capitals >>> 2)) | 0;
}

/** How many bytes of `w` come before its first comma (4: none; every byte of `w` ASCII). */
function bytesBeforeComma(w: number): number {
  const x = w ^ COMMAS;
  // The classic zero-byte test: the lowest byte it flags is exact (higher ones may not be).
  const zeros = ((x - LOW_BITS) | 0) & ~x & HIGH_BITS;
  return zeros === 0 ? 4 : (31 - Math.clz32(zeros & -zeros)) >> 3;
}

/** `n` (at most 4) characters of `text` from `start` on, as one little-endian word (the rest 0). */
function textWord(text: string, start: number, n: number): number {
  let word = 0;
  for (let k = 0; k < n; k++) word |= text.charCodeAt(start + k) << (k * 8);
  return word;
}

/** The first `n` bytes (0-3) of `w`, the others zero. */
function firstBytes(w: number, n: number): number {
  return w & ((1 << (n * 8)) - 1);
}

/** The final mix of a word hash, so that every input bit reaches the low bits the index uses. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

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
  private indexed = 0;
  /** Numbers of the parent DN keys (everything after the first RDN; '' for none). */
  private readonly parents = new Map<string, number>([['', 0]]);
  /** The last parent looked up from bytes, lower-case: its length, its bytes as little-endian words, its number. */
  private lastParentLength = 0;
  private lastParentWords = new Int32Array(0);
  /** Its last four bytes as one word (when it has four). */
  private lastParentTail = 0;
  private lastParentNumber = 0;
  /** The buffer being read, and a DataView of it for reading words. */
  private viewed: Buffer | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
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
    if (buf !== this.viewed) this.viewOf(buf);
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
    const text = latin1Text(buf, parentStart, end).toLowerCase();
    const parent = this.parentNumber(text);
    this.setLastParent(text, parent);
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
    const dn = latin1Text(buf, start, end);
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
    if (buf !== this.viewed) this.viewOf(buf);
    if (this.hashes.length < count) {
      this.hashes = new Int32Array(Math.max(count, this.hashes.length * 2));
      this.rdnEnds = new Int32Array(this.hashes.length);
    }
    if (count === 0) return;
    // The first value one by one: it makes its parent the last one seen (an entry's own DN, looked
    // up just before, usually has another parent than its members).
    out[0] = this.idOfPlainBytes(buf, starts[0]!, ends[0]!);
    // Each pass is a method of its own, a loop and nothing after it: a long first call has its loop
    // compiled while it runs (on-stack replacement), and that code is kept for later calls. Code
    // after the loop, not yet run when it was compiled, would send every later call back to the
    // interpreter when it got there.
    const parent = this.lastParentNumber;
    this.hashUnderLastParent(buf, starts, ends, count, parent);
    this.touched = this.readAhead(count);
    this.lookUpHashed(buf, starts, ends, count, parent, out);
  }

  /** idsOfPlainBytes' first pass: each DN's slot hash (-1: not under the last parent) and where its first RDN ends. */
  private hashUnderLastParent(buf: Buffer, starts: Int32Array, ends: Int32Array, count: number, parent: number): void {
    const hashes = this.hashes;
    const rdnEnds = this.rdnEnds;
    for (let k = 1; k < count; k++) {
      const end = ends[k]!;
      const hash = this.hashFirstRdn(buf, starts[k]!, end);
      rdnEnds[k] = this.rdnEnd;
      hashes[k] = this.underLastParent(buf, this.rdnEnd, end) ? Math.imul(hash ^ parent, FNV_PRIME) & 0x7fffffff : -1;
    }
  }

  /** idsOfPlainBytes' second pass: each hashed DN's slot read, in reads that do not wait for each other. */
  private readAhead(count: number): number {
    const hashes = this.hashes;
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    let sum = 0;
    for (let k = 1; k < count; k++) {
      const hash = hashes[k]!;
      if (hash >= 0) sum = (sum + slots[(hash & mask) * SLOT]!) & 0xffffff;
    }
    return sum;
  }

  /** idsOfPlainBytes' last pass: each DN looked up (the slot now in the cache), or added. */
  private lookUpHashed(buf: Buffer, starts: Int32Array, ends: Int32Array, count: number, parent: number, out: Int32Array): void {
    const hashes = this.hashes;
    const rdnEnds = this.rdnEnds;
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

  private viewOf(buf: Buffer): void {
    this.viewed = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  /** Makes `text` (a lower-case parent key) the last parent seen, number `parent`. */
  private setLastParent(text: string, parent: number): void {
    const words = new Int32Array((text.length + 3) >> 2);
    for (let j = 0; j < words.length; j++) words[j] = textWord(text, j * 4, Math.min(4, text.length - j * 4));
    this.lastParentLength = text.length;
    this.lastParentWords = words;
    this.lastParentTail = textWord(text, Math.max(0, text.length - 4), Math.min(4, text.length));
    this.lastParentNumber = parent;
  }

  /**
   * The hash of the DN's first RDN (`buf[start, …)` up to its first comma), case-folded, read a
   * word at a time; where that RDN ends is left in `rdnEnd`, and whether it had capitals in
   * `upper`. The same bytes give the same hash whatever follows them.
   */
  private hashFirstRdn(buf: Buffer, start: number, end: number): number {
    const view = this.view;
    let hash = FNV_OFFSET;
    let capitals = 0;
    // The last word may reach past `end` (the buffer goes on): what lies past it is not looked at.
    const readable = view.byteLength - 4;
    for (let i = start; ; i += 4) {
      if (i > readable) return this.hashFirstRdnBytes(buf, i, end, hash, capitals);
      const w = view.getInt32(i, true);
      if ((w & HIGH_BITS) !== 0) return this.hashFirstRdnBytes(buf, i, end, hash, capitals);
      let before = bytesBeforeComma(w);
      if (end - i < before) before = end - i;
      const bits = capitalBits(w);
      if (before < 4) {
        this.rdnEnd = i + before;
        this.upper = (capitals | firstBytes(bits, before)) !== 0;
        return finish(before === 0 ? hash : Math.imul(hash ^ firstBytes(foldWord(w, bits), before), WORD_PRIME));
      }
      capitals |= bits;
      hash = Math.imul(hash ^ foldWord(w, bits), WORD_PRIME);
    }
  }

  /** hashFirstRdn from `i` on, byte by byte: the last bytes before `end`, or a word with a byte from 0x80 up. */
  private hashFirstRdnBytes(buf: Buffer, i: number, end: number, hash: number, capitals: number): number {
    let upper = capitals !== 0;
    let word = 0;
    let n = 0;
    for (; i < end; i++) {
      let code = buf[i]!;
      if (code === COMMA) break;
      if (code >= 0x41 && code <= 0x5a) {
        code += 0x20;
        upper = true;
      }
      word |= code << (n * 8);
      if (++n === 4) {
        hash = Math.imul(hash ^ word, WORD_PRIME);
        word = 0;
        n = 0;
      }
    }
    this.rdnEnd = i;
    this.upper = upper;
    return finish(n === 0 ? hash : Math.imul(hash ^ word, WORD_PRIME));
  }

  /**
   * Whether the DN whose first RDN ends at `rdnEnd` has the last parent seen, compared
   * case-folded, a word at a time; capitals in the parent are added to `upper`.
   */
  private underLastParent(buf: Buffer, rdnEnd: number, end: number): boolean {
    const length = this.lastParentLength;
    // No parent (a one-RDN DN) only for a DN with no comma: `cn=a,` is not plain, not `cn=a`.
    if (length === 0) return rdnEnd === end;
    const parentStart = rdnEnd < end ? rdnEnd + 1 : end;
    if (end - parentStart !== length) return false;
    if (length < 4) return this.underLastParentBytes(buf, parentStart, length);
    const words = this.lastParentWords;
    const view = this.view;
    // Whole words, then the last four bytes as one word (overlapping the last whole one).
    const whole = (length - 1) >> 2;
    let capitals = 0;
    for (let j = 0; j < whole; j++) {
      const w = view.getInt32(parentStart + j * 4, true);
      // A byte from 0x80 up is in no plain parent: not the last one.
      if ((w & HIGH_BITS) !== 0) return false;
      const bits = capitalBits(w);
      if (foldWord(w, bits) !== words[j]) return false;
      capitals |= bits;
    }
    const w = view.getInt32(parentStart + length - 4, true);
    if ((w & HIGH_BITS) !== 0) return false;
    const bits = capitalBits(w);
    if (foldWord(w, bits) !== this.lastParentTail) return false;
    if ((capitals | bits) !== 0) this.upper = true;
    return true;
  }

  /** underLastParent for a parent of fewer than four bytes. */
  private underLastParentBytes(buf: Buffer, parentStart: number, length: number): boolean {
    const last = this.lastParentWords[0]!;
    let upper = false;
    for (let k = 0; k < length; k++) {
      let code = buf[parentStart + k]!;
      if (code >= 0x41 && code <= 0x5a) {
        code += 0x20;
        upper = true;
      }
      if (code !== ((last >>> (k * 8)) & 0xff)) return false;
    }
    if (upper) this.upper = true;
    return true;
  }

  /** The id whose first RDN is `buf[start, rdnEnd)` (case-folded) under parent number `parent`, or -1. */
  private probe(buf: Buffer, start: number, rdnEnd: number, hash: number, parent: number): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    const rdnLength = rdnEnd - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const entry = slots[at]!;
      if (entry === 0) return -1;
      if (slots[at + 1] !== hash || slots[at + 2] !== parent || slots[at + 3] !== rdnLength) continue;
      if (rdnLength <= INLINE_BYTES ? this.sameInline(buf, start, rdnLength, at + 4) : this.sameAsKey(buf, start, rdnLength, this.keys[entry - 1]!)) return entry - 1;
    }
  }

  /** Whether `buf[start, start + length)`, case-folded, is the first RDN kept as words from `slots[from]` on. */
  private sameInline(buf: Buffer, start: number, length: number, from: number): boolean {
    const slots = this.slots;
    const view = this.view;
    const whole = length >> 2;
    for (let j = 0; j < whole; j++) {
      const w = view.getInt32(start + j * 4, true);
      if ((w & HIGH_BITS) !== 0) return false; // kept first RDNs are ASCII
      if (foldWord(w, capitalBits(w)) !== slots[from + j]) return false;
    }
    const rest = length & 3;
    if (rest === 0) return true;
    const at = start + whole * 4;
    if (at <= view.byteLength - 4) {
      // The bytes past the first RDN (a comma, the parent) are read but not compared.
      const w = view.getInt32(at, true);
      if ((w & HIGH_BITS) === 0) return firstBytes(foldWord(w, capitalBits(w)), rest) === slots[from + whole];
    }
    let word = 0;
    for (let k = 0; k < rest; k++) {
      let code = buf[start + whole * 4 + k]!;
      if (code >= 0x41 && code <= 0x5a) code += 0x20;
      word |= code << (k * 8);
    }
    return word === slots[from + whole];
  }

  /** Whether `buf[start, start + length)`, case-folded, is how `key` starts. */
  private sameAsKey(buf: Buffer, start: number, length: number, key: string): boolean {
    for (let i = 0; i < length; i++) {
      let code = buf[start + i]!;
      if (code >= 0x41 && code <= 0x5a) code += 0x20;
      if (key.charCodeAt(i) !== code) return false;
    }
    return true;
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
    // The first RDN as little-endian words, as sameInline reads them (the unused bytes stay 0).
    if (rdnLength <= INLINE_BYTES) for (let j = 0; j * 4 < rdnLength; j++) slots[at + 4 + j] = textWord(key, j * 4, Math.min(4, rdnLength - j * 4));
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
      // The header and the words of the first RDN that are in use (the rest of a slot is 0).
      const rdnLength = old[at + 3]!;
      const used = rdnLength <= INLINE_BYTES ? 4 + ((rdnLength + 3) >> 2) : 4;
      for (let i = 0; i < used; i++) slots[to + i] = old[at + i]!;
    }
    this.slots = slots;
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
