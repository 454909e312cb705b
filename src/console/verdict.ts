import { ChainsError } from '../core/errors.ts';
import { certificateNames, keylessCertificateCheck, keylessCodeOf } from '../keyless/index.ts';
import type { TrustMaterial } from '../keyless/index.ts';
import type { PublicKeyMaterial } from '../keys/index.ts';
import type { AttestationCheckOptions } from '../verify/attestation.ts';
import type { SignatureCheckOptions } from '../verify/image.ts';
import { reasonOf } from '../verify/oci-common.ts';
import type { CheckBundle } from '../verify/tlog-hook.ts';
import type { ImageItem } from './images.ts';

export type Checks = SignatureCheckOptions & AttestationCheckOptions;

/** One stored signature or attestation, with its certificate (keyless) and how to verify it. */
export interface Attempt {
  kind: ImageItem['kind'];
  source: ImageItem['source'];
  id: string;
  certificatePem?: string;
  run: (opts: Checks) => Promise<Partial<ImageItem>>;
}

/** How one item is verified and the checks that makes, or why it is not. */
export type Plan = { opts: Checks; checks: string[] } | { reason: string };

/**
 * A keyless signature (it carries a certificate) is checked against the trusted root: chain, SCT, the log
 * entry's time inside the certificate's validity, then the signature, the log entry and the claims. No
 * identity is required (the page shows the certificate's); a signature made with a key is checked with --key.
 */
export function checksFor(
  o: { publicKey?: PublicKeyMaterial; trustedRoot?: TrustMaterial },
  certificatePem: string | undefined,
  checkBundle: CheckBundle | undefined,
): Plan {
  const log = checkBundle ? { checkBundle } : {};
  const tail = ['signature', ...(checkBundle ? ['tlog'] : []), 'claims'];
  if (certificatePem && o.trustedRoot) {
    const certificateCheck = keylessCertificateCheck({ trust: o.trustedRoot });
    return { opts: { certificateCheck, ...log }, checks: ['chain', 'sct', 'tlog-time', ...tail] };
  }
  if (o.publicKey) return { opts: { publicKey: o.publicKey, ...log }, checks: tail };
  return {
    reason: certificatePem
      ? 'keyless signature: no --trusted-root given, its certificate was not checked'
      : 'no --key given: not verified',
  };
}

/** The check a failure names: the keyless checks by their code, then the claims; anything else is the format. */
function failedCheck(e: unknown): string {
  const code = e instanceof ChainsError ? e.code : undefined;
  const keyless = keylessCodeOf(code);
  if (keyless) return keyless.slice('KEYLESS_'.length).toLowerCase().replace('_', '-');
  return code === 'CLAIMS_MISMATCH' ? 'claims' : 'format';
}

/** What the certificate says (hostile text until verified; an unreadable one says nothing). */
function names(pem: string | undefined): { identity?: string; issuer?: string } {
  if (!pem) return {};
  try {
    return certificateNames(pem);
  } catch {
    return {};
  }
}

export async function verdictOf(a: Attempt, plan: Plan): Promise<ImageItem> {
  const base = { kind: a.kind, source: a.source, id: a.id, ...names(a.certificatePem) };
  if ('reason' in plan) return { ...base, verdict: 'not-checked', reason: plan.reason };
  try {
    return { ...base, ...(await a.run(plan.opts)), verdict: 'verified', checks: plan.checks };
  } catch (e) {
    return { ...base, verdict: 'failed', reason: reasonOf(e), check: failedCheck(e) };
  }
}
