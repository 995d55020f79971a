// Range retrieval against responses in the shape Active Directory sends them (through ldapts):
// a group of 3,200 members read with a plain `member` request comes back cut at 1,500 values under
// `member;range=0-1499`, unasked, with `member` itself empty; the reader must fetch
// `member;range=1500-*` (AD answers 1500-2999) and then `member;range=3000-*` (AD answers 3000-*).
import type { Entry } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { fromLdapts, type RawEntry } from '../../src/directory/entry.ts';
import { completeRanges, parseRangeKey, rangeRequest, type FetchRange } from '../../src/directory/range.ts';
import { encodeObjectGuid } from '../../src/directory/vendors.ts';
import { DirectoryError } from '../../src/errors.ts';

const GROUP_DN = 'CN=All Staff,OU=Groups,DC=corp,DC=example';
const memberDn = (i: number): string => `CN=User ${String(i).padStart(4, '0')},OU=People,DC=corp,DC=example`;
const members = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, k) => memberDn(from + k));

/** The first answer, to a search asking for `member` (not a range): AD cut it by itself. */
function recordedSearchEntry(): Entry {
  return {
    dn: GROUP_DN,
    objectGUID: encodeObjectGuid('c1c348be-c28e-417c-999c-be3e9678d0a8'),
    cn: 'All Staff',
    member: [], // ldapts lists a requested attribute that came back only ranged as []
    'member;range=0-1499': members(0, 1499),
  };
}

/** The follow-up answers AD gives to base searches for the next ranges. */
const recordedRangeAnswers: Record<string, Entry> = {
  'member;range=1500-*': { dn: GROUP_DN, 'member;range=1500-2999': members(1500, 2999) },
  'member;range=3000-*': { dn: GROUP_DN, 'member;range=3000-*': members(3000, 3199) },
};

function recordedFetch(answers: Record<string, Entry | undefined>, requests: string[]): FetchRange {
  return async (dn, description) => {
    requests.push(`${dn} ${description}`);
    const answer = answers[description];
    return answer === undefined ? undefined : fromLdapts(answer);
  };
}

async function expectIncomplete(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DirectoryError);
  expect((error as DirectoryError).code).toBe('DIRECTORY_INCOMPLETE');
  expect((error as DirectoryError).message).toMatch(message);
}

describe('range retrieval (AD cuts member unasked)', () => {
  it('fetches every range until one ends in * and returns all values under member', async () => {
    const requests: string[] = [];
    const entry = fromLdapts(recordedSearchEntry());
    const complete = await completeRanges(entry, ['member'], recordedFetch(recordedRangeAnswers, requests), 'test');

    expect(requests).toEqual([`${GROUP_DN} member;range=1500-*`, `${GROUP_DN} member;range=3000-*`]);
    const values = complete.attributes.get('member')!;
    expect(values).toHaveLength(3200);
    expect(new Set(values).size).toBe(3200);
    expect(values[0]).toBe(memberDn(0));
    expect(values[3199]).toBe(memberDn(3199));
    expect([...complete.attributes.keys()].some((key) => key.includes(';range='))).toBe(false);
    expect(complete.attributes.get('cn')).toEqual(['All Staff']);
  });

  it('leaves unranged attributes alone and needs no fetch', async () => {
    const requests: string[] = [];
    const entry = fromLdapts({ dn: GROUP_DN, member: members(0, 9) });
    const complete = await completeRanges(entry, ['member'], recordedFetch({}, requests), 'test');
    expect(requests).toEqual([]);
    expect(complete.attributes.get('member')).toHaveLength(10);
  });

  it('accepts an explicit request answered in one range (0-*)', async () => {
    const entry = fromLdapts({ dn: GROUP_DN, 'member;range=0-*': members(0, 2) });
    const complete = await completeRanges(entry, ['member'], recordedFetch({}, []), 'test');
    expect(complete.attributes.get('member')).toEqual(members(0, 2));
  });

  it('fails when a follow-up answer has no range ending in * (loop that does not end)', async () => {
    const answers = { 'member;range=1500-*': { dn: GROUP_DN, cn: 'All Staff' } };
    await expectIncomplete(completeRanges(fromLdapts(recordedSearchEntry()), ['member'], recordedFetch(answers, []), 'test'), /stopped at 1499/);
  });

  it('fails instead of looping when the server repeats a range', async () => {
    const answers = { 'member;range=1500-*': { dn: GROUP_DN, 'member;range=0-1499': members(0, 1499) } };
    await expectIncomplete(completeRanges(fromLdapts(recordedSearchEntry()), ['member'], recordedFetch(answers, []), 'test'), /got range 0-1499/);
  });

  it('fails when a range holds fewer values than it claims', async () => {
    const entry = fromLdapts({ dn: GROUP_DN, 'member;range=0-1499': members(0, 999) });
    await expectIncomplete(completeRanges(entry, ['member'], recordedFetch(recordedRangeAnswers, []), 'test'), /held 1000 values/);
  });

  it('fails when the group disappears between ranges', async () => {
    await expectIncomplete(completeRanges(fromLdapts(recordedSearchEntry()), ['member'], recordedFetch({}, []), 'test'), /lost the entry/);
  });

  it('fails on a first range that does not start at 0, or ranged and plain values together', async () => {
    await expectIncomplete(
      completeRanges(fromLdapts({ dn: GROUP_DN, 'member;range=5-*': members(5, 6) }), ['member'], recordedFetch({}, []), 'test'),
      /started at 5/,
    );
    const both: RawEntry = fromLdapts({ dn: GROUP_DN, member: members(0, 1), 'member;range=0-*': members(0, 1) });
    await expectIncomplete(completeRanges(both, ['member'], recordedFetch({}, []), 'test'), /both ranged and unranged/);
  });
});

describe('range keys', () => {
  it('parses and builds attribute descriptions', () => {
    expect(parseRangeKey('member;range=0-1499')).toEqual({ attribute: 'member', low: 0, high: 1499 });
    expect(parseRangeKey('Member;Range=1500-*')).toEqual({ attribute: 'member', low: 1500, high: '*' });
    expect(parseRangeKey('member')).toBeUndefined();
    expect(rangeRequest('member', 0, 1500)).toBe('member;range=0-1499');
    expect(rangeRequest('member', 1500)).toBe('member;range=1500-*');
  });
});
