import { describe, expect, it } from 'vitest';
import { DESCRIPTION_MAX_LENGTH, isOwned, ownedDescription, ownerSourceId } from '../../src/reconcile/ownership.ts';

const GUID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';

describe('ownership marker', () => {
  it('writes a readable description with a parseable marker', () => {
    const description = ownedDescription('CN=Sales,OU=Groups,DC=example,DC=com', GUID);
    expect(description).toBe(`Managed by qlik-group-sync from CN=Sales,OU=Groups,DC=example,DC=com. [qgs:id=${GUID}]`);
    expect(ownerSourceId({ description })).toBe(GUID);
  });

  it('keeps the description within the limit by shortening the DN, never the marker', () => {
    const dn = `CN=${'x'.repeat(400)},DC=example,DC=com`;
    const description = ownedDescription(dn, GUID);
    expect(description.length).toBeLessThanOrEqual(DESCRIPTION_MAX_LENGTH);
    expect(description).toContain('…');
    expect(description.endsWith(`[qgs:id=${GUID}]`)).toBe(true);
    expect(ownerSourceId({ description })).toBe(GUID);
  });

  it('round-trips ids with brackets, spaces and percent signs', () => {
    for (const id of ['a]b', 'with space', '100%', 'ümlaut', '[qgs:id=x]']) {
      expect(ownerSourceId({ description: ownedDescription('CN=x', id) })).toBe(id);
    }
  });

  it('reads the last marker, so text inside a DN cannot take a group over', () => {
    const description = ownedDescription('CN=[qgs:id=evil],DC=x', GUID);
    expect(ownerSourceId({ description })).toBe(GUID);
    expect(ownerSourceId({ description: 'a [qgs:id=one] b [qgs:id=two]' })).toBe('two');
  });

  it('finds no marker in other descriptions', () => {
    for (const description of [undefined, '', 'made by hand', '[qgs:id=]', 'qgs:id=abc', '[qgs:id=a b]', '[qgs:id=%ZZ]']) {
      expect(ownerSourceId(description === undefined ? {} : { description })).toBeUndefined();
    }
  });

  it('owns only prefixed custom groups with the marker', () => {
    const description = ownedDescription('CN=Sales', GUID);
    expect(isOwned({ providerType: 'custom', name: 'CG-Sales', description }, 'CG-')).toBe(true);
    expect(isOwned({ providerType: 'custom', name: 'CG-Sales', description: 'hand made' }, 'CG-')).toBe(false);
    expect(isOwned({ providerType: 'custom', name: 'CG-Sales' }, 'CG-')).toBe(false);
    expect(isOwned({ providerType: 'idp', name: 'CG-Sales', description }, 'CG-')).toBe(false);
    expect(isOwned({ providerType: 'custom', name: 'Sales', description }, 'CG-')).toBe(false);
    expect(isOwned({ providerType: 'custom', name: 'cg-Sales', description }, 'CG-')).toBe(false);
  });
});
