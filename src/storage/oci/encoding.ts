/**
 * Chains' `storage.oci.encoding-format`: `dsse` (cosign legacy tags, default) or `sigstore-bundle` (a referrer).
 * A leaf module, so the config can offer the choices without loading the backend.
 */
export const OCI_ENCODINGS = ['dsse', 'sigstore-bundle'] as const;
export type OciEncoding = (typeof OCI_ENCODINGS)[number];
