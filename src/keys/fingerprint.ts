import { createHash } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { PublicKeyMaterial } from './public.ts';

/** SSH wire `string`: uint32 length then bytes (RFC 4251 §5). */
function sshString(b: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** SSH `mpint`: big-endian two's complement, leading zero when the top bit is set. */
function sshMpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString((v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

const b64url = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');

/** The key in SSH wire format (golang.org/x/crypto/ssh NewPublicKey(...).Marshal()). */
export function sshPublicKeyBlob(pub: PublicKeyMaterial): Buffer {
  const jwk: JsonWebKey = pub.key.export({ format: 'jwk' });
  switch (pub.algorithm) {
    case 'rsa':
      return Buffer.concat([
        sshString(Buffer.from('ssh-rsa')),
        sshMpint(b64url(jwk.e)),
        sshMpint(b64url(jwk.n)),
      ]);
    case 'ed25519':
      return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(b64url(jwk.x))]);
    case 'ecdsa-p256':
    case 'ecdsa-p384':
    case 'ecdsa-p521': {
      const curve = `nistp${pub.algorithm.slice('ecdsa-p'.length)}`;
      const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
      return Buffer.concat([
        sshString(Buffer.from(`ecdsa-sha2-${curve}`)),
        sshString(Buffer.from(curve)),
        sshString(point),
      ]);
    }
  }
}

/**
 * `SHA256:<unpadded base64>` of the SSH key blob: the DSSE keyid Tekton Chains writes
 * (pkg/chains/signing/wrap.go, ssh.FingerprintSHA256; https://tekton.dev/docs/chains/signing/).
 */
export function keyFingerprint(pub: PublicKeyMaterial): string {
  const digest = createHash('sha256').update(sshPublicKeyBlob(pub)).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}
