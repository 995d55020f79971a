// LDAP search responses read straight off the connection's bytes (RFC 4511, BER, definite lengths),
// for the paged subtree searches that read a whole directory. A large directory is a million
// member values or more: the general-purpose client builds several objects and a decoded copy of
// each value before the reader sees it, which made it the slowest part of a read. Here each entry
// is decoded once, into the RawEntry the snapshot builder takes, and DN-valued member values that
// are plain (dn.ts) are turned into KeyTable ids from their bytes, without a string of their own.
//
// Anything malformed throws a WireError: a read that cannot be understood stops; it never
// guesses. Messages are framed from the byte stream whatever the chunk boundaries are.
import type { AttributeValue, RawEntry } from './entry.ts';
import type { KeyTable } from './key-table.ts';
import { utf8Text } from './slice.ts';

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

const SEQUENCE = 0x30;
const SET = 0x31;
const OCTET_STRING = 0x04;
const INTEGER = 0x02;
const ENUMERATED = 0x0a;
const BOOLEAN = 0x01;
const CONTROLS = 0xa0;
const REFERRAL = 0xa3;

export const SEARCH_RESULT_ENTRY = 0x64;
export const SEARCH_RESULT_DONE = 0x65;
export const SEARCH_RESULT_REFERENCE = 0x73;
export const EXTENDED_RESPONSE = 0x78;
export const INTERMEDIATE_RESPONSE = 0x79;

/** The largest message accepted (a group with millions of members is still far below it). */
const MAX_MESSAGE_BYTES = 1 << 30;

export class WireError extends Error {
  /** What is wrong, without the prefix (for adding where it was found). */
  readonly reason: string;
  constructor(reason: string) {
    super(`malformed LDAP message: ${reason}`);
    this.name = 'WireError';
    this.reason = reason;
  }
}

/** A position in one message's bytes. */
export class Cursor {
  buf: Buffer;
  pos: number;
  constructor(buf: Buffer, pos: number) {
    this.buf = buf;
    this.pos = pos;
  }

  /** Reads a tag and its length; returns the end of the value, the cursor at its start. */
  enter(tag: number, end: number, what: string): number {
    const buf = this.buf;
    if (this.pos >= end) throw new WireError(`${what} missing`);
    if (buf[this.pos] !== tag) throw new WireError(`${what}: tag 0x${buf[this.pos]!.toString(16)}, expected 0x${tag.toString(16)}`);
    this.pos++;
    return this.length(end, what);
  }

  /** Reads a length at the cursor; returns the end of the value it announces. */
  length(end: number, what: string): number {
    const buf = this.buf;
    if (this.pos >= end) throw new WireError(`${what}: length missing`);
    const first = buf[this.pos++]!;
    let length = first;
    if (first >= 0x80) {
      const bytes = first & 0x7f;
      if (bytes === 0 || bytes > 4) throw new WireError(`${what}: unsupported length form 0x${first.toString(16)}`);
      if (this.pos + bytes > end) throw new WireError(`${what}: length cut off`);
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + buf[this.pos++]!;
    }
    const valueEnd = this.pos + length;
    if (valueEnd > end) throw new WireError(`${what}: ${length} bytes announced, ${end - this.pos} left`);
    return valueEnd;
  }

  /** A non-negative INTEGER or ENUMERATED of at most 4 bytes. */
  integer(tag: number, end: number, what: string): number {
    const valueEnd = this.enter(tag, end, what);
    const bytes = valueEnd - this.pos;
    if (bytes < 1 || bytes > 5) throw new WireError(`${what}: ${bytes}-byte integer`);
    let value = 0;
    for (; this.pos < valueEnd; this.pos++) value = value * 256 + this.buf[this.pos]!;
    if (bytes === 5 && this.buf[valueEnd - 5]! !== 0) throw new WireError(`${what}: integer out of range`);
    return value;
  }

  string(end: number, what: string): string {
    const valueEnd = this.enter(OCTET_STRING, end, what);
    const value = utf8Text(this.buf, this.pos, valueEnd);
    this.pos = valueEnd;
    return value;
  }

  bytes(end: number, what: string): Buffer {
    const valueEnd = this.enter(OCTET_STRING, end, what);
    const value = Buffer.from(this.buf.subarray(this.pos, valueEnd));
    this.pos = valueEnd;
    return value;
  }

  /** Skips one element of any tag. */
  skip(end: number, what: string): void {
    if (this.pos >= end) throw new WireError(`${what} missing`);
    this.pos++;
    if ((this.buf[this.pos - 1]! & 0x1f) === 0x1f) throw new WireError(`${what}: multi-byte tags are not LDAP`);
    this.pos = this.length(end, what);
  }
}

/**
 * Splits a byte stream into whole LDAPMessages, whatever the chunk boundaries. A message that
 * arrives in many chunks (a group with many members) is joined once, when its last byte is in.
 * A chunk may be `transient`: its bytes are overwritten after the call (a socket's reused read
 * buffer), so what is kept of it for later is copied; each message is handed on during the call.
 */
export class MessageFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the message in progress, when its header has been read (-1: not yet). */
  private need = -1;

  /** Drops a partial message (the stream starts anew). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.need = -1;
  }

  /** Frames `chunk[0, length)`. */
  push(chunk: Buffer, onMessage: (buf: Buffer, start: number, end: number) => void, transient = false, length = chunk.length): void {
    let buf = chunk;
    let end = length;
    if (this.pending.length > 0) {
      const piece = length === chunk.length ? chunk : chunk.subarray(0, length);
      this.pending.push(transient ? Buffer.from(piece) : piece);
      this.pendingBytes += length;
      if (this.need >= 0 && this.pendingBytes < this.need) return;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      end = buf.length;
      this.pending = [];
      this.pendingBytes = 0;
      this.need = -1;
    }
    let pos = 0;
    while (pos < end) {
      const total = messageLength(buf, pos, end);
      if (total < 0 || pos + total > end) {
        // A rest of a transient chunk is copied; one of a joined message is already a copy.
        const rest = transient && buf === chunk ? Buffer.from(buf.subarray(pos, end)) : buf.subarray(pos, end);
        this.pending = [rest];
        this.pendingBytes = rest.length;
        this.need = total;
        return;
      }
      onMessage(buf, pos, pos + total);
      pos += total;
    }
  }
}

/** The whole size of the message starting at `pos`, or -1 when its header is not all in `buf[pos, end)` yet. */
function messageLength(buf: Buffer, pos: number, end: number): number {
  if (buf[pos] !== SEQUENCE) throw new WireError(`message starts with tag 0x${buf[pos]!.toString(16)}, expected a SEQUENCE`);
  if (pos + 1 >= end) return -1;
  const first = buf[pos + 1]!;
  if (first < 0x80) return 2 + first;
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4) throw new WireError(`unsupported message length form 0x${first.toString(16)}`);
  if (pos + 2 + bytes > end) return -1;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + buf[pos + 2 + i]!;
  if (length > MAX_MESSAGE_BYTES) throw new WireError(`message of ${length} bytes`);
  return 2 + bytes + length;
}

/** One LDAPMessage's envelope: its id, its protocol operation and where the parts are. */
export interface Envelope {
  /** Where the message starts and ends in `cursor.buf`. */
  start: number;
  end: number;
  messageId: number;
  /** The protocolOp tag (SEARCH_RESULT_ENTRY, ...). */
  op: number;
  /** The cursor at the start of the protocolOp's contents. */
  cursor: Cursor;
  /** End of the protocolOp's contents (controls lie between opEnd and end). */
  opEnd: number;
}

export function readEnvelope(buf: Buffer, start: number, end: number): Envelope {
  const cursor = new Cursor(buf, start);
  const messageEnd = cursor.enter(SEQUENCE, end, 'LDAPMessage');
  const messageId = cursor.integer(INTEGER, messageEnd, 'messageID');
  if (cursor.pos >= messageEnd) throw new WireError(`message ${messageId}: protocolOp missing`);
  const op = buf[cursor.pos++]!;
  const opEnd = cursor.length(messageEnd, `message ${messageId} protocolOp`);
  return { start, end: messageEnd, messageId, op, cursor, opEnd };
}

export interface EntryOptions {
  /** Lower-case names of attributes whose values are kept as bytes. */
  binary: ReadonlySet<string>;
  /**
   * The snapshot builder's KeyTable: a plain entry DN gets its id here (RawEntry.keyId), and so do
   * the plain values of the DN-valued `attributes` (lower-case names; RawEntry.dnIds), whose other
   * values stay strings in RawEntry.attributes.
   */
  interning?: { table: KeyTable; attributes: ReadonlySet<string> } | undefined;
}

/** A value as it is kept: its bytes copied out (a binary attribute) or its UTF-8 text. */
function valueOf(buf: Buffer, start: number, end: number, asBytes: boolean): AttributeValue {
  return asBytes ? Buffer.from(buf.subarray(start, end)) : utf8Text(buf, start, end);
}

/**
 * `values` with `value` added: a new one-element array for the first (most attributes have one
 * value, and an empty array's first push makes room for seventeen).
 */
function withValue(values: AttributeValue[] | undefined, value: AttributeValue): AttributeValue[] {
  if (values === undefined) return [value];
  values.push(value);
  return values;
}

/** An attribute name as it came (its bytes), its lower-case key, and how its values are kept. */
interface AttributeName {
  bytes: Buffer;
  key: string;
  /** Kept as bytes (EntryOptions.binary). */
  asBytes: boolean;
  /** DN values made KeyTable ids (EntryOptions.interning). */
  interned: boolean;
}

/**
 * Decodes SearchResultEntry contents into a RawEntry. Attribute names are matched
 * case-insensitively and keyed in lower case; an attribute listed without values is left out
 * (as the LDIF source does); the same attribute listed twice has its values joined.
 */
export class EntryDecoder {
  private readonly options: EntryOptions;
  /** Attribute names seen so far, as bytes, and what they are: a directory repeats a few. */
  private readonly names: AttributeName[] = [];
  /**
   * Scratch for one attribute's DN values: where each starts and ends, the id each was found as
   * (-1: none), and the ids kept. All four have one length and grow together (growValues).
   */
  private ids = new Int32Array(1024);
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private found = new Int32Array(1024);

  constructor(options: EntryOptions) {
    this.options = options;
  }

  private name(buf: Buffer, start: number, end: number): AttributeName {
    const length = end - start;
    for (const known of this.names) {
      const bytes = known.bytes;
      if (bytes.length !== length) continue;
      let i = 0;
      while (i < length && bytes[i] === buf[start + i]) i++;
      if (i === length) return known;
    }
    const key = utf8Text(buf, start, end).toLowerCase();
    const { binary, interning } = this.options;
    const name = { bytes: Buffer.from(buf.subarray(start, end)), key, asBytes: binary.has(key), interned: interning !== undefined && interning.attributes.has(key) };
    if (this.names.length < 64) this.names.push(name);
    return name;
  }

  /** Reads one value's tag and length (an inlined `enter(OCTET_STRING)`): where the value ends. */
  private value(cursor: Cursor, valuesEnd: number): number {
    const buf = cursor.buf;
    if (buf[cursor.pos] !== OCTET_STRING) throw new WireError(`value: tag 0x${buf[cursor.pos]!.toString(16)}`);
    cursor.pos++;
    return cursor.length(valuesEnd, 'value');
  }

  /** Doubles the scratch arrays, keeping the value bounds read so far (ids and found are per attribute). */
  private growValues(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
    this.ids = new Int32Array(size);
    this.found = new Int32Array(size);
  }

  decode(cursor: Cursor, opEnd: number): RawEntry {
    const buf = cursor.buf;
    const { interning } = this.options;
    let dn: string;
    let keyId = -1;
    const dnEnd = cursor.enter(OCTET_STRING, opEnd, 'entry objectName');
    if (interning !== undefined) {
      // A plain DN's id straight from its bytes; the key is then the DN's own spelling unless
      // the DN had capitals.
      const table = interning.table;
      keyId = table.idOfPlainBytes(buf, cursor.pos, dnEnd);
      dn = keyId >= 0 && !table.folded ? table.key(keyId) : utf8Text(buf, cursor.pos, dnEnd);
    } else {
      dn = utf8Text(buf, cursor.pos, dnEnd);
    }
    cursor.pos = dnEnd;
    const attributes = new Map<string, AttributeValue[]>();
    let dnIds: Map<string, Int32Array> | undefined;
    // Where a problem is, said only when there is one (the value loop runs once per member value).
    let key: string | undefined;
    try {
      const listEnd = cursor.enter(SEQUENCE, opEnd, 'attribute list');
      while (cursor.pos < listEnd) {
        key = undefined;
        const attributeEnd = cursor.enter(SEQUENCE, listEnd, 'attribute');
        const typeEnd = cursor.enter(OCTET_STRING, attributeEnd, 'attribute type');
        const name = this.name(buf, cursor.pos, typeEnd);
        key = name.key;
        cursor.pos = typeEnd;
        const valuesEnd = cursor.enter(SET, attributeEnd, 'values');
        const asBytes = name.asBytes;
        const table = name.interned ? interning!.table : undefined;
        let values = attributes.get(key);
        const fresh = values === undefined;
        let idCount = 0;
        if (table === undefined) {
          while (cursor.pos < valuesEnd) {
            const valueEnd = this.value(cursor, valuesEnd);
            values = withValue(values, valueOf(buf, cursor.pos, valueEnd, asBytes));
            cursor.pos = valueEnd;
          }
        } else {
          // DN values: where each one is first, then their index slots read ahead (prefetch),
          // then each looked up; this runs once per member value.
          let count = 0;
          while (cursor.pos < valuesEnd) {
            if (count === this.starts.length) this.growValues();
            const valueEnd = this.value(cursor, valuesEnd);
            this.starts[count] = cursor.pos;
            this.ends[count++] = valueEnd;
            cursor.pos = valueEnd;
          }
          table.idsOfPlainBytes(buf, this.starts, this.ends, count, this.found);
          for (let k = 0; k < count; k++) {
            const id = this.found[k]!;
            if (id >= 0) {
              this.ids[idCount++] = id;
              continue;
            }
            values = withValue(values, valueOf(buf, this.starts[k]!, this.ends[k]!, asBytes));
          }
        }
        if (fresh && values !== undefined) attributes.set(key, values);
        if (idCount > 0) {
          dnIds ??= new Map();
          const earlier = dnIds.get(key);
          const ids = new Int32Array((earlier?.length ?? 0) + idCount);
          if (earlier) ids.set(earlier);
          ids.set(this.ids.subarray(0, idCount), earlier?.length ?? 0);
          dnIds.set(key, ids);
        }
        cursor.pos = attributeEnd;
      }
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      throw new WireError(`${error.reason} (entry ${dn}${key === undefined ? '' : `, attribute ${key}`})`);
    }
    const entry: RawEntry = { dn, attributes };
    if (keyId >= 0) entry.keyId = keyId;
    if (dnIds !== undefined) entry.dnIds = dnIds;
    return entry;
  }
}

/** The URIs of a SearchResultReference. */
export function decodeReference(cursor: Cursor, opEnd: number): string[] {
  const uris: string[] = [];
  while (cursor.pos < opEnd) uris.push(cursor.string(opEnd, 'reference URI'));
  return uris;
}

export interface SearchDone {
  resultCode: number;
  matchedDn: string;
  diagnosticMessage: string;
  referrals: string[];
  /** The paged-results control's cookie, when the response carried the control (empty: last page). */
  cookie: Buffer | undefined;
}

/** Decodes a SearchResultDone (LDAPResult) and the paged-results control among its controls. */
export function decodeDone(envelope: Envelope): SearchDone {
  const { cursor, opEnd, end } = envelope;
  const resultCode = cursor.integer(ENUMERATED, opEnd, 'resultCode');
  const matchedDn = cursor.string(opEnd, 'matchedDN');
  const diagnosticMessage = cursor.string(opEnd, 'diagnosticMessage');
  const referrals: string[] = [];
  if (cursor.pos < opEnd && cursor.buf[cursor.pos] === REFERRAL) {
    const referralEnd = cursor.enter(REFERRAL, opEnd, 'referral');
    while (cursor.pos < referralEnd) referrals.push(cursor.string(referralEnd, 'referral URI'));
  }
  cursor.pos = opEnd;
  let cookie: Buffer | undefined;
  if (cursor.pos < end && cursor.buf[cursor.pos] === CONTROLS) {
    const controlsEnd = cursor.enter(CONTROLS, end, 'controls');
    while (cursor.pos < controlsEnd) {
      const controlEnd = cursor.enter(SEQUENCE, controlsEnd, 'control');
      const type = cursor.string(controlEnd, 'controlType');
      if (cursor.pos < controlEnd && cursor.buf[cursor.pos] === BOOLEAN) cursor.skip(controlEnd, 'criticality');
      if (type === PAGED_RESULTS_OID && cursor.pos < controlEnd) {
        const valueEnd = cursor.enter(OCTET_STRING, controlEnd, 'paged results control value');
        const sequenceEnd = cursor.enter(SEQUENCE, valueEnd, 'paged results value');
        cursor.integer(INTEGER, sequenceEnd, 'paged results size');
        cookie = cursor.bytes(sequenceEnd, 'paged results cookie');
      }
      cursor.pos = controlEnd;
    }
  }
  return { resultCode, matchedDn, diagnosticMessage, referrals, cookie };
}
