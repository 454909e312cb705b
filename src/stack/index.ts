import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority, loadCa, startCaServer } from '../ca/index.ts';
import { encodePem } from '../core/encoding.ts';
import { startCtLogServer } from '../ctlog/server/index.ts';
import { TokenVerifier, singleIssuer } from '../oidc/index.ts';
import type { IssuerConfig } from '../oidc/index.ts';
import { startIssuerServer } from '../oidc/issuer/index.ts';
import { startRegistryServer } from '../registry/server/server.ts';
import { startLogServer } from '../tlog/server/index.ts';
import { buildTrustedRoot, fetchTrustMaterial } from '../trustroot/index.ts';
import type { TrustedRootJson } from '../trustroot/index.ts';

/**
 * `chains stack serve`: a private Sigstore on one machine: the OCI registry, the transparency log, the CA, the
 * CT log and the OIDC issuer on loopback, and the trusted root that ties them together.
 */

export interface StackPorts {
  registry: number;
  tlog: number;
  ca: number;
  ctlog: number;
  oidc: number;
}

/** Fixed defaults, as each service's own `serve` uses; 0 picks a free port. */
export const DEFAULT_PORTS: StackPorts = { registry: 5000, tlog: 3000, ca: 5555, ctlog: 6962, oidc: 5556 };

export interface StackOptions {
  dir: string;
  host?: string;
  ports?: Partial<StackPorts>;
  /** The identity the CA derives from the embedded issuer's tokens (default kubernetes: service accounts). */
  identityType?: IssuerConfig['type'];
  /** The CA key password (CHAINS_CA_PASSWORD). */
  caPassword?: string;
}

export interface StackUrls {
  registry: string;
  /** host:port for image references. */
  registryHost: string;
  rekor: string;
  fulcio: string;
  ctlog: string;
  oidcIssuer: string;
}

export interface RunningStack {
  urls: StackUrls;
  /** Directories: `oidc` is the one `chains oidc token --dir` needs. */
  dirs: { registry: string; tlog: string; ca: string; ctlog: string; oidc: string };
  trustedRoot: TrustedRootJson;
  trustedRootPath: string;
  close(): Promise<void>;
}

type Closer = () => Promise<void>;

async function closeAll(closers: Closer[]): Promise<void> {
  for (const c of [...closers].reverse()) await c().catch(() => undefined);
}

type Dirs = RunningStack['dirs'];

/** Start the services in dependency order, pushing each one's close onto `closers`; returns their URLs. */
async function startServices(o: StackOptions, dirs: Dirs, closers: Closer[]): Promise<StackUrls> {
  const host = o.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...o.ports };
  const issuer = await startIssuerServer({ dir: dirs.oidc, addr: `${host}:${ports.oidc}` });
  closers.push(() => issuer.close());
  const material = await loadCa(dirs.ca, { init: true, ...(o.caPassword ? { password: o.caPassword } : {}) });
  const rootsPem = encodePem('CERTIFICATE', material.rootDer);
  const ct = await startCtLogServer({ dir: dirs.ctlog, addr: `${host}:${ports.ctlog}`, rootsPem });
  closers.push(() => ct.close());
  mkdirSync(dirs.tlog, { recursive: true, mode: 0o700 });
  const tlog = await startLogServer({ dbPath: join(dirs.tlog, 'tlog.db'), addr: `${host}:${ports.tlog}` });
  closers.push(() => tlog.close());
  const registry = await startRegistryServer({ dir: dirs.registry, addr: `${host}:${ports.registry}` });
  closers.push(() => registry.close());
  const verifier = new TokenVerifier(
    singleIssuer({ issuerUrl: issuer.url, clientId: 'sigstore', type: o.identityType ?? 'kubernetes' }),
  );
  // the CA logs every precertificate in the stack's CT log and checks the SCT with its key
  const authority = new CertificateAuthority(material, verifier, { url: ct.url, publicKey: ct.publicKeyPem });
  const ca = await startCaServer(authority, { addr: `${host}:${ports.ca}` });
  closers.push(() => ca.close());
  return {
    registry: registry.url,
    registryHost: registry.host,
    rekor: tlog.url,
    fulcio: ca.url,
    ctlog: ct.url,
    oidcIssuer: issuer.url,
  };
}

/** Start every service; if one fails, the ones already running are stopped before the error is thrown. */
export async function startStack(o: StackOptions): Promise<RunningStack> {
  const names = ['registry', 'tlog', 'ca', 'ctlog', 'oidc'] as const;
  const dirs = Object.fromEntries(names.map((n) => [n, join(o.dir, n)])) as Dirs;
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const closers: Closer[] = [];
  try {
    const urls = await startServices(o, dirs, closers);
    // read back over HTTP, as any client would, so the file matches what the services serve
    const trustedRoot = buildTrustedRoot(
      await fetchTrustMaterial({ rekorUrl: urls.rekor, fulcioUrl: urls.fulcio, ctlogUrl: urls.ctlog }),
    );
    const trustedRootPath = join(o.dir, 'trusted_root.json');
    writeFileSync(trustedRootPath, `${JSON.stringify(trustedRoot, null, 2)}\n`);
    writeFileSync(join(o.dir, 'stack.json'), `${JSON.stringify({ urls, dirs, trustedRootPath }, null, 2)}\n`);
    return { urls, dirs, trustedRoot, trustedRootPath, close: () => closeAll(closers) };
  } catch (e) {
    await closeAll(closers);
    throw e;
  }
}
