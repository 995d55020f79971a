// Evaluates an LDAP filter against an entry in memory, for the LDIF file source: the same group and
// user filters select the same entries from an export as from the live server. Parsing is ldapts's;
// matching is done here because it must handle multi-valued attributes and LDAP's case-insensitive,
// space-insensitive comparison. A filter this cannot evaluate faithfully is an error, never a guess.
import {
  AndFilter, ApproximateFilter, EqualityFilter, ExtensibleFilter, FilterParser, GreaterThanEqualsFilter,
  LessThanEqualsFilter, NotFilter, OrFilter, PresenceFilter, SubstringFilter, type Filter,
} from 'ldapts';
import { DirectoryError } from '../errors.ts';
import { tryDnKey } from './dn.ts';
import { stringValues, type RawEntry } from './entry.ts';
import { normalizeFilterEscapes } from './filter.ts';

export type EntryPredicate = (entry: RawEntry) => boolean;

const BIT_AND = '1.2.840.113556.1.4.803';
const BIT_OR = '1.2.840.113556.1.4.804';

function fold(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

function unsupported(filter: string, why: string): DirectoryError {
  return new DirectoryError('DIRECTORY_LDIF', `the LDIF source cannot evaluate filter ${filter}: ${why}`, { details: { filter } });
}

function equals(attribute: string, assertion: string, value: string): boolean {
  if (fold(value) === fold(assertion)) return true;
  // AD's objectCategory shorthand: `(objectCategory=person)` matches `CN=Person,CN=Schema,...`.
  if (attribute === 'objectcategory' && !assertion.includes('=')) {
    const firstRdn = /^\s*cn\s*=\s*([^,]*)/i.exec(value)?.[1];
    if (firstRdn !== undefined && fold(firstRdn) === fold(assertion)) return true;
  }
  // DN-valued attributes (member, memberOf, manager): compare as DNs.
  if (assertion.includes('=') && value.includes('=')) {
    const a = tryDnKey(assertion);
    return a !== undefined && a === tryDnKey(value);
  }
  return false;
}

function compareOrdered(value: string, assertion: string): number {
  const a = Number(value);
  const b = Number(assertion);
  if (value.trim() !== '' && assertion.trim() !== '' && Number.isFinite(a) && Number.isFinite(b)) return a - b;
  return fold(value) < fold(assertion) ? -1 : fold(value) > fold(assertion) ? 1 : 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[$()*+./?[\\\]^{|}]/g, '\\$&'); // no '-': an identity escape the u flag rejects
}

function compile(node: Filter, text: string): EntryPredicate {
  if (node instanceof AndFilter) {
    const parts = node.filters.map((f) => compile(f, text));
    return (entry) => parts.every((p) => p(entry));
  }
  if (node instanceof OrFilter) {
    const parts = node.filters.map((f) => compile(f, text));
    return (entry) => parts.some((p) => p(entry));
  }
  if (node instanceof NotFilter) {
    const inner = compile(node.filter, text);
    return (entry) => !inner(entry);
  }
  if (node instanceof PresenceFilter) {
    const attribute = node.attribute.toLowerCase();
    if (attribute === 'objectclass') return () => true;
    return (entry) => stringValues(entry, attribute).length > 0;
  }
  if (node instanceof EqualityFilter || node instanceof ApproximateFilter) {
    const attribute = node.attribute.toLowerCase();
    const assertion = Buffer.isBuffer(node.value) ? node.value.toString('utf8') : String(node.value);
    return (entry) => stringValues(entry, attribute).some((value) => equals(attribute, assertion, value));
  }
  if (node instanceof SubstringFilter) {
    const attribute = node.attribute.toLowerCase();
    const pattern = new RegExp(
      `^${node.initial ? escapeRegExp(fold(node.initial)) : ''}.*${node.any.map((part) => `${escapeRegExp(fold(part))}.*`).join('')}${node.final ? escapeRegExp(fold(node.final)) : ''}$`,
      'su',
    );
    return (entry) => stringValues(entry, attribute).some((value) => pattern.test(fold(value)));
  }
  if (node instanceof GreaterThanEqualsFilter) {
    const attribute = node.attribute.toLowerCase();
    return (entry) => stringValues(entry, attribute).some((value) => compareOrdered(value, node.value) >= 0);
  }
  if (node instanceof LessThanEqualsFilter) {
    const attribute = node.attribute.toLowerCase();
    return (entry) => stringValues(entry, attribute).some((value) => compareOrdered(value, node.value) <= 0);
  }
  if (node instanceof ExtensibleFilter) {
    const attribute = (node.matchType ?? '').toLowerCase();
    if (node.dnAttributes) throw unsupported(text, 'the :dn: form is not supported');
    if (!attribute) throw unsupported(text, 'an extensible match without an attribute');
    if (node.rule === BIT_AND || node.rule === BIT_OR) {
      const mask = BigInt.asUintN(32, BigInt(Number.parseInt(node.value, 10)));
      return (entry) =>
        stringValues(entry, attribute).some((value) => {
          const bits = BigInt.asUintN(32, BigInt(Number.parseInt(value, 10) || 0));
          return node.rule === BIT_AND ? (bits & mask) === mask : (bits & mask) !== 0n;
        });
    }
    if (!node.rule) return (entry) => stringValues(entry, attribute).some((value) => equals(attribute, node.value, value));
    throw unsupported(text, `matching rule ${node.rule} is not supported`);
  }
  throw unsupported(text, `unsupported filter component ${node.constructor.name}`);
}

/** Compiles a filter string into a predicate. Throws DirectoryError `DIRECTORY_LDIF` for a filter it cannot evaluate. */
export function compileFilter(filter: string): EntryPredicate {
  let parsed: Filter;
  try {
    parsed = FilterParser.parseString(normalizeFilterEscapes(filter));
  } catch (error) {
    throw new DirectoryError('DIRECTORY_LDIF', `invalid LDAP filter ${filter}: ${(error as Error).message}`, { cause: error, details: { filter } });
  }
  return compile(parsed, filter);
}
