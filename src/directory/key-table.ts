// Normalised DN keys as small numbers, for the snapshot builder. A large directory has about a
// million member values naming some hundred thousand entries: held as numbers, each value costs
// four bytes instead of a string of its own, each key is hashed once, and the member lists can
// be sorted as numbers (by each key's rank) and turned back into the one string per key.

export class KeyTable {
  private readonly idsByKey = new Map<string, number>();
  /** Key by id. */
  private readonly keys: string[] = [];
  /** The DN a key was first seen as, where it is not the key itself (by id). */
  private readonly firstDns = new Map<number, string>();

  /** The id of `key`, new or not; `dn` is remembered as the key's spelling when the key is new. */
  id(key: string, dn?: string): number {
    let id = this.idsByKey.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.idsByKey.set(key, id);
      this.keys.push(key);
      if (dn !== undefined && dn !== key) this.firstDns.set(id, dn);
    }
    return id;
  }

  get size(): number {
    return this.keys.length;
  }

  key(id: number): string {
    return this.keys[id]!;
  }

  /** The DN the key was first seen as (the key itself when it was seen as a key first). */
  dn(id: number): string {
    return this.firstDns.get(id) ?? this.keys[id]!;
  }

  /**
   * Every key's place in sorted (code unit) order: `rank[id]`, and the keys in that order, so a
   * list of ids sorts as numbers and reads back as sorted keys.
   */
  sortedOrder(): { rank: Int32Array; sorted: string[] } {
    const keys = this.keys;
    const ids = Array.from({ length: keys.length }, (_, id) => id);
    ids.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    const rank = new Int32Array(keys.length);
    const sorted = new Array<string>(keys.length);
    ids.forEach((id, position) => {
      rank[id] = position;
      sorted[position] = keys[id]!;
    });
    return { rank, sorted };
  }
}
