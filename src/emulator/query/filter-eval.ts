// Which filters a resource accepts, and what they mean. A schema lists each filterable attribute
// with its operators (QLIK-API.md: users take `eq` on a fixed list and `co` on name/email/subject;
// groups filter on id, name, status, providerType, dates and role names), how to read it from a
// record, and, where an index exists, how to look an `eq` value up without a scan. Comparisons are
// case-insensitive, as Qlik documents. A compiled filter is a predicate plus an optional candidate
// set of ids computed from the indexes.
import type { ApiError } from '../http/api-error.ts';
import { FilterSyntaxError, parseFilter, type CompareOp, type FilterNode } from './filter-parse.ts';

export type AttrKind = 'string' | 'date';

export interface AttrSpec<T> {
  /** The attribute as documented (for messages). */
  name: string;
  kind: AttrKind;
  ops: readonly (CompareOp | 'pr')[];
  /** The value(s) of the attribute; arrays match when any element does. */
  get: (record: T) => string | readonly string[] | undefined;
  /** Ids of the records whose attribute equals `lowerValue` (exact, case-insensitive). */
  lookup?: (lowerValue: string) => Iterable<string>;
}

export interface FilterSchema<T> {
  resource: string;
  attrs: readonly AttrSpec<T>[];
  /** Extra rules on the whole filter (e.g. how users' status clauses must be grouped). */
  check?: (node: FilterNode) => string | undefined;
}

export interface CompiledFilter<T> {
  match: (record: T) => boolean;
  /** Ids that can match (a superset of the result), or undefined when every record can. */
  candidates: () => Set<string> | undefined;
  /** How many `id` comparisons the filter makes (groups/actions/filter allows at most 100). */
  idComparisons: number;
}

function compare(op: CompareOp, kind: AttrKind, actual: string, wanted: string, wantedTime: number): boolean {
  if (kind === 'date') {
    const time = Date.parse(actual);
    switch (op) {
      case 'eq': return time === wantedTime;
      case 'ne': return time !== wantedTime;
      case 'gt': return time > wantedTime;
      case 'ge': return time >= wantedTime;
      case 'lt': return time < wantedTime;
      case 'le': return time <= wantedTime;
      default: return false;
    }
  }
  const value = actual.toLowerCase();
  switch (op) {
    case 'eq': return value === wanted;
    case 'ne': return value !== wanted;
    case 'co': return value.includes(wanted);
    case 'sw': return value.startsWith(wanted);
    case 'ew': return value.endsWith(wanted);
    case 'gt': return value > wanted;
    case 'ge': return value >= wanted;
    case 'lt': return value < wanted;
    case 'le': return value <= wanted;
  }
}

/**
 * Parses and checks `text` against `schema`; `fail(detail)` makes the 400 (it knows whether the
 * filter came from the query string or a body).
 */
export function compileFilter<T>(schema: FilterSchema<T>, text: string, fail: (detail: string) => ApiError): CompiledFilter<T> {
  let ast: FilterNode;
  try {
    ast = parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw fail(`filter: ${error.message}`);
    throw error;
  }
  const byName = new Map(schema.attrs.map((attr) => [attr.name.toLowerCase(), attr]));
  let idComparisons = 0;

  const build = (node: FilterNode): { match: (record: T) => boolean; candidates: () => Set<string> | undefined } => {
    switch (node.kind) {
      case 'not':
        throw fail(`filter: "not" is not supported when filtering ${schema.resource}`);
      case 'and':
      case 'or': {
        const left = build(node.left);
        const right = build(node.right);
        if (node.kind === 'and') {
          return {
            match: (record) => left.match(record) && right.match(record),
            candidates: () => {
              const a = left.candidates();
              const b = right.candidates();
              if (!a) return b;
              if (!b) return a;
              const [small, large] = a.size <= b.size ? [a, b] : [b, a];
              return new Set([...small].filter((id) => large.has(id)));
            },
          };
        }
        return {
          match: (record) => left.match(record) || right.match(record),
          candidates: () => {
            const a = left.candidates();
            if (!a) return undefined;
            const b = right.candidates();
            if (!b) return undefined;
            return new Set([...a, ...b]);
          },
        };
      }
      case 'pr':
      case 'cmp': {
        const attr = byName.get(node.attr.toLowerCase());
        if (!attr) {
          throw fail(`filter: ${schema.resource} cannot be filtered on "${node.attr}" (filterable: ${schema.attrs.map((a) => a.name).join(', ')})`);
        }
        const op = node.kind === 'pr' ? 'pr' : node.op;
        if (!attr.ops.includes(op)) {
          throw fail(`filter: operator "${op}" is not supported on ${attr.name} (supported: ${attr.ops.join(', ')})`);
        }
        if (attr.name === 'id') idComparisons++;
        if (node.kind === 'pr') {
          return {
            match: (record) => {
              const value = attr.get(record);
              return Array.isArray(value) ? value.length > 0 : typeof value === 'string' && value.length > 0;
            },
            candidates: () => undefined,
          };
        }
        if (typeof node.value !== 'string') throw fail(`filter: the value compared with ${attr.name} must be a quoted string`);
        const wanted = node.value.toLowerCase();
        const wantedTime = attr.kind === 'date' ? Date.parse(node.value) : Number.NaN;
        if (attr.kind === 'date' && Number.isNaN(wantedTime)) throw fail(`filter: ${JSON.stringify(node.value)} is not an ISO-8601 date`);
        const cmpOp = node.op;
        const test = (value: string): boolean => compare(cmpOp, attr.kind, value, wanted, wantedTime);
        const lookup = attr.lookup;
        return {
          match: (record) => {
            const value = attr.get(record);
            if (value === undefined) return cmpOp === 'ne';
            if (typeof value === 'string') return test(value);
            return cmpOp === 'ne' ? (value as readonly string[]).every(test) : (value as readonly string[]).some(test);
          },
          candidates: () => (cmpOp === 'eq' && lookup ? new Set(lookup(wanted)) : undefined),
        };
      }
    }
  };

  const compiled = build(ast);
  const problem = schema.check?.(ast);
  if (problem) throw fail(`filter: ${problem}`);
  return { ...compiled, idComparisons };
}

/** Users' rule: "Any filters for status must be grouped together and applied to the whole query." */
export function statusGroupedRule(node: FilterNode): string | undefined {
  const walk = (n: FilterNode, combine: (a: boolean, b: boolean) => boolean): boolean => {
    switch (n.kind) {
      case 'and':
      case 'or':
        return combine(walk(n.left, combine), walk(n.right, combine));
      case 'not':
        return walk(n.expr, combine);
      default:
        return n.attr.toLowerCase() === 'status';
    }
  };
  const mentions = (n: FilterNode): boolean => walk(n, (a, b) => a || b);
  const only = (n: FilterNode): boolean => walk(n, (a, b) => a && b);
  if (!mentions(node)) return undefined;
  const conjuncts: FilterNode[] = [];
  const flatten = (n: FilterNode): void => {
    if (n.kind === 'and') {
      flatten(n.left);
      flatten(n.right);
    } else conjuncts.push(n);
  };
  flatten(node);
  const withStatus = conjuncts.filter(mentions);
  if (withStatus.length === 1 && only(withStatus[0]!)) return undefined;
  return 'status conditions must be grouped in one clause applied to the whole query, e.g. (name eq "Bob" or name eq "Alice") and (status eq "active" or status eq "disabled")';
}
