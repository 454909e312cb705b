import { proposeIntotoV001, proposeIntotoV002 } from '../bodies/index.ts';
import type { ProposedIntotoV001, ProposedIntotoV002 } from '../bodies/index.ts';

/** Proposed-entry builders live with their kinds (tlog/bodies); keys and certificates are PEM text. */
export { proposeDsse, proposeHashedRekord } from '../bodies/index.ts';

/**
 * intoto: 0.0.1 (cosign v2 `attest`: envelope string + key; content.hash = sha256 of those bytes) or
 * 0.0.2 (rekor-cli/sigstore-js: double-base64 payload and signatures, one public key per signature).
 */
export function proposeIntoto(
  envelopeJson: Uint8Array | string,
  publicKeyPem: string,
  version: '0.0.1' | '0.0.2' = '0.0.1',
): ProposedIntotoV001 | ProposedIntotoV002 {
  const text = typeof envelopeJson === 'string' ? envelopeJson : Buffer.from(envelopeJson).toString('utf8');
  return version === '0.0.1' ? proposeIntotoV001(text, publicKeyPem) : proposeIntotoV002(text, publicKeyPem);
}
