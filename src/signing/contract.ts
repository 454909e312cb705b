import { createPublicKey, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEnvelope, preAuthEncoding, INTOTO_PAYLOAD_TYPE } from '../core/dsse.ts';
import { ChainsError } from '../core/errors.ts';
import { verifySignature } from '../keys/index.ts';
import { signInToto } from './dsse.ts';
import { signRaw } from './simplesigning.ts';
import { loadSigner, SIGNERS, type SignerContext, type SignerName } from './registry.ts';
import type { Signer } from './signer.ts';

/**
 * The suite every registered signer runs (docs/extending.md): call `signerContract` from one test file per
 * signer; src/signing/registry.test.ts fails while a registered name has no such run.
 */
export interface SignerContractOptions {
  name: SignerName;
  /** contexts the signer must load from, each labelled (e.g. one per key type) */
  accepts: () => Promise<[label: string, ctx: SignerContext][]>;
  /** contexts it must refuse, each with the error code it must raise */
  refuses: () => Promise<[label: string, ctx: SignerContext, code: string][]>;
  /**
   * keyless: every load makes a new key and certifies it, so two loads from one context must give two keys
   * (none is reused across certificates), each named by its certificate
   */
  keyPerLoad?: boolean;
}

const PAYLOAD = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}');

/** The identity's key (the public key, or the certificate's) is the signer's verifying key. */
function identityKeyMatches(signer: Signer): boolean {
  const id = signer.identity;
  const key =
    id.kind === 'publicKey'
      ? createPublicKey(id.publicKeyPem)
      : new X509Certificate(id.certificatePem).publicKey;
  return key.equals(signer.publicKey.key);
}

/** A raw signature is over the digest the log records (hashedrekord data.hash.algorithm), Ed25519ph for Ed25519. */
function rawVerifies(signer: Signer, payload: Buffer, sig: Buffer): boolean {
  if (!verifySignature(signer.publicKey, payload, sig)) return false;
  if (signer.publicKey.algorithm === 'ed25519') return signer.digestAlgorithm === 'sha512';
  return nodeVerify(signer.digestAlgorithm, payload, signer.publicKey.key, sig);
}

/** A DSSE signature is over the PAE, pure Ed25519 for Ed25519 (Rekor's dsse and intoto types). */
function messageVerifies(signer: Signer, pae: Buffer, sig: Buffer): boolean {
  if (signer.publicKey.algorithm === 'ed25519') return nodeVerify(null, pae, signer.publicKey.key, sig);
  return verifySignature(signer.publicKey, pae, sig);
}

export function signerContract(o: SignerContractOptions): void {
  describe(`signer contract: ${o.name}`, () => {
    it('is the registry entry of its name', () => {
      expect(SIGNERS[o.name].name).toBe(o.name);
    });

    it('signs raw payloads and DSSE envelopes that verify with the key its identity names', async () => {
      const cases = await o.accepts();
      expect(cases.length).toBeGreaterThan(0);
      for (const [label, ctx] of cases) {
        const signer = await loadSigner(o.name, ctx);
        expect(identityKeyMatches(signer), label).toBe(true);
        const raw = await signRaw(signer, PAYLOAD);
        const rawSig = Buffer.from(raw.signature, 'base64');
        expect(rawVerifies(signer, PAYLOAD, rawSig), label).toBe(true);
        expect(rawVerifies(signer, Buffer.concat([PAYLOAD, Buffer.from(' ')]), rawSig), label).toBe(false);
        const env = parseEnvelope((await signInToto(signer, PAYLOAD)).bytes.toString('utf8'));
        const pae = preAuthEncoding(INTOTO_PAYLOAD_TYPE, PAYLOAD);
        const sig = Buffer.from(env.signatures[0]?.sig ?? '', 'base64');
        expect(messageVerifies(signer, pae, sig), label).toBe(true);
      }
    });

    it(
      o.keyPerLoad ? 'makes a new key per load' : 'loads the same key again from the same context',
      async () => {
        for (const [label, ctx] of await o.accepts()) {
          const [a, b] = [await loadSigner(o.name, ctx), await loadSigner(o.name, ctx)];
          expect(a.publicKey.key.equals(b.publicKey.key), label).toBe(!o.keyPerLoad);
          if (o.keyPerLoad)
            expect([a.identity.kind, b.identity.kind], label).toEqual(['certificate', 'certificate']);
        }
      },
    );

    it('refuses unusable contexts with a coded error', async () => {
      const cases = await o.refuses();
      expect(cases.length).toBeGreaterThan(0);
      for (const [label, ctx, code] of cases) {
        const e: unknown = await loadSigner(o.name, ctx).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(e, label).toBeInstanceOf(ChainsError);
        expect((e as ChainsError).code, label).toBe(code);
      }
    });
  });
}
