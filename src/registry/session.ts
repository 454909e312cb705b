import { sha256Hex } from '../core/hash.ts';
import { basicHeader, fetchBearer, parseChallenge } from './auth.ts';
import { RegistryError } from './errors.ts';
import { anonymous, type Keychain } from './keychain.ts';
import { isLoopback, repositoryName, type Repository } from './reference.ts';
import { routedTransport, type HttpResponse, type Transport } from './transport.ts';

export interface RegistryClientOptions {
  keychain?: Keychain;
  /** allow plain HTTP and skip TLS verification for every registry (cosign --allow-insecure-registry) */
  insecure?: boolean;
  /**
   * allow plain HTTP and skip TLS verification for these registries (`host[:port]`) only: Chains'
   * `storage.oci.repository.insecure` for the override repository
   */
  insecureRegistries?: readonly string[];
  /** extra CA certificate(s), PEM */
  caCert?: string | Buffer;
  /** default 4 MiB, distribution's own manifest limit */
  maxManifestBytes?: number;
  /** default 128 MiB (cosign's COSIGN_MAX_ATTACHMENT_SIZE default) */
  maxBlobBytes?: number;
  transport?: Transport;
}

export interface Call {
  method: string;
  /** path below the registry root, with query */
  path: string;
  scope: 'pull' | 'pull,push' | 'delete';
  headers?: Record<string, string>;
  body?: Buffer;
  maxBytes?: number;
  tooLarge?: 'MANIFEST_TOO_LARGE' | 'BLOB_TOO_LARGE';
}

const distributionErrors = (body: Buffer): string => {
  try {
    const v = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    return (v.errors ?? []).map((e) => `${e.code ?? ''}: ${e.message ?? ''}`).join('; ');
  } catch {
    return body.toString('utf8').slice(0, 200).trim();
  }
};

/** HTTP session with one registry host at a time: scheme detection, auth challenges, token cache. */
export class RegistrySession {
  readonly maxManifestBytes: number;
  readonly maxBlobBytes: number;
  private readonly transport: Transport;
  private readonly keychain: Keychain;
  private readonly schemes = new Map<string, string>();
  private readonly authHeaders = new Map<string, string>();
  /** registries that asked for Basic auth: credentials for them are sent up front (they do not depend on scope) */
  private readonly basicRegistries = new Set<string>();
  /** Basic header per `registry/repository` (a keychain may hold repository-specific credentials) */
  private readonly basicHeaders = new Map<string, string>();
  /** registries that answered a monolithic POST with 202 (distribution 2.8 ignores `?digest=` there) */
  private readonly noMonolithicPost = new Set<string>();
  private readonly insecureRegistries: ReadonlySet<string>;

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.insecureRegistries = new Set((opts.insecureRegistries ?? []).map((r) => r.toLowerCase()));
    this.transport =
      opts.transport ??
      routedTransport({
        ...(opts.caCert ? { ca: opts.caCert } : {}),
        insecure: opts.insecure === true,
        insecureHosts: [...this.insecureRegistries],
      });
    this.keychain = opts.keychain ?? anonymous;
    this.maxManifestBytes = opts.maxManifestBytes ?? 4 * 1024 * 1024;
    this.maxBlobBytes = opts.maxBlobBytes ?? 128 * 1024 * 1024;
  }

  /** Base URL: https, falling back to http only for loopback or an insecure registry (ggcr ping). */
  async base(registry: string): Promise<string> {
    const known = this.schemes.get(registry);
    if (known) return known;
    const mayHttp =
      this.opts.insecure === true ||
      isLoopback(registry) ||
      this.insecureRegistries.has(registry.toLowerCase());
    try {
      await this.transport({ method: 'GET', url: new URL(`https://${registry}/v2/`), maxBytes: 1 << 16 });
      this.schemes.set(registry, `https://${registry}`);
    } catch (e) {
      const wrongProtocol = /EPROTO|wrong version|ECONNRESET|packet length/i.test(
        String((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message),
      );
      if (!mayHttp || !(e instanceof RegistryError) || (e.code === 'TLS_ERROR' && !wrongProtocol)) throw e;
      this.schemes.set(registry, `http://${registry}`);
    }
    return this.schemes.get(registry) as string;
  }

  private scopeString(repo: Repository, scope: Call['scope']): string {
    return `repository:${repo.repository}:${scope === 'delete' ? 'delete' : scope}`;
  }

  /** One authenticated request; retries once after answering a 401 challenge. */
  async send(repo: Repository, call: Call): Promise<HttpResponse> {
    const base = await this.base(repo.registry);
    const key = `${repo.registry}|${this.scopeString(repo, call.scope)}`;
    const absolute = call.path.startsWith('http');
    const url = new URL(absolute ? call.path : `${base}${call.path}`);
    // credentials go to the registry only, never to a redirect target such as blob storage (ggcr matchesHost)
    if (absolute && url.host !== new URL(base).host) return this.foreign(repo, call, url);
    let res = await this.once(call, url, await this.cachedAuth(repo, call.scope, key));
    if (res.status === 401) {
      const header = await this.answerChallenge(repo, call, res);
      if (header.startsWith('Basic ')) {
        this.basicRegistries.add(repo.registry);
        this.basicHeaders.set(repositoryName(repo), header);
      } else this.authHeaders.set(key, header);
      res = await this.once(call, url, header);
      if (res.status === 401) {
        throw new RegistryError(
          'UNAUTHORIZED',
          `${repo.registry} rejected the credentials for ${repo.repository}`,
        );
      }
    }
    if (res.status === 403) {
      throw new RegistryError(
        'DENIED',
        `${repo.registry} denied ${call.method} on ${repo.repository}: ${distributionErrors(res.body)}`,
      );
    }
    return res;
  }

  /** A request to another host (a blob redirect): no credentials, no challenge answered. */
  private async foreign(repo: Repository, call: Call, url: URL): Promise<HttpResponse> {
    const res = await this.once(call, url, undefined);
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(
        res.status === 401 ? 'UNAUTHORIZED' : 'DENIED',
        `${url.host} (redirected to from ${repo.registry}) refused ${call.method}: ${distributionErrors(res.body)}`,
      );
    }
    return res;
  }

  /**
   * The Authorization to send first: this scope's token, else the repository's Basic credentials when its
   * registry asked for Basic before, else for a pull the repository's push token (it covers pull: one token for a
   * whole push, as go-containerregistry does).
   */
  private async cachedAuth(repo: Repository, scope: Call['scope'], key: string): Promise<string | undefined> {
    const own = this.authHeaders.get(key) ?? (await this.basicFor(repo));
    if (own !== undefined || scope !== 'pull') return own;
    return this.authHeaders.get(`${repo.registry}|${this.scopeString(repo, 'pull,push')}`);
  }

  private async basicFor(repo: Repository): Promise<string | undefined> {
    if (!this.basicRegistries.has(repo.registry)) return undefined;
    const name = repositoryName(repo);
    const known = this.basicHeaders.get(name);
    if (known !== undefined) return known;
    const cred = await this.keychain.resolve(repo.registry, repo.repository);
    if (cred?.kind !== 'basic') return undefined;
    const header = basicHeader(cred.username, cred.password);
    this.basicHeaders.set(name, header);
    return header;
  }

  /** One round trip (a method, not a closure per call). */
  private once(call: Call, url: URL, auth: string | undefined): Promise<HttpResponse> {
    const headers = auth ? { ...call.headers, authorization: auth } : (call.headers ?? {});
    return this.transport({
      method: call.method,
      url,
      headers,
      ...(call.body ? { body: call.body } : {}),
      maxBytes: call.maxBytes ?? 1 << 20,
      ...(call.tooLarge ? { tooLarge: call.tooLarge } : {}),
    });
  }

  private async answerChallenge(repo: Repository, call: Call, res: HttpResponse): Promise<string> {
    const raw = res.headers['www-authenticate'];
    const ch = parseChallenge(Array.isArray(raw) ? raw[0] : raw);
    const cred = await this.keychain.resolve(repo.registry, repo.repository);
    if (!ch)
      throw new RegistryError('UNAUTHORIZED', `${repo.registry} answered 401 without a usable challenge`);
    if (ch.scheme === 'basic') {
      if (cred?.kind !== 'basic') {
        throw new RegistryError(
          'UNAUTHORIZED',
          `${repo.registry} requires authentication and no credentials are configured for it`,
        );
      }
      return basicHeader(cred.username, cred.password);
    }
    return fetchBearer(this.transport, ch, this.scopeString(repo, call.scope), cred);
  }

  /** Throw the coded error matching a non-2xx answer. */
  fail(res: HttpResponse, what: string): never {
    const detail = distributionErrors(res.body);
    if (res.status === 404)
      throw new RegistryError('NOT_FOUND', `${what}: not found${detail ? ` (${detail})` : ''}`);
    throw new RegistryError(
      'REGISTRY_ERROR',
      `${what}: registry answered ${res.status}${detail ? ` (${detail})` : ''}`,
    );
  }

  /** Whether a single-request POST upload is worth trying on `registry` (not yet refused by it). */
  monolithicPost(registry: string): boolean {
    return !this.noMonolithicPost.has(registry);
  }

  refuseMonolithicPost(registry: string): void {
    this.noMonolithicPost.add(registry);
  }

  digestOf(bytes: Uint8Array): string {
    return `sha256:${sha256Hex(bytes)}`;
  }
}
