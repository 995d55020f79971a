// A sort order over a tenant's users or groups, kept as an array of (key, id) pairs so a page is a
// binary search plus a slice, never a scan of 100,000 records. Views are built on first use and
// then maintained: a few inserts are spliced in, a bulk load is merged in one pass on the next read.

export interface Entry {
  /** The sort value, already normalised (lowercased names, ISO dates...). */
  key: string;
  id: string;
}

export function compareEntries(a: Entry, b: Entry): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/** Number of entries strictly less than `probe`. */
export function lowerBound(entries: readonly Entry[], probe: Entry): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(entries[mid]!, probe) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of entries less than or equal to `probe`. */
export function upperBound(entries: readonly Entry[], probe: Entry): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(entries[mid]!, probe) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const SPLICE_LIMIT = 32;

export class SortedView {
  readonly #build: () => Entry[];
  #entries: Entry[] = [];
  #pending: Entry[] = [];
  #built = false;

  /** `build` lists every (key, id) of the collection, in any order. */
  constructor(build: () => Entry[]) {
    this.#build = build;
  }

  insert(entry: Entry): void {
    if (this.#built) this.#pending.push(entry);
  }

  remove(entry: Entry): void {
    if (!this.#built) return;
    const pendingAt = this.#pending.findIndex((p) => p.id === entry.id);
    if (pendingAt >= 0) {
      this.#pending.splice(pendingAt, 1);
      return;
    }
    const at = lowerBound(this.#entries, entry);
    if (at < this.#entries.length && compareEntries(this.#entries[at]!, entry) === 0) this.#entries.splice(at, 1);
    else this.invalidate(); // not where its key says: rebuild rather than serve a wrong order
  }

  invalidate(): void {
    this.#built = false;
    this.#entries = [];
    this.#pending = [];
  }

  /** The entries in ascending order. Do not mutate. */
  entries(): readonly Entry[] {
    if (!this.#built) {
      this.#entries = this.#build().sort(compareEntries);
      this.#pending = [];
      this.#built = true;
    } else if (this.#pending.length > 0) {
      this.#flush();
    }
    return this.#entries;
  }

  #flush(): void {
    const pending = this.#pending.sort(compareEntries);
    this.#pending = [];
    if (pending.length <= SPLICE_LIMIT) {
      for (const entry of pending) this.#entries.splice(lowerBound(this.#entries, entry), 0, entry);
      return;
    }
    const merged: Entry[] = new Array(this.#entries.length + pending.length);
    let i = 0;
    let j = 0;
    let k = 0;
    const old = this.#entries;
    while (i < old.length && j < pending.length) merged[k++] = compareEntries(old[i]!, pending[j]!) <= 0 ? old[i++]! : pending[j++]!;
    while (i < old.length) merged[k++] = old[i++]!;
    while (j < pending.length) merged[k++] = pending[j++]!;
    this.#entries = merged;
  }
}

/**
 * The views of one collection, one per sort field, created on first use. The store tells it about
 * every added, removed and changed record; keys are recomputed to see which views must move it.
 */
export class ViewSet<T extends { id: string }> {
  readonly #keyOf: Record<string, (record: T) => string>;
  readonly #all: () => Iterable<T>;
  readonly #views = new Map<string, SortedView>();

  constructor(keyOf: Record<string, (record: T) => string>, all: () => Iterable<T>) {
    this.#keyOf = keyOf;
    this.#all = all;
  }

  fields(): string[] {
    return Object.keys(this.#keyOf);
  }

  keyFn(field: string): (record: T) => string {
    const fn = this.#keyOf[field];
    if (!fn) throw new Error(`no sort key for ${field}`);
    return fn;
  }

  view(field: string): SortedView {
    let view = this.#views.get(field);
    if (!view) {
      const keyOf = this.keyFn(field);
      view = new SortedView(() => {
        const out: Entry[] = [];
        for (const record of this.#all()) out.push({ key: keyOf(record), id: record.id });
        return out;
      });
      this.#views.set(field, view);
    }
    return view;
  }

  added(record: T): void {
    for (const [field, view] of this.#views) view.insert({ key: this.#keyOf[field]!(record), id: record.id });
  }

  removed(record: T): void {
    for (const [field, view] of this.#views) view.remove({ key: this.#keyOf[field]!(record), id: record.id });
  }

  /** Keys before a change, to pass to `changed` afterwards. */
  keys(record: T): Map<string, string> {
    const out = new Map<string, string>();
    for (const field of this.#views.keys()) out.set(field, this.#keyOf[field]!(record));
    return out;
  }

  changed(record: T, before: Map<string, string>): void {
    for (const [field, view] of this.#views) {
      const old = before.get(field);
      const now = this.#keyOf[field]!(record);
      if (old === undefined) view.invalidate();
      else if (old !== now) {
        view.remove({ key: old, id: record.id });
        view.insert({ key: now, id: record.id });
      }
    }
  }

  invalidateAll(): void {
    for (const view of this.#views.values()) view.invalidate();
  }
}
