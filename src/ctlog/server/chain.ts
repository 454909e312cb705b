import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { fromBase64 } from '../../core/encoding.ts';
import { poisonState } from '../sct/cert.ts';
import { CtLogError } from './errors.ts';

/** Chain checks of a CT log front end (RFC 6962 §4.1; ctfe's cert_checker): order, signatures, anchor, poison. */

export type SubmissionKind = 'add-chain' | 'add-pre-chain';

/** RFC 6962 §3.1 precertificate signing certificate EKU: its issuer_key_hash rules are not supported here. */
const EKU_PRECERT_SIGNING = '1.3.6.1.4.1.11129.2.4.4';
const MAX_CHAIN = 10;

const RequestSchema = z.object({
  chain: z
    .array(z.string().max(1 << 20))
    .min(1)
    .max(MAX_CHAIN),
});

export interface CheckedChain {
  /** The submitted leaf (certificate or precertificate). */
  leaf: Buffer;
  /** The certificate that signed the leaf (issuer_key_hash source). */
  issuer: Buffer;
  /** Everything after the leaf up to and including the accepted root. */
  rest: Buffer[];
}

function parseCert(der: Buffer, i: number): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (e) {
    throw new CtLogError('CT_CERT_INVALID', `chain[${i}] is not a DER certificate`, { cause: e });
  }
}

function issued(child: X509Certificate, parent: X509Certificate): boolean {
  return parent.ca && child.checkIssued(parent) && child.verify(parent.publicKey);
}

/** Decode the request body `{"chain":[b64 DER…]}` (hostile input). */
export function decodeChainRequest(body: unknown): Buffer[] {
  const parsed = RequestSchema.safeParse(body);
  if (!parsed.success)
    throw new CtLogError(
      'CT_REQUEST_INVALID',
      `request must be {"chain":[1..${MAX_CHAIN} base64 certificates]}`,
    );
  return parsed.data.chain.map((b64, i) => {
    try {
      return fromBase64(b64, `chain[${i}]`);
    } catch (e) {
      throw new CtLogError('CT_CERT_INVALID', `chain[${i}] is not base64`, { cause: e });
    }
  });
}

function checkPoison(leaf: Buffer, kind: SubmissionKind): void {
  const state = poisonState(leaf);
  if (state === 'malformed')
    throw new CtLogError('CT_POISON_MALFORMED', 'poison extension must be critical with an ASN.1 NULL value');
  if (kind === 'add-pre-chain' && state === 'absent')
    throw new CtLogError(
      'CT_POISON_MISSING',
      'add-pre-chain needs a precertificate (poison extension missing)',
    );
  if (kind === 'add-chain' && state === 'valid')
    throw new CtLogError(
      'CT_POISON_UNEXPECTED',
      'add-chain got a precertificate; submit it to add-pre-chain',
    );
}

/** The submitted order must be the verified path, ending at or just below an accepted root. */
export function checkChain(
  ders: Buffer[],
  roots: readonly X509Certificate[],
  kind: SubmissionKind,
): CheckedChain {
  const certs = ders.map(parseCert);
  for (let i = 0; i + 1 < certs.length; i++)
    if (!issued(certs[i] as X509Certificate, certs[i + 1] as X509Certificate))
      throw new CtLogError('CT_CHAIN_INVALID', `chain[${i}] is not issued by chain[${i + 1}]`);
  const last = certs[certs.length - 1] as X509Certificate;
  const full = [...ders];
  if (!roots.some((r) => r.raw.equals(last.raw))) {
    const root = roots.find((r) => issued(last, r));
    if (!root) throw new CtLogError('CT_CHAIN_UNTRUSTED', 'chain does not end at an accepted root');
    full.push(root.raw);
  }
  if (full.length < 2) throw new CtLogError('CT_CHAIN_INVALID', 'a root alone is not a loggable certificate');
  const leaf = full[0] as Buffer;
  checkPoison(leaf, kind);
  const issuer = full[1] as Buffer;
  if (kind === 'add-pre-chain' && new X509Certificate(issuer).keyUsage?.includes(EKU_PRECERT_SIGNING))
    throw new CtLogError(
      'CT_PRECERT_SIGNER_UNSUPPORTED',
      'precertificate signing certificates are not supported',
    );
  return { leaf, issuer, rest: full.slice(1) };
}
