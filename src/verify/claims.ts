import { z } from 'zod';
import { OciVerifyError } from './oci-errors.ts';

/** The simplesigning payload as cosign's SimpleClaimVerifier reads it (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md). */
export const simpleSigningSchema = z
  .object({
    critical: z
      .object({
        identity: z.object({ 'docker-reference': z.string() }).loose(),
        image: z.object({ 'docker-manifest-digest': z.string() }).loose(),
        type: z.string(),
      })
      .loose(),
    optional: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .loose();
export type SimpleSigning = z.infer<typeof simpleSigningSchema>;

/** Parse a payload and check the image digest and `-a` annotations (cosign SimpleClaimVerifier). */
export function checkSimpleSigningClaims(
  payload: Buffer,
  digest: string,
  annotations: Record<string, string> = {},
): SimpleSigning {
  let parsed: SimpleSigning;
  try {
    parsed = simpleSigningSchema.parse(JSON.parse(payload.toString('utf8')));
  } catch (e) {
    throw new OciVerifyError('CLAIMS_MISMATCH', 'signature payload is not a simplesigning document', {
      cause: e,
    });
  }
  const got = parsed.critical.image['docker-manifest-digest'];
  if (got !== digest)
    throw new OciVerifyError('CLAIMS_MISMATCH', `invalid or missing digest in claim: ${got}`);
  for (const [k, v] of Object.entries(annotations)) {
    if (parsed.optional?.[k] !== v)
      throw new OciVerifyError('CLAIMS_MISMATCH', `missing or incorrect annotation ${k}=${v}`);
  }
  return parsed;
}

export const statementSchema = z
  .object({
    _type: z.string(),
    predicateType: z.string(),
    subject: z.array(
      z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) }).loose(),
    ),
  })
  .loose();
export type Statement = z.infer<typeof statementSchema>;

/** Parse an in-toto statement and require a subject whose sha256 is the image's (IntotoSubjectClaimVerifier). */
export function checkStatementClaims(payload: Buffer, digest: string): Statement {
  let st: Statement;
  try {
    st = statementSchema.parse(JSON.parse(payload.toString('utf8')));
  } catch (e) {
    throw new OciVerifyError('CLAIMS_MISMATCH', 'attestation payload is not an in-toto statement', {
      cause: e,
    });
  }
  const hex = digest.replace(/^sha256:/, '');
  if (!st.subject.some((s) => s.digest.sha256 === hex)) {
    throw new OciVerifyError('CLAIMS_MISMATCH', `no subject of the statement has digest ${digest}`);
  }
  return st;
}
