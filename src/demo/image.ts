import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MediaType } from '../registry/manifest.ts';
import { parseRepository } from '../registry/reference.ts';
import type { RegistryClient } from '../registry/client.ts';
import { pushBlob } from '../registry/upload.ts';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A ustar archive with one file, zero mtime/uid/gid: the same bytes on every machine. */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512, 0);
  const put = (s: string, off: number, len: number) => header.write(s, off, len, 'ascii');
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('00000000000\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of header) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024, 0)]);
}

/**
 * The demo's "kaniko build": a tiny deterministic OCI image (one gzip layer with `/hello.txt`) pushed to
 * `repository:tag`. Returns the manifest digest, identical on every run for the same text.
 */
export async function pushDemoImage(
  client: RegistryClient,
  repository: string,
  tag = 'latest',
  text = 'hello from the chains demo\n',
): Promise<string> {
  const repo = parseRepository(repository);
  const tar = tarOneFile('hello.txt', Buffer.from(text));
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/cat', '/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  await pushBlob(client, repo, config);
  await pushBlob(client, repo, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    }),
  );
  return client.putManifest(repo, tag, manifest, MediaType.ociManifest);
}
