// IdSet: the ids a read has seen. Canonical UUIDs are kept as bits, everything else as strings; it
// must answer exactly as a Set of the strings would, whatever the mix.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/directory/id-set.ts';

const hex = (digits: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${digits}}$`));
const canonical = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'));
/** Ids that are almost the canonical UUID `id` (and so must be told apart from it as strings). */
const variants = (id: string): string[] => [
  id.toUpperCase(),
  `{${id}}`,
  `${id}0`,
  id.slice(0, 35),
  id.replace('-', ''),
  `${id.slice(0, 8)}_${id.slice(9)}`,
  ...['g', 'G', ':', '/', '`', '\u00e9', '\u0661'].map((c) => `${id.slice(0, 35)}${c}`),
  `${c(id, 0)}${id.slice(1)}`,
];
/** The id with its first digit changed (another canonical UUID, one bit pattern away). */
function c(id: string, at: number): string {
  return id[at] === '0' ? '1' : '0';
}

describe('IdSet', () => {
  it('adds as a Set of strings does: true for a new id, false for one seen before', () => {
    fc.assert(
      fc.property(fc.array(canonical, { minLength: 1, maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 300 }), fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }), (bases, picks, strings) => {
        // Each base id, its near misses, and any strings, in an order with repeats.
        const pool = [...bases.flatMap((id) => [id, ...variants(id)]), ...strings];
        const sequence = picks.map(([i]) => pool[i % pool.length]!);
        const set = new IdSet();
        const seen = new Set<string>();
        for (const id of sequence) {
          const before = seen.size;
          seen.add(id);
          expect(set.add(id)).toBe(seen.size !== before);
        }
        expect(set.size).toBe(seen.size);
      }),
    );
  });

  it('tells apart ids that differ in one of their four 8-digit words only', () => {
    const set = new IdSet();
    const base = '0123abcd456789abcdef01230123abcd';
    const canonicalOf = (digits: string): string => `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
    const ids: string[] = [];
    for (let word = 0; word < 4; word++) {
      for (let i = 1; i <= 3_000; i++) {
        const value = ((i * 40503) >>> 0).toString(16).padStart(8, '0');
        ids.push(canonicalOf(`${base.slice(0, word * 8)}${value}${base.slice(word * 8 + 8)}`));
      }
    }
    expect(new Set(ids).size).toBe(12_000);
    for (const id of ids) expect(set.add(id)).toBe(true);
    for (const id of ids) expect(set.add(id)).toBe(false);
    expect(set.size).toBe(12_000);
  });

  it('keeps every id through its table growing (100,000 canonical ids, each then added again)', () => {
    const set = new IdSet();
    const ids = Array.from({ length: 100_000 }, (_, i) => {
      const h = (i * 2654435761) >>> 0;
      const word = (n: number) => n.toString(16).padStart(8, '0');
      return `${word(h)}-${word(i).slice(0, 4)}-${word(i).slice(4)}-${word(~h >>> 0).slice(0, 4)}-${word(~h >>> 0).slice(4)}${word(i).slice(0, 4)}`;
    });
    for (const id of ids) expect(set.add(id)).toBe(true);
    expect(set.size).toBe(100_000);
    for (const id of ids) expect(set.add(id)).toBe(false);
    // Ids that differ from a stored one in one digit only are new.
    expect(set.add(`${ids[7]!.slice(0, 35)}${ids[7]!.endsWith('0') ? '1' : '0'}`)).toBe(true);
    expect(set.size).toBe(100_001);
  });
});
