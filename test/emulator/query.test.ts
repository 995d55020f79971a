// The pure query machinery: the SCIM filter parser, sorted views under inserts and removals, and
// cursor paging, which must visit every record exactly once whatever the page size and direction.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, parseFilter } from '../../src/emulator/query/filter-parse.ts';
import { decodeCursor, encodeCursor, readPage } from '../../src/emulator/query/paging.ts';
import { compareEntries, SortedView, type Entry } from '../../src/emulator/query/sorted-view.ts';

describe('filter parser', () => {
  it('parses comparisons, precedence (not > and > or), parentheses and both quote styles', () => {
    expect(parseFilter('name eq "a"')).toEqual({ kind: 'cmp', attr: 'name', op: 'eq', value: 'a' });
    expect(parseFilter("NAME Co 'it''s'".replace("''", "\\'"))).toEqual({ kind: 'cmp', attr: 'NAME', op: 'co', value: "it's" });
    expect(parseFilter('a eq "1" or b eq "2" and c eq "3"')).toEqual({
      kind: 'or',
      left: { kind: 'cmp', attr: 'a', op: 'eq', value: '1' },
      right: { kind: 'and', left: { kind: 'cmp', attr: 'b', op: 'eq', value: '2' }, right: { kind: 'cmp', attr: 'c', op: 'eq', value: '3' } },
    });
    expect(parseFilter('(a eq "1" OR b eq "2") AND c pr')).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'pr', attr: 'c' } });
    expect(parseFilter('not (a eq "1")')).toEqual({ kind: 'not', expr: { kind: 'cmp', attr: 'a', op: 'eq', value: '1' } });
    expect(parseFilter('a eq "say \\"hi\\" \\u00e9"')).toMatchObject({ value: 'say "hi" é' });
    expect(parseFilter('n gt 5 and b eq true and c eq null')).toMatchObject({ left: { left: { value: 5 }, right: { value: true } }, right: { value: null } });
    expect(parseFilter('assignedRoles.name eq "x"')).toMatchObject({ attr: 'assignedRoles.name' });
  });

  it('explains what is wrong, with the position', () => {
    const message = (text: string): string => {
      try {
        parseFilter(text);
      } catch (error) {
        expect(error).toBeInstanceOf(FilterSyntaxError);
        return (error as Error).message;
      }
      throw new Error(`parsed: ${text}`);
    };
    expect(message('')).toBe('empty filter');
    expect(message('a eq "x')).toMatch(/unterminated string starting at position 6/);
    expect(message('a zz "x"')).toMatch(/unknown operator "zz" at position 3/);
    expect(message('a eq x')).toMatch(/unquoted value "x"/);
    expect(message('(a eq "x"')).toMatch(/missing "\)"/);
    expect(message('a eq "x")')).toMatch(/unexpected "\)" at position 9/);
    expect(message('emails[type eq "work"]')).toMatch(/value paths/);
    expect(message('not a eq "x"')).toMatch(/expected "\(" after "not"/);
    expect(message('('.repeat(100) + 'a eq "x"' + ')'.repeat(100))).toMatch(/nested more than/);
    expect(message('a eq "' + 'x'.repeat(10_001) + '"')).toMatch(/longer than/);
  });

  it('never throws anything but FilterSyntaxError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          parseFilter(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FilterSyntaxError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('cursors', () => {
  it('round-trip and refuse anything else', () => {
    const cursor = { sort: '+name', key: 'ünïcode "key"', id: 'abcabcabcabcabcabcabcabc' };
    expect(decodeCursor(encodeCursor(cursor), 'next')).toEqual(cursor);
    for (const bad of ['', '!!!', Buffer.from('[1,2,3]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      expect(() => decodeCursor(bad, 'next')).toThrow(/not a cursor/);
    }
  });
});

function entries(ids: number[]): Entry[] {
  return ids.map((n) => ({ key: `k${String(n % 7)}`, id: n.toString(16).padStart(24, '0') })).sort(compareEntries);
}

describe('sorted view', () => {
  it('stays sorted through splices, bulk merges and removals', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(300)), { maxLength: 200 }), (steps) => {
        const live = new Map<string, Entry>();
        const view = new SortedView(() => [...live.values()]);
        view.entries();
        for (const [add, n] of steps) {
          const entry = { key: `k${n % 13}`, id: n.toString(16).padStart(24, '0') };
          if (add && !live.has(entry.id)) {
            live.set(entry.id, entry);
            view.insert(entry);
          } else if (!add && live.has(entry.id)) {
            live.delete(entry.id);
            view.remove(entry);
          }
          if (n % 5 === 0) expect(view.entries()).toEqual([...live.values()].sort(compareEntries));
        }
        expect(view.entries()).toEqual([...live.values()].sort(compareEntries));
      }),
      { numRuns: 200 },
    );
  });
});

describe('paging', () => {
  it('visits every matching entry exactly once forwards and backwards, in order, for any limit and direction', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(500), { maxLength: 80 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.nat(3), (ids, limit, descending, modulo) => {
        const all = entries(ids);
        const match = modulo === 0 ? undefined : (id: string) => parseInt(id, 16) % (modulo + 1) !== 0;
        const expected = (descending ? [...all].reverse() : all).filter((e) => !match || match(e.id));
        const forward: Entry[] = [];
        let page = readPage(all, { limit, descending, direction: 'next' }, match);
        expect(page.hasPrev).toBe(false);
        forward.push(...page.entries);
        const pages = [page];
        while (page.hasNext) {
          const last = page.entries[page.entries.length - 1]!;
          page = readPage(all, { limit, descending, direction: 'next', cursor: { sort: 's', key: last.key, id: last.id } }, match);
          expect(page.hasPrev).toBe(true);
          forward.push(...page.entries);
          pages.push(page);
        }
        expect(forward).toEqual(expected);
        // Walk back from the last page with prev: the same pages, in reverse.
        for (let i = pages.length - 1; i > 0; i--) {
          const first = pages[i]!.entries[0]!;
          const back = readPage(all, { limit, descending, direction: 'prev', cursor: { sort: 's', key: first.key, id: first.id } }, match);
          expect(back.entries).toEqual(pages[i - 1]!.entries);
          expect(back.hasNext).toBe(true);
          expect(back.hasPrev).toBe(i - 1 > 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
