// The reader's own decoding of search responses (src/directory/wire.ts): messages framed from
// any chunking of the byte stream, entries decoded as the snapshot builder takes them, the
// paged-results cookie found, and anything malformed refused rather than guessed at.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from '../../src/directory/key-table.ts';
import { EntryDecoder, MessageFramer, SEARCH_RESULT_DONE, SEARCH_RESULT_ENTRY, WireError, decodeDone, readEnvelope } from '../../src/directory/wire.ts';
import { ldapMessage, octets, searchDone, searchEntry, tlv } from '../support/ber.ts';

const entryMessage = (id: number, dn: string, attributes: Array<[string, Array<string | Buffer>]>): Buffer => ldapMessage(id, searchEntry(dn, attributes));

function frame(stream: Buffer, cuts: number[]): Buffer[] {
  const framer = new MessageFramer();
  const messages: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length)].sort((a, b) => a - b).concat(stream.length)) {
    framer.push(stream.subarray(from, cut), (buf, start, end) => void messages.push(Buffer.from(buf.subarray(start, end))));
    from = cut;
  }
  return messages;
}

describe('MessageFramer', () => {
  it('yields each message whole, wherever the chunks are cut', () => {
    const big = 'uid=u,ou=people,dc=t'.repeat(2000); // a message with a multi-byte length
    const messages = [entryMessage(7, 'cn=a,dc=t', [['member', [big]]]), entryMessage(7, 'cn=b,dc=t', []), searchDone(7, 0, Buffer.from('c'))];
    const stream = Buffer.concat(messages);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }), (cuts) => {
        expect(frame(stream, cuts)).toEqual(messages);
      }),
      { numRuns: 300 },
    );
    expect(frame(stream, Array.from({ length: stream.length }, (_, i) => i))).toEqual(messages);
  });

  it('reads a reused read buffer: what it keeps for later is copied before the buffer is overwritten', () => {
    // As a socket read in place hands it over: each chunk lands in one buffer, is followed there by
    // bytes that are not part of it, and is overwritten as soon as the framer returns.
    const big = 'uid=u,ou=people,dc=t'.repeat(2000);
    const messages = [entryMessage(7, 'cn=a,dc=t', [['member', [big]]]), entryMessage(7, 'cn=b,dc=t', []), searchDone(7, 0, Buffer.from('c'))];
    const stream = Buffer.concat(messages);
    const reused = Buffer.alloc(stream.length + 16);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }), (cuts) => {
        const framer = new MessageFramer();
        const seen: Buffer[] = [];
        let from = 0;
        for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length)].sort((a, b) => a - b).concat(stream.length)) {
          reused.fill(0x30);
          stream.copy(reused, 0, from, cut);
          framer.push(reused, (buf, start, end) => void seen.push(Buffer.from(buf.subarray(start, end))), true, cut - from);
          reused.fill(0xee);
          from = cut;
        }
        expect(seen).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a stream that is not a sequence of LDAP messages', () => {
    expect(() => frame(Buffer.from([0x04, 0x01, 0x41]), [])).toThrow(WireError);
    expect(() => frame(Buffer.from([0x30, 0x80, 0x00, 0x00]), [])).toThrow(/unsupported message length form/);
    expect(() => frame(Buffer.from([0x30, 0x85, 1, 2, 3, 4, 5]), [])).toThrow(/unsupported message length form/);
  });
});

describe('EntryDecoder', () => {
  const decode = (message: Buffer, decoder = new EntryDecoder({ binary: new Set() })) => {
    const envelope = readEnvelope(message, 0, message.length);
    expect(envelope.op).toBe(SEARCH_RESULT_ENTRY);
    return decoder.decode(envelope.cursor, envelope.opEnd);
  };

  it('keys attributes in lower case, joins repeated ones, drops empty ones, keeps binary ones as bytes', () => {
    const guid = Buffer.from([0xff, 0x00, 0x80, 0x41]);
    const entry = decode(
      entryMessage(3, 'CN=Zoë,DC=t', [
        ['objectGUID', [guid]],
        ['cn', ['Zoë']],
        ['Member', ['cn=a,dc=t']],
        ['member', ['cn=b,dc=t']],
        ['description', []],
      ]),
      new EntryDecoder({ binary: new Set(['objectguid']) }),
    );
    expect(entry.dn).toBe('CN=Zoë,DC=t');
    expect([...entry.attributes.keys()]).toEqual(['objectguid', 'cn', 'member']);
    expect(entry.attributes.get('objectguid')).toEqual([guid]);
    expect(entry.attributes.get('cn')).toEqual(['Zoë']);
    expect(entry.attributes.get('member')).toEqual(['cn=a,dc=t', 'cn=b,dc=t']);
    expect(entry.dnIds).toBeUndefined();
  });

  it('turns plain DN values of the interned attributes into ids, and leaves the rest as strings', () => {
    const table = new KeyTable();
    const known = table.id('uid=known,ou=people,dc=t');
    const decoder = new EntryDecoder({ binary: new Set(), interning: { table, attributes: new Set(['member']) } });
    const entry = decode(entryMessage(3, 'cn=G,ou=groups,dc=t', [['member', ['UID=Known,OU=People,DC=t', 'cn=Smith\\, J,dc=t', 'uid=new,dc=t']], ['memberUid', ['uid=known']]]), decoder);
    const member = entry.dnIds?.get('member');
    expect(Array.from(member ?? [])).toEqual([known, table.id('uid=new,dc=t')]);
    expect(entry.attributes.get('member')).toEqual(['cn=Smith\\, J,dc=t']);
    expect(entry.attributes.get('memberuid')).toEqual(['uid=known']);
    expect(entry.keyId).toBe(table.id('cn=g,ou=groups,dc=t'));
    expect(entry.dn).toBe('cn=G,ou=groups,dc=t');
  });

  it('gives a plain DN in lower case its key as its DN, and a DN that is not plain its own spelling', () => {
    const table = new KeyTable();
    const decoder = new EntryDecoder({ binary: new Set(), interning: { table, attributes: new Set() } });
    const plain = decode(entryMessage(3, 'uid=a,dc=t', []), decoder);
    expect(plain.dn).toBe(table.key(plain.keyId!));
    const escaped = decode(entryMessage(3, 'cn=a\\2Cb,dc=t', []), decoder);
    expect(escaped.keyId).toBeUndefined();
    expect(escaped.dn).toBe('cn=a\\2Cb,dc=t');
  });

  it('refuses an entry whose parts are not where LDAP puts them', () => {
    const bad = [
      ldapMessage(3, tlv(0x64, tlv(0x02, Buffer.from([1])))), // objectName not an OCTET STRING
      ldapMessage(3, tlv(0x64, octets('cn=a'), tlv(0x31))), // attribute list not a SEQUENCE
      ldapMessage(3, tlv(0x64, octets('cn=a'), tlv(0x30, tlv(0x30, octets('cn'), tlv(0x31, tlv(0x02, Buffer.from([1]))))))), // a value not an OCTET STRING
      Buffer.from([0x30, 0x08, 0x02, 0x01, 0x03, 0x64, 0x03, 0x04, 0x05, 0x41]), // a length past the end
    ];
    for (const message of bad) expect(() => decode(message)).toThrow(WireError);
    expect(() => decode(bad[2]!)).toThrow('malformed LDAP message: value: tag 0x2 (entry cn=a, attribute cn)');
  });
});

describe('decodeDone', () => {
  const done = (message: Buffer) => {
    const envelope = readEnvelope(message, 0, message.length);
    expect(envelope.op).toBe(SEARCH_RESULT_DONE);
    return decodeDone(envelope);
  };

  it('reads the result and the paging cookie, empty or not, or its absence', () => {
    expect(done(searchDone(9, 0, Buffer.from([1, 2, 3])))).toMatchObject({ resultCode: 0, cookie: Buffer.from([1, 2, 3]) });
    expect(done(searchDone(9, 0, Buffer.alloc(0))).cookie).toEqual(Buffer.alloc(0));
    expect(done(searchDone(9, 4, undefined, 'Size limit exceeded'))).toMatchObject({ resultCode: 4, diagnosticMessage: 'Size limit exceeded', cookie: undefined });
  });

  it('reads a message id of four bytes and more', () => {
    expect(readEnvelope(searchDone(0x4000_0001, 0), 0, searchDone(0x4000_0001, 0).length).messageId).toBe(0x4000_0001);
    const high = searchDone(0xffff_fff0, 0);
    expect(readEnvelope(high, 0, high.length).messageId).toBe(0xffff_fff0);
  });
});
