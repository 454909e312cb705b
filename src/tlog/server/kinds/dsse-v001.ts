import { z } from 'zod';
import { preAuthEncoding } from '../../../core/dsse.ts';
import { toBase64 } from '../../../core/encoding.ts';
import { EntryError } from '../errors.ts';
import { parseVerifier, verifyMessage } from '../pki.ts';
import type { Verifier } from '../pki.ts';
import { b64, parse, parseEnvelopeText, sha256Hex, signerKeys, statementKeys } from './common.ts';
import type { AcceptedSpec, ServerKind } from './common.ts';

// the server side of dsse/0.0.1 (https://github.com/sigstore/rekor/blob/main/pkg/types/dsse/v0.0.1/entry.go); its body schema is in tlog/bodies

const dsseSchema = z.object({
  proposedContent: z.object({ envelope: z.string().min(1), verifiers: z.array(z.string().min(1)).min(1) }),
});

type Sig = { keyid?: string | undefined; sig: string };

/**
 * Rekor's verifyEnvelope (dsse v0.0.1 entry.go): verifiers in order, until every signature is accounted for;
 * each must verify a signature (the first one it verifies, go-securesystemslib dsse.VerifyAndDecode), and a
 * signature keeps the last verifier that verified it. Verifiers left over are not read.
 */
function verifyEnvelope(pems: string[], signatures: Sig[], pae: Buffer) {
  const remaining = new Set(signatures.map((sg) => sg.sig));
  const bySig = new Map<string, Verifier>();
  const bytes = signatures.map((sg, i) => b64(sg.sig, `dsse signature ${i}`));
  for (const [i, pem] of pems.entries()) {
    if (remaining.size === 0) break;
    const v = parseVerifier(b64(pem, `dsse verifier ${i}`), `dsse verifier ${i}`);
    const hit = signatures.findIndex((_, j) => verifyMessage(v, pae, bytes[j] as Buffer));
    const sg = signatures[hit];
    if (!sg)
      throw new EntryError(
        `could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1 (dsse verifier ${i} verifies no signature)`,
        undefined,
        'TLOG_SIGNATURE_INVALID',
      );
    remaining.delete(sg.sig);
    bySig.set(sg.sig, v);
  }
  if (remaining.size > 0)
    throw new EntryError(
      'all signatures must have a key that verifies it',
      undefined,
      'TLOG_SIGNATURE_INVALID',
    );
  return [...bySig].map(([signature, v]) => ({ signature, verifier: toBase64(v.canonicalPem), v }));
}

/** dsse 0.0.1: every signature must verify with one verifier; envelopeHash over the submitted bytes. */
function accept(spec: unknown): AcceptedSpec<'dsse/0.0.1'> {
  if (
    spec &&
    typeof spec === 'object' &&
    ('envelopeHash' in spec || 'payloadHash' in spec || 'signatures' in spec)
  )
    throw new EntryError('dsse: only proposedContent may be set by the client');
  const s = parse(dsseSchema, spec, 'dsse');
  const env = parseEnvelopeText(s.proposedContent.envelope, 'dsse');
  const payload = b64(env.payload, 'dsse payload');
  const pae = preAuthEncoding(env.payloadType, payload);
  const sigs = verifyEnvelope(s.proposedContent.verifiers, env.signatures, pae);
  sigs.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const envelopeHash = sha256Hex(s.proposedContent.envelope);
  const payloadHash = sha256Hex(payload);
  const canonical = {
    envelopeHash: { algorithm: 'sha256' as const, value: envelopeHash },
    payloadHash: { algorithm: 'sha256' as const, value: payloadHash },
    signatures: sigs.map(({ signature, verifier }) => ({ signature, verifier })),
  };
  const searchKeys = [
    ...sigs.flatMap((x) => signerKeys(x.v, 'sha256:')),
    `sha256:${payloadHash}`,
    `sha256:${envelopeHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { spec: canonical, searchKeys, attestation: null };
}

export const dsseV001: ServerKind<'dsse/0.0.1'> = { id: 'dsse/0.0.1', accept };
