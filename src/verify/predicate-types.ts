import { OciVerifyError } from './oci-errors.ts';

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
  throw new OciVerifyError(
    'BAD_PREDICATE_TYPE',
    `invalid predicate type "${type}": use one of ${Object.keys(PREDICATE_TYPES).join(', ')} or a URI`,
  );
}
