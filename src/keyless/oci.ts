import { X509Certificate } from 'node:crypto';
import { loadPublicKey } from '../keys/index.ts';
import type { CertificateCheck } from '../verify/tlog-hook.ts';
import { checkChain, checkIdentity, checkIntegratedTime, checkSct, requirePolicy } from './checks.ts';
import type { IdentityPolicy } from './checks.ts';
import { KeylessError } from './errors.ts';
import type { TrustMaterial } from './trust.ts';

export interface CertificateCheckOptions {
  policy: IdentityPolicy;
  trust: TrustMaterial;
  ignoreSct?: boolean;
}

/**
 * verify / verify-attestation without --key: each signature's certificate (cosign's certificate annotation,
 * or the bundle's) must chain to the trusted root, carry a valid SCT, have been logged while valid, and name
 * the expected identity and issuer; its key then checks the signature and the log hook the entry's SET.
 */
export function keylessCertificateCheck(o: CertificateCheckOptions): CertificateCheck {
  requirePolicy(o.policy);
  return (cert, bundle) => {
    if (!cert.certificatePem)
      throw new KeylessError('KEYLESS_CHAIN', 'signature has no certificate (signed with a key?)');
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(cert.certificatePem);
    } catch (e) {
      throw new KeylessError('KEYLESS_CHAIN', 'the signature certificate does not parse', { cause: e });
    }
    const issuer = checkChain(leaf, o.trust);
    if (!o.ignoreSct) checkSct(leaf, issuer, o.trust);
    if (!bundle)
      throw new KeylessError('KEYLESS_TLOG', 'keyless signature without a transparency log bundle');
    checkIntegratedTime(leaf, bundle.Payload.integratedTime);
    checkIdentity(leaf, o.policy);
    return loadPublicKey(leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  };
}
