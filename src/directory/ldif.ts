// A small, strict LDIF content parser (RFC 2849): `version:`, records separated by blank lines,
// folded lines (a line starting with one space continues the previous one), comments (also folded),
// `attr: value`, `attr:: base64`, `dn:`/`dn::`, CRLF or LF. Base64 values stay bytes (objectGUID is
// binary). `changetype: add` records are accepted as content; other change records and `:<` URL
// values are refused: an export to read must hold plain entries. Errors name the file and line.
import { DirectoryError } from '../errors.ts';
import type { AttributeValue, RawEntry } from './entry.ts';

export interface LdifEntry extends RawEntry {
  /** Line number of the record's `dn:` line (1-based). */
  line: number;
}

interface LogicalLine {
  text: string;
  line: number;
}

function fail(source: string, line: number, why: string): DirectoryError {
  return new DirectoryError('DIRECTORY_LDIF', `${source}:${line}: ${why}`, { details: { file: source, line } });
}

/** Unfolds physical lines into logical lines, dropping comments; blank lines (record ends) kept as ''. */
function logicalLines(text: string): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: LogicalLine[] = [];
  let inComment = false;
  physical.forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith(' ')) {
      if (inComment) return;
      const last = out[out.length - 1];
      if (last && last.text !== '') {
        last.text += raw.slice(1);
        return;
      }
      // A continuation with nothing to continue: let the record parser report it.
      out.push({ text: raw, line });
      return;
    }
    inComment = raw.startsWith('#');
    if (inComment) return;
    out.push({ text: raw, line });
  });
  return out;
}

// Options as Active Directory's exports write them too: `member;range=0-*` (range retrieval).
const NAME = /^[A-Za-z0-9][A-Za-z0-9\-.;=*]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parseLine(source: string, { text, line }: LogicalLine): { name: string; value: AttributeValue } {
  const colon = text.indexOf(':');
  if (colon <= 0) throw fail(source, line, `expected "attribute: value", got "${text.slice(0, 40)}"`);
  const name = text.slice(0, colon);
  if (!NAME.test(name)) throw fail(source, line, `bad attribute description "${name}"`);
  const rest = text.slice(colon + 1);
  if (rest.startsWith(':')) {
    const encoded = rest.slice(1).trim();
    if (!BASE64.test(encoded) || encoded.length % 4 !== 0) throw fail(source, line, `bad base64 value for ${name}`);
    return { name, value: Buffer.from(encoded, 'base64') };
  }
  if (rest.startsWith('<')) throw fail(source, line, `URL values (${name}:<) are not supported; inline the value`);
  return { name, value: rest.replace(/^ +/, '') };
}

/** Parses LDIF content into entries in file order. `source` names the file in error messages. */
export function parseLdif(text: string, source = 'LDIF'): LdifEntry[] {
  const lines = logicalLines(text);
  const entries: LdifEntry[] = [];
  let index = 0;
  let first = true;

  while (index < lines.length) {
    while (index < lines.length && lines[index]!.text === '') index++;
    if (index >= lines.length) break;
    const start = lines[index]!;
    if (start.text.startsWith(' ')) throw fail(source, start.line, 'continuation line outside a record');
    let { name, value } = parseLine(source, start);

    if (first && name.toLowerCase() === 'version') {
      first = false;
      if (String(value).trim() !== '1') throw fail(source, start.line, `unsupported LDIF version ${String(value)}`);
      index++;
      continue;
    }
    first = false;
    if (name.toLowerCase() !== 'dn') throw fail(source, start.line, `a record must start with "dn:", got "${name}:"`);
    const dn = (typeof value === 'string' ? value : value.toString('utf8')).trim();
    const entry: LdifEntry = { dn, line: start.line, attributes: new Map() };
    index++;

    while (index < lines.length && lines[index]!.text !== '') {
      const current = lines[index]!;
      if (current.text.startsWith(' ')) throw fail(source, current.line, 'continuation line outside a record');
      ({ name, value } = parseLine(source, current));
      const key = name.toLowerCase();
      if (key === 'changetype') {
        if (String(value).trim().toLowerCase() !== 'add') throw fail(source, current.line, `change records (changetype: ${String(value)}) are not an export`);
      } else if (key === 'control') {
        throw fail(source, current.line, 'change records with controls are not an export');
      } else if (key === 'dn') {
        throw fail(source, current.line, 'a second "dn:" inside one record (missing blank line?)');
      } else {
        const values = entry.attributes.get(key);
        if (values) values.push(value);
        else entry.attributes.set(key, [value]);
      }
      index++;
    }
    entries.push(entry);
  }
  return entries;
}
