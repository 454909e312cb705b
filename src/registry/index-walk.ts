import { RegistryError } from './errors.ts';
import { isIndexMediaType, parseIndex } from './manifest.ts';
import { repositoryName, type Repository } from './reference.ts';
import type { RegistryClient } from './client.ts';

/** Bounds on a walk through nested indexes (a hostile registry could answer with a huge or looping tree). */
const MAX_MANIFESTS = 1000;
const MAX_DEPTH = 8;

export interface WalkOptions {
  /** false: just `digest` (cosign sign without --recursive) */
  recursive: boolean;
}

/**
 * `digest` followed, when it names an image index and `recursive` is set, by every manifest below it, depth
 * first in index order, each once (cosign sign --recursive: walk.SignedEntity visits the index, then each child).
 * The children are looked up in the same repository; every manifest fetched is digest-checked.
 */
export async function manifestDigests(
  client: RegistryClient,
  repo: Repository,
  digest: string,
  o: WalkOptions,
): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string, depth: number): Promise<void> => {
    if (out.includes(d)) return;
    if (!/^sha256:[a-f0-9]{64}$/.test(d))
      throw new RegistryError(
        'BAD_MANIFEST',
        `${repositoryName(repo)}: child manifest ${d} is not a sha256 digest`,
      );
    if (out.length >= MAX_MANIFESTS)
      throw new RegistryError(
        'BAD_MANIFEST',
        `${repositoryName(repo)}: more than ${MAX_MANIFESTS} manifests below ${digest}`,
      );
    out.push(d);
    if (!o.recursive) return;
    const m = await client.getManifest(repo, d);
    if (!isIndexMediaType(m.mediaType)) return;
    if (depth >= MAX_DEPTH)
      throw new RegistryError(
        'BAD_MANIFEST',
        `${repositoryName(repo)}@${digest}: indexes nested deeper than ${MAX_DEPTH}`,
      );
    for (const child of parseIndex(m.bytes, `${repositoryName(repo)}@${d}`).manifests)
      await visit(child.digest, depth + 1);
  };
  await visit(digest, 0);
  return out;
}
