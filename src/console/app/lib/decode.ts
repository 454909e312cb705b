import { base64ToBytes, fromUtf8 } from './bytes.ts';
import { describeSigner } from './cert.ts';
import type { Signer } from './cert.ts';

/** An entry body decoded for display. Every string here came from the log: the page renders it as text only. */
export interface DecodedBody {
  kind: string;
  apiVersion: string;
  hashes: { label: string; value: string }[];
  signatures: { signature: string; signer: Signer }[];
  payloadType?: string;
  /** the in-toto statement when the entry stores it (intoto's attestation) */
  statement?: unknown;
  error?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function hashOf(label: string, v: unknown): { label: string; value: string }[] {
  const h = obj(v);
  return str(h.value) ? [{ label, value: `${str(h.algorithm)}:${str(h.value)}` }] : [];
}

async function signer(b64pem: string): Promise<Signer> {
  try {
    return await describeSigner(fromUtf8(base64ToBytes(b64pem)));
  } catch (e) {
    return { type: 'unreadable', reason: (e as Error).message };
  }
}

async function kindFields(kind: string, spec: Obj): Promise<Partial<DecodedBody>> {
  switch (kind) {
    case 'hashedrekord': {
      const sig = obj(spec.signature);
      return {
        hashes: hashOf('artifact', obj(spec.data).hash),
        signatures: [{ signature: str(sig.content), signer: await signer(str(obj(sig.publicKey).content)) }],
      };
    }
    case 'dsse':
      return {
        hashes: [...hashOf('envelope', spec.envelopeHash), ...hashOf('payload', spec.payloadHash)],
        signatures: await Promise.all(
          list(spec.signatures).map(async (s) => ({
            signature: str(obj(s).signature),
            signer: await signer(str(obj(s).verifier)),
          })),
        ),
      };
    case 'intoto': {
      const content = obj(spec.content);
      const env = obj(content.envelope);
      const sigs = list(env.signatures).map(obj);
      const one = str(spec.publicKey);
      return {
        hashes: [...hashOf('envelope', content.hash), ...hashOf('payload', content.payloadHash)],
        payloadType: str(env.payloadType) || undefined,
        signatures: one
          ? [{ signature: '', signer: await signer(one) }]
          : await Promise.all(
              sigs.map(async (s) => ({ signature: str(s.sig), signer: await signer(str(s.publicKey)) })),
            ),
      };
    }
    default:
      return {};
  }
}

/** Decode a log entry body (base64 JSON) and its optional attestation (base64 statement). */
export async function decodeBody(bodyB64: string, attestationB64?: string): Promise<DecodedBody> {
  const out: DecodedBody = { kind: '?', apiVersion: '?', hashes: [], signatures: [] };
  try {
    const body = obj(JSON.parse(fromUtf8(base64ToBytes(bodyB64))));
    out.kind = str(body.kind) || '?';
    out.apiVersion = str(body.apiVersion) || '?';
    Object.assign(out, await kindFields(out.kind, obj(body.spec)));
  } catch (e) {
    out.error = `body is not readable JSON: ${(e as Error).message}`;
  }
  if (attestationB64) {
    try {
      out.statement = JSON.parse(fromUtf8(base64ToBytes(attestationB64)));
    } catch {
      out.error ??= 'the stored attestation is not JSON';
    }
  }
  return out;
}
