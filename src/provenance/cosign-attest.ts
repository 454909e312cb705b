import { goMarshal } from '../core/json.ts';
import { ProvenanceError } from './errors.ts';
import { STATEMENT_V01 } from './slsa-v1/index.ts';

/** cosign's `--type` names (cmd/cosign/cli/options/predicate.go; https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md). */
export const PREDICATE_TYPES: Record<string, string> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  link: 'https://in-toto.io/Link/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

/** Map a `--type` value to its predicate URI; anything else must be a URI and is used verbatim. */
export function predicateTypeFor(type: string): string {
  const known = PREDICATE_TYPES[type];
  if (known) return known;
  try {
    const u = new URL(type);
    if (u.protocol) return type;
  } catch {
    /* fall through */
  }
  throw new ProvenanceError(
    'BAD_PREDICATE_TYPE',
    `invalid predicate type "${type}": use one of ${Object.keys(PREDICATE_TYPES).join(', ')} or a URI`,
  );
}

/** The image an attestation is about: `repository` without tag or digest, `digest` as `sha256:<hex>`. */
export interface AttestationSubject {
  repository: string;
  digest: string;
}

/** `custom` wraps the predicate text as `{Data, Timestamp}` (seconds, UTC); every other type is JSON. */
function predicateOf(type: string, text: string, now: Date): unknown {
  if (type === 'custom') return { Data: text, Timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ProvenanceError('INVALID_PREDICATE', `predicate is not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * in-toto Statement v0.1 as `cosign attest` builds it (https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md),
 * serialised as Go's encoding/json does (struct field order, HTML escaping).
 */
export function attestationStatement(
  target: AttestationSubject,
  type: string,
  predicateText: string,
  now: Date,
): Buffer {
  const predicateType = predicateTypeFor(type);
  const predicate = predicateOf(type, predicateText, now);
  const subject = [{ name: target.repository, digest: { sha256: target.digest.replace(/^sha256:/, '') } }];
  return Buffer.from(goMarshal({ _type: STATEMENT_V01, predicateType, subject, predicate }));
}
