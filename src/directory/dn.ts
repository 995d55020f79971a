// Distinguished names (RFC 4514): parsing, and the normalised form (`key`) the reader uses to join
// membership values to entries. Servers compare DNs with caseIgnoreMatch after string preparation,
// so a member value may differ from the entry's DN in case, spacing or escaping (`cn=Smith\, John`,
// `CN=Smith\2C John`, `cn = smith\, john`) and still name the same entry. Two DNs name the same
// entry exactly when their keys are equal.
import { DirectoryError } from '../errors.ts';

/** One attribute type and value of an RDN; `value` is unescaped (the real characters). */
export interface Ava {
  /** Lower-case attribute type (descr or numeric OID). */
  type: string;
  value: string;
  /** True for a `#hex` BER value, kept as `#` + lower-case hex in `value`. */
  hex?: boolean;
}

/** A relative distinguished name: one or more AVAs joined by `+`. */
export type Rdn = Ava[];

const TYPE_PATTERN = /^(?:[a-z][a-z0-9-]*|\d+(?:\.\d+)*)$/;
const HEX = /^[0-9a-fA-F]{2}$/;
const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function invalid(dn: string, why: string): DirectoryError {
  return new DirectoryError('DIRECTORY_DN', `invalid DN "${dn}": ${why}`, { details: { dn } });
}

/** Parses a DN string into RDNs, most specific first. Throws DirectoryError `DIRECTORY_DN`. */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  const length = dn.length;
  let i = 0;
  const skipSpaces = (): void => {
    while (i < length && dn[i] === ' ') i++;
  };

  skipSpaces();
  if (i === length) return rdns;

  let rdn: Rdn = [];
  for (;;) {
    // attribute type
    skipSpaces();
    const typeStart = i;
    while (i < length && dn[i] !== '=' && dn[i] !== ',' && dn[i] !== '+' && dn[i] !== ';') i++;
    if (i === length || dn[i] !== '=') throw invalid(dn, `expected "=" after attribute type at position ${typeStart}`);
    let type = dn.slice(typeStart, i).trim().toLowerCase();
    if (type.startsWith('oid.')) type = type.slice(4);
    if (!TYPE_PATTERN.test(type)) throw invalid(dn, `bad attribute type "${type}"`);
    i++; // '='
    skipSpaces();

    // attribute value
    let value: string;
    let hex = false;
    if (dn[i] === '#') {
      const start = i + 1;
      i = start;
      while (i < length && /[0-9a-fA-F]/.test(dn[i]!)) i++;
      const digits = dn.slice(start, i);
      if (digits.length === 0 || digits.length % 2 !== 0) throw invalid(dn, 'bad #hex value');
      value = `#${digits.toLowerCase()}`;
      hex = true;
      skipSpaces();
    } else if (dn[i] === '"') {
      // RFC 2253/1779 quoted value: characters literal, backslash still escapes.
      i++;
      const bytes: number[] = [];
      for (;;) {
        if (i >= length) throw invalid(dn, 'unterminated quoted value');
        const c = dn[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') i = readEscape(dn, i, bytes);
        else i = pushChar(dn, i, bytes);
      }
      value = decodeBytes(dn, bytes);
      skipSpaces();
    } else {
      const bytes: number[] = [];
      let significant = 0; // bytes up to the last escaped or non-space character
      while (i < length && dn[i] !== ',' && dn[i] !== '+' && dn[i] !== ';') {
        const c = dn[i]!;
        if (c === '\\') {
          i = readEscape(dn, i, bytes);
          significant = bytes.length;
        } else if (c === '"' || c === '<' || c === '>' || c === '=') {
          // Not allowed unescaped by RFC 4514; servers accept '=' in values, so do we.
          if (c !== '=') throw invalid(dn, `unescaped "${c}" in a value`);
          i = pushChar(dn, i, bytes);
          significant = bytes.length;
        } else {
          i = pushChar(dn, i, bytes);
          if (c !== ' ') significant = bytes.length;
        }
      }
      value = decodeBytes(dn, bytes.slice(0, significant));
    }
    rdn.push(hex ? { type, value, hex } : { type, value });

    if (i >= length) {
      rdns.push(rdn);
      return rdns;
    }
    const separator = dn[i];
    i++;
    if (separator === '+') continue;
    rdns.push(rdn);
    rdn = [];
    skipSpaces();
    if (i >= length) throw invalid(dn, 'ends with a separator');
  }
}

function pushChar(dn: string, i: number, bytes: number[]): number {
  const code = dn.charCodeAt(i);
  if (code < 0x80) {
    bytes.push(code); // ASCII is its own UTF-8 (encoding every character costs seconds on a large directory)
    return i + 1;
  }
  const codePoint = dn.codePointAt(i)!;
  const char = String.fromCodePoint(codePoint);
  for (const byte of encoder.encode(char)) bytes.push(byte);
  return i + char.length;
}

function readEscape(dn: string, i: number, bytes: number[]): number {
  const pair = dn.slice(i + 1, i + 3);
  if (HEX.test(pair)) {
    bytes.push(Number.parseInt(pair, 16));
    return i + 3;
  }
  if (i + 1 >= dn.length) throw invalid(dn, 'ends with a lone backslash');
  return pushChar(dn, i + 1, bytes);
}

function decodeBytes(dn: string, bytes: number[]): string {
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    throw invalid(dn, 'a hex escape is not valid UTF-8');
  }
}

/**
 * The value as servers compare it (caseIgnoreMatch with RFC 4518 preparation, simplified):
 * Unicode NFKC, lower case, runs of white space collapsed to one space, no leading/trailing space.
 */
function foldValue(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** Escapes a value for a DN string (RFC 4514 section 2.4), canonically: `\c` for specials, `\XX` for controls. */
export function escapeDnValue(value: string): string {
  let out = '';
  const chars = [...value];
  chars.forEach((c, index) => {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).padStart(2, '0')}`;
    else if ('"+,;<>\\'.includes(c)) out += `\\${c}`;
    else if ((index === 0 && (c === ' ' || c === '#')) || (index === chars.length - 1 && c === ' ')) out += `\\${c}`;
    else out += c;
  });
  return out;
}

function avaKey(ava: Ava): string {
  return `${ava.type}=${ava.hex ? ava.value : escapeDnValue(foldValue(ava.value))}`;
}

/** The normalised key of one RDN (AVAs sorted). */
export function rdnKey(rdn: Rdn): string {
  return rdn.map(avaKey).sort().join('+');
}

/**
 * Normalises a DN for comparison: attribute types lower-case, values unescaped then re-escaped
 * canonically and case-folded, insignificant spaces removed, multi-valued RDNs sorted.
 * `CN=Smith\2C  John , OU=People` and `cn=smith\, john,ou=people` give the same key.
 * Throws DirectoryError `DIRECTORY_DN` for a string that is not a DN.
 */
export function dnKey(dn: string): string {
  if (PLAIN_DN.test(dn)) return dn.toLowerCase();
  return parseDn(dn).map(rdnKey).join(',');
}

/**
 * The common case, a DN with nothing to unescape, fold or sort (single-AVA RDNs, letter-led types,
 * values of ASCII letters, digits, `.` `_` `@` `-` and single inner spaces): its key is its lower-case
 * form, which the full parse would also give. A large directory has a million of these.
 */
const PLAIN_VALUE = '[A-Za-z0-9._@-]+(?: [A-Za-z0-9._@-]+)*';
const PLAIN_RDN = `[A-Za-z][A-Za-z0-9-]*=${PLAIN_VALUE}`;
const PLAIN_DN = new RegExp(`^${PLAIN_RDN}(?:,${PLAIN_RDN})*$`);

/** dnKey, or undefined for a string that is not a DN. */
export function tryDnKey(dn: string): string | undefined {
  try {
    return dnKey(dn);
  } catch {
    return undefined;
  }
}

/** True when the entry named by `key` is `baseKey` itself or lies below it (both from dnKey). */
export function isWithin(key: string, baseKey: string): boolean {
  if (baseKey === '') return true;
  if (key === baseKey) return true;
  if (!key.endsWith(`,${baseKey}`)) return false;
  // The comma must be a separator, not the tail of an escape: count the backslashes before it.
  let backslashes = 0;
  for (let j = key.length - baseKey.length - 2; j >= 0 && key[j] === '\\'; j--) backslashes++;
  return backslashes % 2 === 0;
}

/** The value of the first (most specific) RDN's first AVA, unescaped: `Smith, John` for `cn=Smith\, John,ou=People`. */
export function firstRdnValue(dn: string): string | undefined {
  return parseDn(dn)[0]?.[0]?.value;
}
