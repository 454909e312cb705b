import { goMarshal } from '../core/json.ts';
import type { AttestationVerification } from './attestation.ts';
import type { ImageVerification } from './image.ts';

/** cosign's notice when tlog verification is skipped (cmd/cosign/cli/verify). */
export const TLOG_SKIPPED_NOTICE =
  'WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.';

/** The check list cosign prints on stderr after a successful verify (https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md). */
export function verificationHeader(
  reference: string,
  o: { annotations: boolean; tlogChecked: boolean; keyless?: boolean },
): string {
  const lines = [
    '',
    `Verification for ${reference} --`,
    'The following checks were performed on each of these signatures:',
    ...(o.annotations ? ['  - The specified annotations were verified.'] : []),
    '  - The cosign claims were validated',
    ...(o.tlogChecked ? ['  - Existence of the claims in the transparency log was verified offline'] : []),
    o.keyless
      ? '  - The code-signing certificate was verified using trusted certificate authority certificates'
      : '  - The signatures were verified against the specified public key',
  ];
  return `${lines.join('\n')}\n`;
}

/** Go's encoding/json writes a map's keys sorted. */
const sortedKeys = (m: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * stdout of `verify -o json`: a blank line, then the payloads with `optional.Bundle` added and, for a keyless
 * signature, what `certificate` says of its certificate (cosign's Subject, Issuer and issuer OID keys).
 */
export function imageVerificationJson(
  r: ImageVerification,
  certificate?: (pem: string) => Record<string, string>,
): string {
  const out = r.verified.map((v) => {
    const c = v.claims.critical;
    let optional: Record<string, unknown> | null = v.claims.optional ?? null;
    if (v.certificatePem && certificate) optional = { ...(optional ?? {}), ...certificate(v.certificatePem) };
    if (v.bundle) optional = { ...(optional ?? {}), Bundle: v.bundle };
    if (optional) optional = sortedKeys(optional);
    return {
      critical: {
        identity: { 'docker-reference': c.identity['docker-reference'] },
        image: { 'docker-manifest-digest': c.image['docker-manifest-digest'] },
        type: c.type,
      },
      optional,
    };
  });
  return `\n${goMarshal(out)}\n`;
}

/** stdout of `verify-attestation` (text mode): each verified envelope verbatim, one per line. */
export function attestationVerificationText(r: AttestationVerification): string {
  return r.verified.map((v) => `${v.envelope.toString('utf8')}\n`).join('');
}
