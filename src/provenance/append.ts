/** A subject, material or resolved dependency: a name/URI and a digest set. */
export interface Artifact {
  name: string;
  digest: Record<string, string>;
}

/**
 * Chains' merge rule (internal/artifact/append.go): an item equal to an existing one by name and sharing
 * at least one algorithm→hex pair is merged into it (digest sets unioned); otherwise appended.
 */
export function appendArtifacts(original: readonly Artifact[], ...items: readonly Artifact[]): Artifact[] {
  const out = original.map((a) => ({ name: a.name, digest: { ...a.digest } }));
  for (const item of items) {
    const hit = out.find(
      (a) => a.name === item.name && Object.entries(a.digest).some(([alg, hex]) => item.digest[alg] === hex),
    );
    if (hit) Object.assign(hit.digest, item.digest);
    else out.push({ name: item.name, digest: { ...item.digest } });
  }
  return out;
}
