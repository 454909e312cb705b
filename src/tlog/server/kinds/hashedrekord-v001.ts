import { z } from 'zod';
import { toBase64 } from '../../../core/encoding.ts';
import { EntryError } from '../errors.ts';
import { parseVerifier, verifyDigest } from '../pki.ts';
import { b64, parse, signerKeys } from './common.ts';
import type { AcceptedSpec, ServerKind } from './common.ts';

// the server side of hashedrekord/0.0.1 (https://github.com/sigstore/rekor/blob/main/pkg/types/hashedrekord/v0.0.1/entry.go); its body schema is in tlog/bodies
import type { SigningPolicy } from '../policy.ts';

const hashedRekordSchema = z.object({
  data: z.object({
    hash: z.object({
      algorithm: z.enum(['sha256', 'sha384', 'sha512']),
      value: z.string().regex(/^[0-9a-fA-F]+$/),
    }),
  }),
  signature: z.object({ content: z.string().min(1), publicKey: z.object({ content: z.string().min(1) }) }),
});
const HASH_LEN = { sha256: 64, sha384: 96, sha512: 128 } as const;

/**
 * hashedrekord 0.0.1: signature over the digest (verified first, as Rekor does in Unmarshal), then the key and
 * digest pair against the log's algorithm policy; canonical key PEM.
 */
function accept(spec: unknown, policy: SigningPolicy): AcceptedSpec<'hashedrekord/0.0.1'> {
  const s = parse(hashedRekordSchema, spec, 'hashedrekord');
  const { algorithm, value } = s.data.hash;
  if (value.length !== HASH_LEN[algorithm])
    throw new EntryError(`hashedrekord: ${algorithm} value has the wrong length`);
  const sig = b64(s.signature.content, 'hashedrekord signature');
  const v = parseVerifier(
    b64(s.signature.publicKey.content, 'hashedrekord public key'),
    'hashedrekord public key',
  );
  verifyDigest(v, algorithm, Buffer.from(value, 'hex'), sig);
  policy.check(v, algorithm);
  const canonical = {
    data: { hash: { algorithm, value } },
    signature: { content: toBase64(sig), publicKey: { content: toBase64(v.canonicalPem) } },
  };
  return { spec: canonical, searchKeys: [...signerKeys(v, ''), `${algorithm}:${value}`], attestation: null };
}

export const hashedRekordV001: ServerKind<'hashedrekord/0.0.1'> = { id: 'hashedrekord/0.0.1', accept };
