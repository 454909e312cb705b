import { ProvenanceError } from './errors.ts';

/**
 * Digest references parsed as go-containerregistry `name.NewDigest` does with default (weak) options:
 * Docker Hub names become `index.docker.io/library/…`, a tag before the digest is dropped,
 * only `sha256:` digests are accepted. https://github.com/google/go-containerregistry/tree/main/pkg/name
 */
export interface ImageDigestRef {
  /** Normalised repository, e.g. `index.docker.io/library/busybox`. */
  repository: string;
  /** `sha256:<hex>`. */
  digest: string;
}

const DEFAULT_REGISTRY = 'index.docker.io';
const REPO_CHARS = /^[a-z0-9_\-./]+$/;
const TAG_CHARS = /^[A-Za-z0-9_\-.]+$/;
const SHA256 = /^[a-f0-9]{64}$/;
// url.Parse("//"+name).Host == name: a host name or IP with an optional port (approximation of Go's rules).
const REGISTRY = /^(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/;

function bad(message: string): never {
  throw new ProvenanceError('INVALID_REFERENCE', message);
}

/** NewRepository: split off the registry when the first part has '.' or ':' or is localhost. */
function parseRepository(name: string): string {
  if (name.length === 0) bad('a repository name must be specified');
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : name;
  let registry = '';
  let repo = name;
  if (slash >= 0 && (first === 'localhost' || /[.:]/.test(first))) {
    registry = first;
    repo = name.slice(slash + 1);
  }
  if (repo.length < 2 || repo.length > 255)
    bad(`repository must be between 2 and 255 characters in length: ${repo}`);
  if (!REPO_CHARS.test(repo))
    bad(`repository can only contain the characters \`abcdefghijklmnopqrstuvwxyz0123456789_-./\`: ${repo}`);
  if (registry !== '' && !REGISTRY.test(registry))
    bad(`registries must be valid RFC 3986 URI authorities: ${registry}`);
  if (registry === '' || registry === 'docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !repo.includes('/')) repo = `library/${repo}`;
  return `${registry}/${repo}`;
}

/** NewTag, used only to strip a valid tag from the base; returns undefined when it is not a valid tag. */
function stripTag(base: string): string | undefined {
  const parts = base.split(':');
  const last = parts[parts.length - 1] ?? '';
  if (parts.length < 2 || last.includes('/')) return undefined;
  if (last === '' || last.length > 128 || !TAG_CHARS.test(last)) return undefined;
  return parts.slice(0, -1).join(':');
}

/** Parse `repo[:tag]@sha256:hex`. Throws INVALID_REFERENCE with go-containerregistry's wording. */
export function parseDigestReference(ref: string): ImageDigestRef {
  const parts = ref.split('@');
  if (parts.length !== 2)
    bad(`a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: ${ref}`);
  const [base = '', dig = ''] = parts;
  if (!dig.startsWith('sha256:')) bad(`unsupported digest algorithm: ${dig}`);
  if (!SHA256.test(dig.slice(7))) bad(`invalid checksum digest format: ${dig}`);
  const untagged = stripTag(base);
  // NewTag succeeding replaces base with the tag's repository name; its errors are ignored.
  let repository: string;
  if (untagged !== undefined) {
    try {
      repository = parseRepository(untagged);
    } catch {
      repository = parseRepository(base);
    }
  } else {
    repository = parseRepository(base);
  }
  return { repository, digest: dig };
}

export function fullRef(r: ImageDigestRef): string {
  return `${r.repository}@${r.digest}`;
}
