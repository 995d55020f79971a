// The canonical text form of a UUID, as slapd sends entryUUID and as the reader writes objectGUID:
// lower-case hex, dashes at 8, 13, 18 and 23. It is one spelling per UUID, so the reader takes
// such an id as it is (vendors.ts) and can keep it as its 128 bits (id-set.ts).

/** Hex digit values by character code (lower case only), -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) HEX[0x61 + d] = 10 + d;

/** Where each of the 32 hex digits is. */
const DIGITS = Int32Array.from({ length: 36 }, (_, i) => i).filter((i) => i !== 8 && i !== 13 && i !== 18 && i !== 23);

/**
 * Whether `value` is a UUID in canonical form; if so, its 128 bits are in `words` (four 32-bit
 * words, most significant first).
 */
export function canonicalUuidWords(value: string, words: Int32Array): boolean {
  if (value.length !== 36 || value.charCodeAt(8) !== 0x2d || value.charCodeAt(13) !== 0x2d || value.charCodeAt(18) !== 0x2d || value.charCodeAt(23) !== 0x2d) return false;
  for (let word = 0; word < 4; word++) {
    let bits = 0;
    for (let k = 0; k < 8; k++) {
      const code = value.charCodeAt(DIGITS[word * 8 + k]!);
      const digit = code < 128 ? HEX[code]! : -1;
      if (digit < 0) return false;
      bits = (bits << 4) | digit;
    }
    words[word] = bits;
  }
  return true;
}
