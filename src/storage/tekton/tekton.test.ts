import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../core/dsse.ts';
import { privateKeyMaterial } from '../../keys/index.ts';
import { KeySigner, signInToto, signSimpleSigning } from '../../signing/index.ts';
import type { RunRef, StoreRequest } from '../backend.ts';
import { runStorageContract } from '../contract.ts';
import {
  CHAINS_ANNOTATION_PREFIX,
  TektonBackend,
  tektonAnnotations,
  type AnnotationWriter,
} from './tekton.ts';

const signer = new KeySigner(
  privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
);
const run: RunRef = { kind: 'TaskRun', namespace: 'default', name: 'kaniko-run', uid: randomUUID() };
const digest = `sha256:${'ab'.repeat(32)}`;
const b64d = (s: string | undefined) => Buffer.from(s ?? '', 'base64');

class MemoryWriter implements AnnotationWriter {
  readonly writes: { run: RunRef; annotations: Record<string, string> }[] = [];
  async writeAnnotations(r: RunRef, annotations: Record<string, string>): Promise<void> {
    this.writes.push({ run: r, annotations });
  }
}

describe('tekton storage (https://tekton.dev/docs/chains/config/)', () => {
  it('writes payload = statement, signature = DSSE envelope, empty cert/chain, all base64', async () => {
    const statement = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}');
    const record = await signInToto(signer, statement);
    const req: StoreRequest = {
      what: 'attestation',
      run,
      record,
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subjects: [],
      shortKey: `taskrun-${run.uid}`,
      format: 'in-toto',
    };
    const w = new MemoryWriter();
    const res = await new TektonBackend(w).store(req);
    expect(res.backend).toBe('tekton');
    const a = w.writes[0]?.annotations ?? {};
    const k = `taskrun-${run.uid}`;
    expect(Object.keys(a).sort()).toEqual(
      ['cert', 'chain', 'payload', 'signature'].map((p) => `chains.tekton.dev/${p}-${k}`),
    );
    expect(b64d(a[`chains.tekton.dev/payload-${k}`])).toEqual(statement);
    expect(parseEnvelope(b64d(a[`chains.tekton.dev/signature-${k}`]).toString())).toEqual(
      JSON.parse(record.bytes.toString()),
    );
    expect(a[`chains.tekton.dev/cert-${k}`]).toBe('');
    expect(a[`chains.tekton.dev/chain-${k}`]).toBe('');
  });

  it('writes the simplesigning payload and the raw signature bytes for an image', async () => {
    const record = await signSimpleSigning(signer, 'reg.local/app', digest);
    const req: StoreRequest = {
      what: 'image-signature',
      run,
      record,
      image: { repository: 'reg.local/app', digest },
      shortKey: 'abababababab',
      format: 'simplesigning',
    };
    const a = tektonAnnotations(req);
    expect(b64d(a['chains.tekton.dev/payload-abababababab'])).toEqual(record.bytes);
    const sig = b64d(a['chains.tekton.dev/signature-abababababab']);
    expect(sig[0]).toBe(0x30); // ASN.1 DER ECDSA signature, not its base64 text
    expect(sig.toString('base64')).toBe(record.signature);
  });

  it('writes cert and chain when the signer has a certificate', async () => {
    const record = await signSimpleSigning(signer, 'reg.local/app', digest);
    const certified = {
      ...record,
      identity: {
        kind: 'certificate' as const,
        certificatePem: 'CERT',
        chainPem: 'CHAIN',
        publicKeyPem: 'PUB',
      },
    };
    const a = tektonAnnotations({
      what: 'image-signature',
      run,
      record: certified,
      image: { repository: 'reg.local/app', digest },
      shortKey: 'k',
      format: 'simplesigning',
    });
    expect(b64d(a['chains.tekton.dev/cert-k']).toString()).toBe('CERT');
    expect(b64d(a['chains.tekton.dev/chain-k']).toString()).toBe('CHAIN');
  });

  it('propagates a writer failure (the orchestrator records a storage error)', async () => {
    const failing: AnnotationWriter = { writeAnnotations: () => Promise.reject(new Error('patch refused')) };
    const record = await signSimpleSigning(signer, 'reg.local/app', digest);
    await expect(
      new TektonBackend(failing).store({
        what: 'image-signature',
        run,
        record,
        image: { repository: 'reg.local/app', digest },
        shortKey: 'k',
        format: 'simplesigning',
      }),
    ).rejects.toThrow(/patch refused/);
  });
});

/** Annotations as the API server keeps them: per run, a later patch of a key replaces its value. */
class AnnotationStore implements AnnotationWriter {
  readonly runs = new Map<string, Record<string, string>>();
  async writeAnnotations(r: RunRef, annotations: Record<string, string>): Promise<void> {
    this.runs.set(r.uid, { ...this.runs.get(r.uid), ...annotations });
  }
}

const contractStore = new AnnotationStore();

/** The object stored under a run's `<key>` annotations, as a verifier reads it back (https://tekton.dev/docs/chains/config/). */
function readBack(req: StoreRequest): { bytes: Buffer; signature: string }[] {
  const a = contractStore.runs.get(req.run.uid) ?? {};
  const sig = a[`${CHAINS_ANNOTATION_PREFIX}signature-${req.shortKey}`];
  if (sig === undefined) return [];
  if (req.record.kind !== 'dsse')
    return [{ bytes: b64d(a[`${CHAINS_ANNOTATION_PREFIX}payload-${req.shortKey}`]), signature: sig }];
  const envelope = b64d(sig);
  return [{ bytes: envelope, signature: parseEnvelope(envelope.toString('utf8')).signatures[0]?.sig ?? '' }];
}

// tekton keeps every object on its run, whatever the subjects: read ignores the subject
runStorageContract({
  storage: 'tekton',
  name: 'tekton',
  backend: () => new TektonBackend(contractStore),
  image: async () => ({
    repository: 'reg.local/contract',
    digest: `sha256:${randomBytes(32).toString('hex')}`,
  }),
  read: async (req) => readBack(req),
  storesRunPayload: true,
  repeated: 'overwrite',
});
