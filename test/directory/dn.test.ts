import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dnKey, escapeDnValue, firstRdnValue, isWithin, parseDn, tryDnKey } from '../../src/directory/dn.ts';
import { DirectoryError } from '../../src/errors.ts';

describe('dnKey', () => {
  it('ignores case, insignificant spaces and the escaping style', () => {
    const key = 'cn=smith\\, john,ou=people,dc=example,dc=test';
    expect(dnKey('CN=Smith\\, John,OU=People,DC=Example,DC=Test')).toBe(key);
    expect(dnKey('cn=Smith\\2C John,ou=People,dc=example,dc=test')).toBe(key);
    expect(dnKey(' CN = Smith\\2c  John , OU=People ; DC=example,DC=test ')).toBe(key);
    expect(dnKey('cn="Smith, John",ou=People,dc=example,dc=test')).toBe(key);
  });

  it('decodes UTF-8 hex escapes and folds non-ASCII case', () => {
    const key = dnKey('cn=Zoë Ångström,ou=People,dc=example,dc=test');
    expect(key).toBe('cn=zoë ångström,ou=people,dc=example,dc=test');
    expect(dnKey('CN=Zo\\C3\\AB \\C3\\85ngstr\\c3\\b6m,OU=People,DC=example,DC=test')).toBe(key);
    expect(dnKey('cn=ZOË ÅNGSTRÖM,ou=people,dc=example,dc=test')).toBe(key);
    // Composed and decomposed forms of the same text are the same name.
    expect(dnKey('cn=Zoe\u0308 A\u030Angstro\u0308m,ou=People,dc=example,dc=test')).toBe(key);
  });

  it('keeps escaped specials escaped, canonically', () => {
    expect(dnKey('cn=a\\+b\\;c\\<d\\>e\\"f\\\\g,dc=x')).toBe('cn=a\\+b\\;c\\<d\\>e\\"f\\\\g,dc=x');
    expect(dnKey('cn=a\\2Bb,dc=x')).toBe('cn=a\\+b,dc=x');
    expect(dnKey('cn=\\#hash,dc=x')).toBe('cn=\\#hash,dc=x');
    expect(dnKey('cn=a=b,dc=x')).toBe('cn=a=b,dc=x');
  });

  it('sorts the AVAs of a multi-valued RDN', () => {
    expect(dnKey('uid=jdoe+CN=John Doe,dc=x')).toBe(dnKey('cn=john doe+uid=JDOE,dc=x'));
    expect(dnKey('cn=a\\+b+uid=x,dc=x')).toBe('cn=a\\+b+uid=x,dc=x');
  });

  it('keeps #hex values and strips the OID. prefix', () => {
    expect(dnKey('cn=#04024869,dc=x')).toBe('cn=#04024869,dc=x');
    expect(dnKey('OID.2.5.4.3=John,dc=x')).toBe('2.5.4.3=john,dc=x');
  });

  it('gives the empty key for the empty DN', () => {
    expect(dnKey('')).toBe('');
    expect(dnKey('   ')).toBe('');
  });

  it.each(['cn', '=x', 'cn=x,', 'cn=a"b,dc=x', 'cn=x\\', 'c n=x', 'cn=#0', 'cn="open', 'cn=\\ff\\fe'])('rejects %j with DIRECTORY_DN', (dn) => {
    expect(() => dnKey(dn)).toThrow(DirectoryError);
    try {
      dnKey(dn);
    } catch (error) {
      expect((error as DirectoryError).code).toBe('DIRECTORY_DN');
    }
    expect(tryDnKey(dn)).toBeUndefined();
  });

  it('is idempotent and round-trips any value through escapeDnValue (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ maxLength: 10 }), (value, other) => {
        const dn = `cn=${escapeDnValue(value)},ou=${escapeDnValue(other)},dc=example`;
        const rdns = parseDn(dn);
        expect(rdns[0]![0]!.value).toBe(value);
        expect(rdns[1]![0]!.value).toBe(other);
        const key = dnKey(dn);
        expect(dnKey(key)).toBe(key);
        // The same DN with every value byte hex-escaped names the same entry.
        const hex = (text: string): string => [...Buffer.from(text, 'utf8')].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
        expect(dnKey(`CN=${hex(value)},OU=${hex(other)},DC=example`)).toBe(key);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseDn', () => {
  it('unescapes values', () => {
    expect(parseDn('CN=Smith\\, John+UID=js,OU=People')).toEqual([
      [
        { type: 'cn', value: 'Smith, John' },
        { type: 'uid', value: 'js' },
      ],
      [{ type: 'ou', value: 'People' }],
    ]);
    expect(firstRdnValue('cn=Zo\\C3\\AB\\2C Jr.,dc=x')).toBe('Zoë, Jr.');
  });

  it('keeps escaped trailing spaces and drops unescaped ones', () => {
    expect(parseDn('cn=x\\ ,dc=y')[0]![0]!.value).toBe('x ');
    expect(parseDn('cn=x  ,dc=y')[0]![0]!.value).toBe('x');
  });
});

describe('isWithin', () => {
  const base = dnKey('dc=example,dc=test');
  it('is true for the base and entries below it', () => {
    expect(isWithin(base, base)).toBe(true);
    expect(isWithin(dnKey('cn=x,ou=People,DC=Example,DC=Test'), base)).toBe(true);
    expect(isWithin(dnKey('cn=x,dc=other,dc=test'), base)).toBe(false);
    expect(isWithin(dnKey('cn=x,dc=notexample,dc=test'), base)).toBe(false);
    expect(isWithin(base, '')).toBe(true);
  });

  it('is not fooled by an escaped comma', () => {
    const key = dnKey('cn=x\\,dc=example,dc=test'); // one RDN "x,dc=example" under dc=test
    expect(isWithin(key, base)).toBe(false);
    expect(isWithin(key, dnKey('dc=test'))).toBe(true);
    expect(isWithin(dnKey('cn=x\\\\,dc=example,dc=test'), base)).toBe(true); // escaped backslash, real separator
  });
});
