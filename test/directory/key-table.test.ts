import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tryDnKey } from '../../src/directory/dn.ts';
import { KeyTable } from '../../src/directory/key-table.ts';

/** DNs back to back after `offset` bytes of filler, and where each starts and ends (an attribute's values). */
function batchOf(parts: Buffer[], offset: number): { buf: Buffer; starts: Int32Array; ends: Int32Array } {
  const buf = Buffer.concat([Buffer.alloc(offset, 0x78), ...parts]);
  const starts = new Int32Array(parts.length);
  const ends = new Int32Array(parts.length);
  let at = offset;
  parts.forEach((part, k) => {
    starts[k] = at;
    at += part.length;
    ends[k] = at;
  });
  return { buf, starts, ends };
}

describe('KeyTable', () => {
  it('gives each key one id, in the order keys are first seen', () => {
    const table = new KeyTable();
    expect(table.id('uid=b,ou=people')).toBe(0);
    expect(table.id('uid=a,ou=people')).toBe(1);
    expect(table.id('uid=b,ou=people')).toBe(0);
    expect(table.size).toBe(2);
    expect(table.key(1)).toBe('uid=a,ou=people');
  });

  it('keeps the DN a key was first seen as, not later spellings', () => {
    const table = new KeyTable();
    const id = table.id('uid=a,ou=people', 'UID=A, OU=People');
    table.id('uid=a,ou=people', 'uid=A,ou=People');
    expect(table.dn(id)).toBe('UID=A, OU=People');
  });

  it('gives the key itself as the DN when the key was seen first, or spelled the same', () => {
    const table = new KeyTable();
    const entry = table.id('cn=g,ou=groups');
    table.id('cn=g,ou=groups', 'CN=G,OU=Groups');
    const plain = table.id('uid=c,ou=people', 'uid=c,ou=people');
    expect(table.dn(entry)).toBe('cn=g,ou=groups');
    expect(table.dn(plain)).toBe('uid=c,ou=people');
  });

  it('ranks keys in code unit order, as a plain sort would', () => {
    const table = new KeyTable();
    const keys = ['uid=b', 'uid=a', 'uid=B', 'cn=z', 'uid=a\\2c', 'uid=é', 'uid=aa'];
    const ids = keys.map((key) => table.id(key));
    const { rank, sorted } = table.sortedOrder();
    expect(sorted).toEqual([...keys].sort());
    ids.forEach((id, index) => expect(sorted[rank[id]!]).toBe(keys[index]));
  });
});

describe('KeyTable: plain DNs by their bytes', () => {
  const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
  const lookUp = (table: KeyTable, text: string): number => {
    // In the middle of a larger buffer, as a member value is in a message.
    const buf = Buffer.concat([bytes('xx'), bytes(text), bytes('yy')]);
    return table.idOfPlainBytes(buf, 2, 2 + Buffer.byteLength(text));
  };

  it('finds keys however they were first met, whatever the case of the bytes', () => {
    const table = new KeyTable();
    const viaString = table.id('uid=jdoe,ou=people,dc=example,dc=test');
    expect(lookUp(table, 'uid=jdoe,ou=people,dc=example,dc=test')).toBe(viaString);
    expect(lookUp(table, 'UID=JDoe,OU=People,DC=Example,DC=Test')).toBe(viaString);
    expect(table.folded).toBe(true);
    const viaBytes = lookUp(table, 'CN=Admins,OU=Groups,DC=Example,DC=Test');
    expect(table.key(viaBytes)).toBe('cn=admins,ou=groups,dc=example,dc=test');
    expect(table.dn(viaBytes)).toBe('CN=Admins,OU=Groups,DC=Example,DC=Test');
    expect(table.id('cn=admins,ou=groups,dc=example,dc=test')).toBe(viaBytes);
    expect(table.size).toBe(2);
  });

  it('tells keys apart that share a first RDN, a parent, a hash slot or a length', () => {
    const table = new KeyTable();
    const dns = ['uid=a,ou=x', 'uid=a,ou=y', 'uid=b,ou=x', 'uid=a', 'uid=ab,ou=x', 'uid=a,ou=x,dc=z', 'cn=a,ou=x'];
    const ids = dns.map((dn) => lookUp(table, dn));
    expect(new Set(ids).size).toBe(dns.length);
    dns.forEach((dn, index) => expect(lookUp(table, dn)).toBe(ids[index]));
    dns.forEach((dn, index) => expect(table.id(dn)).toBe(ids[index]));
  });

  it('keeps every key apart past growing the index, with first RDNs too long to keep in a slot', () => {
    const table = new KeyTable();
    const long = 'x'.repeat(60);
    const dns = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `cn=${long}${i},ou=groups,dc=t` : `uid=u${i},ou=people${i % 3},dc=t`));
    const ids = dns.map((dn) => lookUp(table, dn));
    expect(ids).toEqual(dns.map((_, i) => i));
    dns.forEach((dn, i) => expect(lookUp(table, dn.toUpperCase())).toBe(i));
    expect(lookUp(table, `cn=${long}7,ou=groups,dc=t`)).toBe(7);
    expect(lookUp(table, `cn=${long}8,ou=groups,dc=t`)).toBe(20_000);
  });

  it('leaves DNs that are not plain to the string path', () => {
    const table = new KeyTable();
    for (const dn of ['', 'cn=a\\,b,dc=x', 'cn=a  b,dc=x', 'cn= a,dc=x', 'cn=a,dc=x ', 'cn=a+uid=b,dc=x', 'cn=zoë,dc=x', '1.2=a,dc=x', 'cn=a,', 'cn', 'cn=#04,dc=x', 'cn="a",dc=x']) {
      expect(lookUp(table, dn)).toBe(-1);
    }
    expect(table.size).toBe(0);
  });

  it('does not take a DN that ends in a comma for the one-RDN DN before it, one by one or in a batch', () => {
    const table = new KeyTable();
    const a = lookUp(table, 'cn=a');
    expect(lookUp(table, 'cn=a,')).toBe(-1); // the last parent seen is the empty one, as for cn=a
    const values = ['uid=x,ou=p', 'o=b', 'uid=y,ou=p', 'cn=a,', 'cn=a'];
    const { buf, starts, ends } = batchOf(values.map((value) => Buffer.from(value, 'latin1')), 0);
    const out = new Int32Array(values.length);
    table.idsOfPlainBytes(buf, starts, ends, values.length, out);
    expect(out[3]).toBe(-1);
    expect(out[4]).toBe(a);
  });

  it('agrees with dnKey on every string: plain ones get the id of their key, the others none', () => {
    const alphabet = fc.constantFrom(...'aAbZ09=, .-_@+\\#"é;'.split(''));
    fc.assert(
      fc.property(fc.array(fc.string({ unit: alphabet, maxLength: 24 }), { minLength: 1, maxLength: 12 }), (texts) => {
        const table = new KeyTable();
        const byKey = new Map<string, number>();
        for (const text of texts) {
          const id = lookUp(table, text);
          const key = tryDnKey(text);
          if (id < 0) continue;
          expect(key).toBe(table.key(id));
          const seen = byKey.get(key!);
          if (seen !== undefined) expect(id).toBe(seen);
          byKey.set(key!, id);
          expect(table.id(key!)).toBe(id);
        }
        // Plain exactly when dnKey's fast path applies: a DN whose key is its lower-case form.
        for (const text of texts) {
          const plain = /^[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+(?: [A-Za-z0-9._@-]+)*(?:,[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+(?: [A-Za-z0-9._@-]+)*)*$/.test(text);
          expect(lookUp(table, text) >= 0).toBe(plain);
        }
      }),
      { numRuns: 500 },
    );
  });
  it('reads a DN the same wherever it lies and whatever follows it: at the end of its buffer, before a comma, before non-ASCII bytes', () => {
    // The index reads four bytes at a time and may read past a DN's end; what lies there must not
    // count. A reference model (lower-case DN -> id, in the order first seen) says what each id is.
    const char = fc.constantFrom(...'aBcZ09.-_@ '.split(''));
    const value = fc.array(char, { minLength: 1, maxLength: 60 }).map((cs) => cs.join('').replace(/ +/g, ' ').replace(/^ | $/g, '') || 'v');
    const rdn = fc.tuple(fc.constantFrom('uid', 'CN', 'ou', 'x'), value).map(([t, v]) => `${t}=${v}`);
    const dn = fc.array(rdn, { minLength: 1, maxLength: 4 }).map((rdns) => rdns.join(','));
    const after = fc.constantFrom(Buffer.alloc(0), Buffer.from(','), Buffer.from([0xc3, 0xa9, 0xc3, 0xa9]), Buffer.from('uid=zz,ou=p'), Buffer.from([0x04, 0x81, 0x90]));
    // A few DNs, met again and again in any case, at any offset, with anything after them.
    const item = fc.tuple(fc.nat(5), fc.nat(), fc.nat(3), after);
    fc.assert(
      fc.property(fc.array(dn, { minLength: 1, maxLength: 6 }), fc.array(item, { minLength: 1, maxLength: 40 }), fc.boolean(), (pool, items, batch) => {
        const table = new KeyTable();
        const model = new Map<string, number>();
        for (const [pick, caseBits, offset, trailer] of items) {
          const base = pool[pick % pool.length]!;
          const text = [...base].map((c, i) => ((caseBits >> i % 30) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
          const { buf, starts, ends } = batchOf([Buffer.from(text, 'latin1'), trailer], offset);
          let id: number;
          if (batch) {
            const out = new Int32Array(1);
            table.idsOfPlainBytes(buf, starts, ends, 1, out);
            id = out[0]!;
          } else {
            id = table.idOfPlainBytes(buf, starts[0]!, ends[0]!);
          }
          const key = tryDnKey(text);
          expect(key).toBe(text.toLowerCase());
          if (!model.has(key!)) model.set(key!, model.size);
          expect(id).toBe(model.get(key!));
          expect(table.key(id)).toBe(key);
        }
        expect(table.size).toBe(model.size);
      }),
      { numRuns: 1000 },
    );
  });
  it('looks up a batch (idsOfPlainBytes) exactly as one DN after another, keys added on the way included', () => {
    // Values under a few parents, in any case, repeated, some not plain: one table takes them one
    // by one, another as batches of an attribute's values; ids, keys and spellings must agree.
    const rdn = fc.constantFrom('uid=a', 'UID=A', 'uid=b', 'cn=Ab', 'uid=a b', 'cn=a\\,b', 'uid=' + 'x'.repeat(60));
    const parent = fc.constantFrom('', ',', ',ou=p,dc=t', ',OU=P,DC=T', ',ou=q,dc=t', ',ou=p', ',ou=p,dc=t ');
    const dn = fc.tuple(rdn, parent).map(([r, p]) => r + p);
    fc.assert(
      fc.property(fc.array(fc.array(dn, { maxLength: 20 }), { minLength: 1, maxLength: 8 }), (batches) => {
        const single = new KeyTable();
        const batched = new KeyTable();
        for (const batch of batches) {
          const { buf, starts, ends } = batchOf(batch.map((text) => bytes(text)), 2);
          const out = new Int32Array(batch.length);
          batched.idsOfPlainBytes(buf, starts, ends, batch.length, out);
          const expected = batch.map((_, k) => single.idOfPlainBytes(buf, starts[k]!, ends[k]!));
          expect([...out]).toEqual(expected);
        }
        expect(batched.size).toBe(single.size);
        for (let id = 0; id < single.size; id++) {
          expect(batched.key(id)).toBe(single.key(id));
          expect(batched.dn(id)).toBe(single.dn(id));
        }
      }),
      { numRuns: 500 },
    );
  });
});
