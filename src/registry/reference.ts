import { RegistryError } from './errors.ts';

/** go-containerregistry's Docker Hub defaults (pkg/name): `docker.io` is served by `index.docker.io`. */
export const DOCKER_HUB = 'index.docker.io';

/** A repository on a registry, normalised (`index.docker.io/library/busybox`). */
export interface Repository {
  registry: string;
  repository: string;
}

/** An image reference: a repository plus a tag and/or a digest. */
export interface ImageReference extends Repository {
  tag?: string;
  digest?: string;
}

// distribution/reference grammar: path components, tags, digests.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

function bad(ref: string, why: string): RegistryError {
  return new RegistryError('BAD_REFERENCE', `invalid image reference "${ref}": ${why}`);
}

export function isValidRepositoryPath(path: string): boolean {
  return path.length > 0 && path.length <= 255 && path.split('/').every((c) => COMPONENT.test(c));
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** Split `host[:port]/path` into registry and repository with Docker Hub defaults. */
export function parseRepository(name: string): Repository {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasHost ? first : DOCKER_HUB;
  let repository = hasHost ? name.slice(slash + 1) : name;
  if (registry === 'docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (!HOST.test(registry)) throw bad(name, `bad registry host "${registry}"`);
  if (!isValidRepositoryPath(repository)) {
    throw bad(name, `repository "${repository}" must be lowercase path components ([a-z0-9._-])`);
  }
  return { registry: registry.toLowerCase(), repository };
}

/** Parse `[host/]repo[:tag][@sha256:hex]`; a bare repository gets the `latest` tag (as docker does). */
export function parseReference(ref: string): ImageReference {
  const text = ref.trim();
  if (!text) throw bad(ref, 'empty');
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  let rest = at >= 0 ? text.slice(0, at) : text;
  if (digest !== undefined && !DIGEST.test(digest)) throw bad(ref, `digest must be sha256:<64 hex>`);
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(ref, `bad tag "${tag}"`);
  }
  const repo = parseRepository(rest);
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { ...repo, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `registry/repository`, the form cosign puts in `docker-reference`. */
export function repositoryName(r: Repository): string {
  return `${r.registry}/${r.repository}`;
}

/** Canonical string of a reference (digest wins over tag when both are present for pulling). */
export function formatReference(r: ImageReference): string {
  const name = repositoryName(r);
  if (r.digest) return `${name}${r.tag ? `:${r.tag}` : ''}@${r.digest}`;
  return `${name}:${r.tag ?? 'latest'}`;
}

/** The manifest identifier to request: the digest if known, else the tag. */
export function identifier(r: ImageReference): string {
  return r.digest ?? r.tag ?? 'latest';
}

/** Loopback/localhost registries speak plain HTTP by default (go-containerregistry name.Registry.Scheme). */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
}
