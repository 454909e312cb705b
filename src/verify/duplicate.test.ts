import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { privateKeyMaterial } from '../keys/index.ts';
import { Annotation } from '../storage/oci/layout.ts';
import { signedByKey } from './duplicate.ts';

const ours = privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
const theirs = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const payload = Buffer.from('{"critical":{}}');
const layer = (digest: string, signature?: string) => ({
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  size: payload.length,
  digest,
  ...(signature ? { annotations: { [Annotation.signature]: signature } } : {}),
});
const D = `sha256:${'a'.repeat(64)}`;
const sig = (key = ours.key) => sign('sha256', payload, key).toString('base64');

describe('signedByKey (cosign sign appends nothing when the key already signed this payload)', () => {
  it('is a duplicate only for the same payload with a signature by this key', async () => {
    const same = signedByKey(ours.publicKey, payload);
    expect(await same(layer(D, sig()), layer(D))).toBe(true);
    expect(await same(layer(D, sig(theirs)), layer(D))).toBe(false);
    expect(await same(layer(`sha256:${'b'.repeat(64)}`, sig()), layer(D))).toBe(false);
    expect(await same(layer(D), layer(D))).toBe(false);
  });
});
