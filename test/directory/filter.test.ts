import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/directory/filter-match.ts';
import { andFilters, equalityFilter, escapeFilterValue, normalizeFilterEscapes, orFilters, parenthesize } from '../../src/directory/filter.ts';
import type { RawEntry } from '../../src/directory/entry.ts';
import { DirectoryError } from '../../src/errors.ts';

function entry(dn: string, attributes: Record<string, string[]>): RawEntry {
  return { dn, attributes: new Map(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v])) };
}

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the filter specials and NUL', () => {
    expect(escapeFilterValue('a*b(c)\\d\0e')).toBe('a\\2ab\\28c\\29\\5cd\\00e');
  });

  it('leaves other characters, non-ASCII included, as they are', () => {
    expect(escapeFilterValue('Zoë, Jr. = #1 ')).toBe('Zoë, Jr. = #1 ');
  });

  it('produces filters that match the value literally', () => {
    const hostile = 'x)(uid=*';
    const parsed = FilterParser.parseString(equalityFilter('uid', hostile));
    expect(parsed.constructor.name).toBe('EqualityFilter');
    expect((parsed as unknown as { value: string }).value).toBe(hostile);
    const matches = compileFilter(equalityFilter('uid', hostile));
    expect(matches(entry('uid=a', { uid: [hostile] }))).toBe(true);
    expect(matches(entry('uid=b', { uid: ['anything'] }))).toBe(false);
  });
});

describe('filter composition', () => {
  it('parenthesizes and combines', () => {
    expect(parenthesize('objectClass=user')).toBe('(objectClass=user)');
    expect(andFilters('(a=1)', 'b=2')).toBe('(&(a=1)(b=2))');
    expect(orFilters('(a=1)', '(a=1)')).toBe('(a=1)');
    expect(orFilters('(a=1)', '(b=2)')).toBe('(|(a=1)(b=2))');
  });
});

describe('normalizeFilterEscapes', () => {
  it('turns escaped UTF-8 sequences into characters ldapts encodes correctly', () => {
    expect(normalizeFilterEscapes('(cn=Zo\\c3\\ab)')).toBe('(cn=Zoë)');
    expect((FilterParser.parseString(normalizeFilterEscapes('(cn=Zo\\C3\\AB)')) as unknown as { value: string }).value).toBe('Zoë');
  });

  it('keeps ASCII escapes and specials escaped', () => {
    expect(normalizeFilterEscapes('(cn=a\\2a\\28\\c3\\ab\\29)')).toBe('(cn=a\\2a\\28ë\\29)');
    expect(normalizeFilterEscapes('(cn=\\28\\c3\\ab)')).toBe('(cn=\\28ë)');
    expect(normalizeFilterEscapes('(objectGUID=\\ff\\fe)')).toBe('(objectGUID=\\ff\\fe)');
  });
});

describe('compileFilter (LDIF source)', () => {
  const alice = entry('uid=alice,ou=People,dc=example,dc=test', {
    objectClass: ['top', 'inetOrgPerson'],
    uid: ['alice'],
    cn: ['Alice  Liddell'],
    mail: ['Alice@Example.test'],
    userAccountControl: ['514'],
    memberOf: ['CN=Staff,OU=Groups,DC=example,DC=test'],
    objectCategory: ['CN=Person,CN=Schema,CN=Configuration,DC=example,DC=test'],
  });

  it.each([
    ['(objectClass=inetOrgPerson)', true],
    ['(objectclass=INETORGPERSON)', true],
    ['(&(objectClass=inetOrgPerson)(uid=alice))', true],
    ['(&(objectClass=inetOrgPerson)(uid=bob))', false],
    ['(|(uid=bob)(mail=alice@example.test))', true],
    ['(!(uid=alice))', false],
    ['(cn=alice liddell)', true],
    ['(cn=Ali*Lid*)', true],
    ['(cn=*dell)', true],
    ['(mail=alice@example-*)', false],
    ['(cn=alice l-*)', false],
    ['(uid=al-ice)', false],
    ['(cn=*xyz*)', false],
    ['(mail=*)', true],
    ['(telephoneNumber=*)', false],
    ['(userAccountControl>=500)', true],
    ['(userAccountControl<=99)', false],
    ['(userAccountControl:1.2.840.113556.1.4.803:=2)', true],
    ['(userAccountControl:1.2.840.113556.1.4.803:=514)', true],
    ['(userAccountControl:1.2.840.113556.1.4.803:=16)', false],
    ['(userAccountControl:1.2.840.113556.1.4.804:=18)', true],
    ['(memberOf=cn=staff,ou=groups,dc=example,dc=test)', true],
    ['(&(objectCategory=person)(objectClass=inetOrgPerson))', true],
    ['(objectCategory=group)', false],
  ])('%s -> %s', (filter, expected) => {
    expect(compileFilter(filter)(alice)).toBe(expected);
  });

  it('refuses what it cannot evaluate', () => {
    expect(() => compileFilter('(memberOf:1.2.840.113556.1.4.1941:=cn=x)')).toThrow(DirectoryError);
    expect(() => compileFilter('(cn=unbalanced')).toThrow(/invalid LDAP filter/);
  });
});
