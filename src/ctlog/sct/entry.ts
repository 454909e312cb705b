import { sha256 } from '../../core/hash.ts';
import { OID_CT_POISON, OID_SCT_LIST, subjectPublicKeyInfo, tbsWithoutExtension } from './cert.ts';
import { uint, uint64, vector } from './tls.ts';

/** RFC 6962 §3.2 / §3.4: the signed entry, the data an SCT signs, and the Merkle tree leaf. */

export type SignedEntry =
  | { type: 'x509_entry'; certificate: Buffer }
  | { type: 'precert_entry'; issuerKeyHash: Buffer; tbsCertificate: Buffer };

const ENTRY_TYPE = { x509_entry: 0, precert_entry: 1 } as const;

/** The x509_entry for a final certificate (add-chain). */
export function x509Entry(certDer: Uint8Array): SignedEntry {
  return { type: 'x509_entry', certificate: Buffer.from(certDer) };
}

/** The precert_entry for a poisoned precertificate issued directly by `issuerDer` (add-pre-chain). */
export function precertEntry(precertDer: Uint8Array, issuerDer: Uint8Array): SignedEntry {
  return {
    type: 'precert_entry',
    issuerKeyHash: sha256(subjectPublicKeyInfo(issuerDer)),
    tbsCertificate: tbsWithoutExtension(precertDer, OID_CT_POISON),
  };
}

/** The precert_entry an SCT embedded in a final certificate signs: its TBS without the SCT list. */
export function embeddedEntry(leafDer: Uint8Array, issuerDer: Uint8Array): SignedEntry {
  return {
    type: 'precert_entry',
    issuerKeyHash: sha256(subjectPublicKeyInfo(issuerDer)),
    tbsCertificate: tbsWithoutExtension(leafDer, OID_SCT_LIST),
  };
}

function entryBytes(e: SignedEntry): Buffer {
  switch (e.type) {
    case 'x509_entry':
      return vector(e.certificate, 3);
    case 'precert_entry':
      return Buffer.concat([e.issuerKeyHash, vector(e.tbsCertificate, 3)]);
  }
}

/**
 * version(0) ‖ 0 ‖ timestamp ‖ entry_type ‖ entry ‖ extensions: both the SCT's digitally-signed struct
 * (signature_type certificate_timestamp = 0) and the MerkleTreeLeaf (leaf_type timestamped_entry = 0).
 */
export function timestampedEntry(
  timestamp: number,
  entry: SignedEntry,
  extensions: Buffer = Buffer.alloc(0),
): Buffer {
  return Buffer.concat([
    uint(0, 1),
    uint(0, 1),
    uint64(timestamp),
    uint(ENTRY_TYPE[entry.type], 2),
    entryBytes(entry),
    vector(extensions, 2),
  ]);
}
