import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { RegistryClient } from '../../src/registry/client.ts';
import { staticKeychain } from '../../src/registry/keychain.ts';
import { testRegistries } from '../setup/env.ts';

export type RegistryKind = 'plain' | 'auth' | 'tls';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * A tiny deterministic OCI image layout (the project notes): one gzip layer holding `hello.txt`,
 * built with sorted, zero-mtime tar so the manifest digest is the same on every run for the same `text`.
 */
export function tinyOciLayout(text = 'hello from chains\n', tag = 'v1'): { dir: string; digest: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chains-oci-'));
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'hello.txt'), text);
  const tar = execFileSync('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-cf',
    '-',
    '-C',
    src,
    '.',
  ]);
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tar)}`] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha(config)}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: `sha256:${sha(layer)}`,
          size: layer.length,
        },
      ],
    }),
  );
  const layout = join(dir, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  for (const b of [layer, config, manifest]) writeFileSync(join(layout, 'blobs', 'sha256', sha(b)), b);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha(manifest)}`,
        size: manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  return { dir: layout, digest: `sha256:${sha(manifest)}` };
}

/** skopeo flags for a registry kind (creds and CA dir). */
export function skopeoFlags(kind: RegistryKind | 'embedded', dir: 'src' | 'dest' | 'none'): string[] {
  const r = testRegistries();
  const p = dir === 'none' ? '' : `${dir}-`;
  const flags: string[] = [];
  if (kind === 'tls') flags.push(`--${p}cert-dir=${r.certDir}`);
  else flags.push(`--${p}tls-verify=false`);
  if (kind === 'auth' || kind === 'tls') flags.push(`--${p}creds=${r.user}:${r.password}`);
  return flags;
}

export function hostOf(kind: RegistryKind): string {
  return testRegistries()[kind];
}

/** Copy the tiny image into `host/repo:tag` with skopeo; returns the manifest digest. */
export function skopeoCopyIn(
  kind: RegistryKind | 'embedded',
  host: string,
  repo: string,
  text?: string,
): string {
  const { dir, digest } = tinyOciLayout(text);
  execFileSync(
    'skopeo',
    ['copy', '-q', ...skopeoFlags(kind, 'dest'), `oci:${dir}:v1`, `docker://${host}/${repo}:v1`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return digest;
}

export function skopeoInspectRaw(kind: RegistryKind | 'embedded', ref: string): string {
  return execFileSync('skopeo', ['inspect', '--raw', ...skopeoFlags(kind, 'none'), `docker://${ref}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A client configured for a test registry (credentials + CA as needed). */
export function clientFor(
  kind: RegistryKind | 'embedded',
  opts: { maxManifestBytes?: number } = {},
): RegistryClient {
  const r = testRegistries();
  if (kind === 'plain' || kind === 'embedded') return new RegistryClient(opts);
  return new RegistryClient({
    ...opts,
    keychain: staticKeychain(r[kind], { kind: 'basic', username: r.user, password: r.password }),
    ...(kind === 'tls' ? { caCert: readFileSync(r.caCert) } : {}),
  });
}

let counter = 0;
/** A repository name unique to this test process. */
export function uniqueRepo(prefix: string): string {
  return `${prefix}/r${process.pid}x${counter++}`;
}

/** skopeo without blocking the event loop: required when the registry runs in this process (embedded). */
export function skopeo(args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    execFile('skopeo', args, { encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? fail(new Error(`skopeo ${args[0]} failed: ${stderr}`)) : ok(stdout),
    );
  });
}
