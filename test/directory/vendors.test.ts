import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawEntry } from '../../src/directory/entry.ts';
import { decodeObjectGuid, detectKind, detectLdifKind, encodeObjectGuid, resolveKind, vendorFor } from '../../src/directory/vendors.ts';

function entry(attributes: Record<string, Array<string | Buffer>>, dn = 'cn=x'): RawEntry {
  return { dn, attributes: new Map(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v])) };
}

describe('objectGUID', () => {
  it('decodes the mixed-endian layout AD uses', () => {
    // Bytes as stored (and sent) by AD; the first three fields are little-endian.
    const bytes = Buffer.from('be48c3c18ec27c41999cbe3e9678d0a8', 'hex');
    expect(decodeObjectGuid(bytes)).toBe('c1c348be-c28e-417c-999c-be3e9678d0a8');
    expect(encodeObjectGuid('c1c348be-c28e-417c-999c-be3e9678d0a8').equals(bytes)).toBe(true);
  });

  it('rejects values that are not 16 bytes', () => {
    expect(decodeObjectGuid(Buffer.alloc(15))).toBeUndefined();
    expect(vendorFor('activeDirectory').decodeId(Buffer.alloc(17))).toBeUndefined();
  });

  it('accepts the text form some exports write', () => {
    const ad = vendorFor('activeDirectory');
    expect(ad.decodeId('{C1C348BE-C28E-417C-999C-BE3E9678D0A8}')).toBe('c1c348be-c28e-417c-999c-be3e9678d0a8');
    expect(ad.decodeId('not a guid')).toBeUndefined();
  });
});

describe('entryUUID', () => {
  it('is normalised to lower case and validated', () => {
    const ol = vendorFor('openldap');
    expect(ol.decodeId('726E5360-7B59-1041-9090-27742FC0D32C')).toBe('726e5360-7b59-1041-9090-27742fc0d32c');
    expect(ol.decodeId(Buffer.from('726e5360-7b59-1041-9090-27742fc0d32c'))).toBe('726e5360-7b59-1041-9090-27742fc0d32c');
    expect(ol.decodeId('726e5360')).toBeUndefined();
  });

  it('takes any spelling the UUID grammar allows, and only those, however close to canonical', () => {
    // The canonical form skips the regular expression: both ways must agree on every string.
    const grammar = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;
    const reference = (value: string): string | undefined => grammar.exec(value.trim())?.[1]!.toLowerCase();
    const canonical = '726e5360-7b59-1041-9090-27742fc0d32c';
    const edits = fc.array(fc.tuple(fc.nat({ max: 37 }), fc.constantFrom(...'0aAfFgG-{} '.split(''), '')), { maxLength: 3 });
    const ol = vendorFor('openldap');
    fc.assert(
      fc.property(edits, (changes) => {
        let value = canonical;
        for (const [at, to] of changes) value = value.slice(0, at) + to + value.slice(at + 1);
        expect(ol.decodeId(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('disabled accounts', () => {
  it('AD: userAccountControl bit 2', () => {
    const ad = vendorFor('activeDirectory');
    expect(ad.isDisabled(entry({ userAccountControl: ['514'] }))).toBe(true);
    expect(ad.isDisabled(entry({ userAccountControl: ['66050'] }))).toBe(true); // 0x10202
    expect(ad.isDisabled(entry({ userAccountControl: ['512'] }))).toBe(false);
    expect(ad.isDisabled(entry({ userAccountControl: ['66048'] }))).toBe(false); // 0x10200
    expect(ad.isDisabled(entry({}))).toBe(false);
  });

  it('OpenLDAP: a ppolicy lock (pwdAccountLockedTime present)', () => {
    const ol = vendorFor('openldap');
    expect(ol.isDisabled(entry({ pwdAccountLockedTime: ['000001010000Z'] }))).toBe(true);
    expect(ol.isDisabled(entry({ uid: ['x'] }))).toBe(false);
    expect(ol.disabledAttributes).toEqual(['pwdAccountLockedTime']);
  });
});

describe('member attributes', () => {
  it('AD reads member, in ranges of 1500', () => {
    const ad = vendorFor('activeDirectory');
    expect(ad.memberAttributes(undefined)).toEqual([{ name: 'member', values: 'dn' }]);
    expect(ad.rangeSize).toBe(1500);
  });

  it('OpenLDAP reads member, uniqueMember and memberUid by default, or the configured one', () => {
    const ol = vendorFor('openldap');
    expect(ol.memberAttributes(undefined)).toEqual([
      { name: 'member', values: 'dn' },
      { name: 'uniqueMember', values: 'dn' },
      { name: 'memberUid', values: 'uid' },
    ]);
    expect(ol.memberAttributes('uniqueMember')).toEqual([{ name: 'uniqueMember', values: 'dn' }]);
    expect(ol.memberAttributes('memberUID')).toEqual([{ name: 'memberUID', values: 'uid' }]);
    expect(ol.rangeSize).toBeUndefined();
  });

  it('strips the optional UID of a uniqueMember value', () => {
    expect(vendorFor('openldap').memberValueToDn("uid=a,ou=people,dc=x#'0101'B")).toBe('uid=a,ou=people,dc=x');
    expect(vendorFor('openldap').memberValueToDn('uid=a\\#1,dc=x')).toBe('uid=a\\#1,dc=x');
  });
});

describe('vendor detection', () => {
  it('recognises AD (and Samba) by capability or forest level', () => {
    expect(detectKind(entry({ supportedCapabilities: ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1670'] }))).toBe('activeDirectory');
    expect(detectKind(entry({ forestFunctionality: ['7'] }))).toBe('activeDirectory');
  });

  it('takes anything else for OpenLDAP', () => {
    expect(detectKind(entry({ namingContexts: ['dc=example,dc=test'], supportedControl: ['1.2.840.113556.1.4.319'] }))).toBe('openldap');
    expect(detectKind(entry({}))).toBe('openldap');
  });

  it('honours a configured kind over detection', () => {
    expect(resolveKind('openldap', entry({ forestFunctionality: ['7'] }))).toBe('openldap');
    expect(resolveKind('auto', entry({ forestFunctionality: ['7'] }))).toBe('activeDirectory');
  });

  it('reads an LDIF export by its id attributes', () => {
    expect(detectLdifKind([entry({ cn: ['x'] }), entry({ objectGUID: [Buffer.alloc(16)] })])).toBe('activeDirectory');
    expect(detectLdifKind([entry({ entryUUID: ['726e5360-7b59-1041-9090-27742fc0d32c'] })])).toBe('openldap');
    expect(detectLdifKind([entry({ cn: ['x'] })])).toBeUndefined();
  });
});
