import { createHash, createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, loadPrivateKey } from '../keys/index.ts';
import { KeySigner, signDsse, signRaw } from './index.ts';

/** sigstore-js as an independent verifier of our signatures: key trust only, no log/timestamp thresholds. */
function verifier(publicKeyPem: string): Verifier {
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
  const trust = toTrustMaterial(root, () => ({
    publicKey: createPublicKey(publicKeyPem),
    validFor: () => true,
  }));
  return new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
}

describe('our signatures verify in @sigstore/verify', async () => {
  const pair = await generateKeyPair('pw');
  const signer = new KeySigner(await loadPrivateKey(pair.privateKeyPem, 'pw'));
  const material = { publicKey: { hint: 'k' }, tlogEntries: [] };

  it('DSSE envelope (PAE, keyid, base64 exactly as sigstore-js reads them)', async () => {
    const rec = await signDsse(signer, 'application/vnd.in-toto+json', Buffer.from('{"_type":"x"}'));
    const bundle = (env: unknown) =>
      bundleFromJSON({
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: material,
        dsseEnvelope: env,
      });
    const env = JSON.parse(rec.bytes.toString()) as { payload: string };
    verifier(pair.publicKeyPem).verify(toSignedEntity(bundle(env)));
    const tampered = { ...env, payload: Buffer.from('{"_type":"y"}').toString('base64') };
    expect(() => verifier(pair.publicKeyPem).verify(toSignedEntity(bundle(tampered)))).toThrow();
  });

  it('blob signature as a message-signature bundle', async () => {
    const blob = Buffer.from('artifact bytes');
    const rec = await signRaw(signer, blob);
    const bundle = bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: material,
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(blob).digest('base64') },
        signature: rec.signature,
      },
    });
    verifier(pair.publicKeyPem).verify(toSignedEntity(bundle, blob));
    expect(() => verifier(pair.publicKeyPem).verify(toSignedEntity(bundle, Buffer.from('other')))).toThrow();
  });
});
