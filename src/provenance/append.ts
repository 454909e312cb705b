/** A subject, material or resolved dependency: a name/URI and a digest set. */
export interface Artifact {
  name: string;
  digest: Record<string, string>;
}

/**
 * Chains' merge rule (internal/artifact/append.go): an item equal to an existing one by name and sharing
 * at least one algorithm→hex pair is merged into it (digest sets unioned); otherwise appended.
 * Indexed by (name, algorithm, hex) so that building a list of n items costs O(n), not O(n²).
 */
export class ArtifactList {
  private readonly items: Artifact[] = [];
  /** name + algorithm + hex → positions of the artifacts that held that pair (merges may overwrite it since). */
  private readonly byPair = new Map<string, number[]>();

  /** Start from `original` as is (Chains does not merge within the original list). */
  static from(original: readonly Artifact[]): ArtifactList {
    const list = new ArtifactList();
    for (const a of original) list.push({ name: a.name, digest: { ...a.digest } });
    return list;
  }

  add(...items: readonly Artifact[]): this {
    for (const item of items) {
      const hit = this.firstMatch(item);
      const target = hit === undefined ? undefined : this.items[hit];
      if (target && hit !== undefined) {
        Object.assign(target.digest, item.digest);
        this.index(target, hit);
      } else this.push({ name: item.name, digest: { ...item.digest } });
    }
    return this;
  }

  /** Position of the first artifact with the item's name that still shares one of its pairs. */
  private firstMatch(item: Artifact): number | undefined {
    let hit: number | undefined;
    for (const [alg, hex] of Object.entries(item.digest)) {
      for (const i of this.byPair.get(pairKey(item.name, alg, hex)) ?? []) {
        if ((hit === undefined || i < hit) && this.items[i]?.digest[alg] === hex) hit = i;
      }
    }
    return hit;
  }

  toArray(): Artifact[] {
    return this.items;
  }

  private push(a: Artifact): void {
    this.items.push(a);
    this.index(a, this.items.length - 1);
  }

  private index(a: Artifact, at: number): void {
    for (const [alg, hex] of Object.entries(a.digest)) {
      const key = pairKey(a.name, alg, hex);
      const positions = this.byPair.get(key);
      if (!positions) this.byPair.set(key, [at]);
      else if (!positions.includes(at)) positions.push(at);
    }
  }
}

function pairKey(name: string, alg: string, hex: string): string {
  return `${name}\u0000${alg}\u0000${hex}`;
}

/** AppendSubjects / AppendMaterials: `original` followed by `items`, merged. */
export function appendArtifacts(original: readonly Artifact[], ...items: readonly Artifact[]): Artifact[] {
  return ArtifactList.from(original)
    .add(...items)
    .toArray();
}
