import { describe, expect, it } from 'vitest';
import { KeyTable } from '../../src/directory/key-table.ts';

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
