import { parseEnvelope } from '../../core/dsse.ts';
import { fromBase64 } from '../../core/encoding.ts';
import type { SignedRecord } from '../../core/signed.ts';
import type { RunRef, StorageBackend, StoreRequest, StoreResult } from '../backend.ts';

/** Prefix of every annotation Chains writes (pkg/chains/annotations). */
export const CHAINS_ANNOTATION_PREFIX = 'chains.tekton.dev/';

/** Writes `chains.tekton.dev/*` annotations onto a run (Kubernetes patch, or a local run file). */
export interface AnnotationWriter {
  writeAnnotations(run: RunRef, annotations: Record<string, string>): Promise<void>;
}

const b64 = (data: Uint8Array | string): string => Buffer.from(data).toString('base64');

/** The bytes Chains calls the raw payload: the statement for DSSE records, else the signed bytes. */
function rawPayload(record: SignedRecord): Buffer {
  if (record.kind !== 'dsse') return record.bytes;
  return fromBase64(parseEnvelope(record.bytes.toString('utf8')).payload, 'DSSE payload');
}

/** The stored "signature": the DSSE envelope JSON for attestations, the raw signature bytes otherwise. */
function signatureBytes(record: SignedRecord): Buffer {
  return record.kind === 'dsse' ? record.bytes : fromBase64(record.signature, 'signature');
}

/**
 * Chains' annotation set for one signed object (https://tekton.dev/docs/chains/config/): payload-, signature-, cert-, chain-<ShortKey>,
 * every value standard base64; cert and chain are written (empty) even for key-based signers, as Chains does.
 */
export function tektonAnnotations(req: StoreRequest): Record<string, string> {
  const id = req.record.identity;
  const cert = id.kind === 'certificate' ? id.certificatePem : '';
  const chain = id.kind === 'certificate' ? id.chainPem : '';
  const k = req.shortKey;
  return {
    [`${CHAINS_ANNOTATION_PREFIX}payload-${k}`]: b64(rawPayload(req.record)),
    [`${CHAINS_ANNOTATION_PREFIX}signature-${k}`]: b64(signatureBytes(req.record)),
    [`${CHAINS_ANNOTATION_PREFIX}cert-${k}`]: b64(cert),
    [`${CHAINS_ANNOTATION_PREFIX}chain-${k}`]: b64(chain),
  };
}

/** `tekton` storage: annotations on the run object itself (subject to the 256 KiB annotation limit). */
export class TektonBackend implements StorageBackend {
  readonly type = 'tekton';

  constructor(private readonly writer: AnnotationWriter) {}

  async store(req: StoreRequest): Promise<StoreResult> {
    const annotations = tektonAnnotations(req);
    await this.writer.writeAnnotations(req.run, annotations);
    const r = req.run;
    return {
      backend: this.type,
      locations: [`${r.kind}/${r.namespace}/${r.name}#${CHAINS_ANNOTATION_PREFIX}payload-${req.shortKey}`],
    };
  }
}
