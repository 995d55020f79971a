// RFC 7644 (SCIM) filter syntax, as Qlik's list endpoints take it: attribute comparisons
// (`eq ne co sw ew gt ge lt le`, and `pr`), `and` / `or` / `not (...)`, parentheses, string values
// in double quotes (JSON escapes) or single quotes, keywords and attribute names in any case.
// Parsing only: which attributes and operators a resource accepts is decided by filter-eval.ts.

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export type FilterNode =
  | { kind: 'cmp'; attr: string; op: CompareOp; value: FilterValue }
  | { kind: 'pr'; attr: string }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
export const MAX_FILTER_LENGTH = 10_000;
const MAX_DEPTH = 64;

type Token =
  | { type: 'lparen' | 'rparen'; at: number }
  | { type: 'word'; text: string; at: number }
  | { type: 'string'; value: string; at: number };

/** Thrown with a message fit for an error `detail`; the caller adds where the filter came from. */
export class FilterSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', at: i });
      i++;
    } else if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) throw new FilterSyntaxError(`unterminated string starting at position ${start + 1}`);
      i++;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(start, i));
      } catch {
        throw new FilterSyntaxError(`invalid escape in the string at position ${start + 1}`);
      }
      tokens.push({ type: 'string', value: value as string, at: start });
    } else if (c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      if (i >= text.length) throw new FilterSyntaxError(`unterminated string starting at position ${start + 1}`);
      i++;
      tokens.push({ type: 'string', value, at: start });
    } else if (c === '[' || c === ']') {
      throw new FilterSyntaxError(`value paths ("[...]") are not supported (position ${i + 1})`);
    } else {
      const start = i;
      while (i < text.length && !/[\s()"'[\]]/.test(text[i]!)) i++;
      tokens.push({ type: 'word', text: text.slice(start, i), at: start });
    }
  }
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  #pos = 0;
  #depth = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): FilterNode {
    const node = this.#or();
    const rest = this.#tokens[this.#pos];
    if (rest) throw new FilterSyntaxError(`unexpected ${describe(rest)} at position ${rest.at + 1}`);
    return node;
  }

  #keyword(word: string): boolean {
    const token = this.#tokens[this.#pos];
    if (token?.type === 'word' && token.text.toLowerCase() === word) {
      this.#pos++;
      return true;
    }
    return false;
  }

  #or(): FilterNode {
    let node = this.#and();
    while (this.#keyword('or')) node = { kind: 'or', left: node, right: this.#and() };
    return node;
  }

  #and(): FilterNode {
    let node = this.#unary();
    while (this.#keyword('and')) node = { kind: 'and', left: node, right: this.#unary() };
    return node;
  }

  #unary(): FilterNode {
    if (++this.#depth > MAX_DEPTH) throw new FilterSyntaxError(`nested more than ${MAX_DEPTH} levels deep`);
    try {
      const token = this.#tokens[this.#pos];
      if (!token) throw new FilterSyntaxError('unexpected end of the filter');
      if (token.type === 'word' && token.text.toLowerCase() === 'not') {
        this.#pos++;
        return { kind: 'not', expr: this.#group('not') };
      }
      if (token.type === 'lparen') return this.#group();
      return this.#comparison();
    } finally {
      this.#depth--;
    }
  }

  #group(after?: string): FilterNode {
    const open = this.#tokens[this.#pos];
    if (open?.type !== 'lparen') {
      throw new FilterSyntaxError(`expected "(" after "${after}"${open ? ` at position ${open.at + 1}` : ''}`);
    }
    this.#pos++;
    const node = this.#or();
    const close = this.#tokens[this.#pos];
    if (close?.type !== 'rparen') {
      throw new FilterSyntaxError(close ? `expected ")" at position ${close.at + 1}, found ${describe(close)}` : `missing ")" for the "(" at position ${open.at + 1}`);
    }
    this.#pos++;
    return node;
  }

  #comparison(): FilterNode {
    const attr = this.#tokens[this.#pos]!;
    if (attr.type !== 'word' || !/^[A-Za-z_$][\w.$:-]*$/.test(attr.text)) {
      throw new FilterSyntaxError(`expected an attribute name at position ${attr.at + 1}, found ${describe(attr)}`);
    }
    this.#pos++;
    const op = this.#tokens[this.#pos];
    if (op?.type !== 'word') throw new FilterSyntaxError(`expected an operator after "${attr.text}"`);
    const opName = op.text.toLowerCase();
    this.#pos++;
    if (opName === 'pr') return { kind: 'pr', attr: attr.text };
    if (!COMPARE_OPS.has(opName)) throw new FilterSyntaxError(`unknown operator "${op.text}" at position ${op.at + 1}`);
    const value = this.#tokens[this.#pos];
    if (!value) throw new FilterSyntaxError(`expected a value after "${attr.text} ${op.text}"`);
    this.#pos++;
    return { kind: 'cmp', attr: attr.text, op: opName as CompareOp, value: literal(value) };
  }
}

function literal(token: Token): FilterValue {
  if (token.type === 'string') return token.value;
  if (token.type === 'word') {
    const lower = token.text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(token.text)) return Number(token.text);
    throw new FilterSyntaxError(`unquoted value "${token.text}" at position ${token.at + 1} (quote strings with " or ')`);
  }
  throw new FilterSyntaxError(`expected a value at position ${token.at + 1}, found ${describe(token)}`);
}

function describe(token: Token): string {
  switch (token.type) {
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'string':
      return `the string ${JSON.stringify(token.value)}`;
    case 'word':
      return `"${token.text}"`;
  }
}

export function parseFilter(text: string): FilterNode {
  if (text.length > MAX_FILTER_LENGTH) throw new FilterSyntaxError(`longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new FilterSyntaxError('empty filter');
  return new Parser(tokens).parse();
}
