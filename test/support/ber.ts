// Just enough BER (definite lengths, one-byte tags) for tests that speak LDAP on the wire
// themselves: to build server answers and to pick client requests apart, independently of the
// reader's own decoder (src/directory/wire.ts).

/** Tag, start of the value and end of the value of the element at `pos`. */
export function element(buf: Buffer, pos: number): { tag: number; start: number; end: number } {
  const tag = buf[pos]!;
  let length = buf[pos + 1]!;
  let start = pos + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buf[start + i]!;
    start += bytes;
  }
  return { tag, start, end: start + length };
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: tag, length, the parts as its value. */
export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export const octets = (value: string | Buffer): Buffer => tlv(0x04, typeof value === 'string' ? Buffer.from(value) : value);

export function integer(value: number): Buffer {
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(n % 256);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

/**
 * What a server needs of a client's LDAPMessage to answer it: its message id, its protocolOp
 * element, and the base DN when it is a SearchRequest.
 */
export function requestOf(message: Buffer): { messageId: number; op: { tag: number; start: number; end: number }; base: string | undefined } {
  const id = element(message, element(message, 0).start);
  const op = element(message, id.end);
  const base = op.tag === 0x63 ? element(message, op.start) : undefined;
  return { messageId: message.readUIntBE(id.start, id.end - id.start), op, base: base && message.toString('utf8', base.start, base.end) };
}

/** An LDAPMessage: id, protocol operation, and controls when given. */
export function ldapMessage(messageId: number, op: Buffer, controls?: Buffer[]): Buffer {
  return tlv(0x30, integer(messageId), op, ...(controls ? [tlv(0xa0, ...controls)] : []));
}

/** A SearchResultEntry with attributes in the order given (values as strings or bytes). */
export function searchEntry(dn: string, attributes: Array<[string, Array<string | Buffer>]>): Buffer {
  return tlv(0x64, octets(dn), tlv(0x30, ...attributes.map(([name, values]) => tlv(0x30, octets(name), tlv(0x31, ...values.map(octets))))));
}

/** A SearchResultDone with a result code and, when `cookie` is given, a paged-results control. */
export function searchDone(messageId: number, resultCode: number, cookie?: Buffer, diagnostic = ''): Buffer {
  const done = tlv(0x65, tlv(0x0a, Buffer.from([resultCode])), octets(''), octets(diagnostic));
  const controls = cookie === undefined ? undefined : [tlv(0x30, octets(PAGED_RESULTS_OID), octets(tlv(0x30, integer(0), octets(cookie))))];
  return ldapMessage(messageId, done, controls);
}
