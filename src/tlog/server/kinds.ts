import { createHash } from 'node:crypto';
import { z } from 'zod';
import { preAuthEncoding } from '../../core/dsse.ts';
import { fromBase64, toBase64 } from '../../core/encoding.ts';
import { EntryError } from './errors.ts';
import { keyHash, parseVerifier, verifyDigest, verifyMessage } from './pki.ts';
import type { Verifier } from './pki.ts';

/** A verified, canonicalised entry ready to integrate (sigstore.md §4.4–4.6). */
export interface Accepted {
  canonical: unknown;
  searchKeys: string[];
  attestation: Buffer | null;
}

const MAX_ATTESTATION = 100 * 1024;
const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const hashValue = z.object({ algorithm: z.string(), value: z.string() });
const sha256Value = z.object({
  algorithm: z.literal('sha256'),
  value: z.string().regex(/^[0-9a-fA-F]{64}$/),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, kind: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new EntryError(`${kind}: invalid field ${i?.path.join('.') || '<root>'}: ${i?.message}`);
}

function b64(text: string, what: string): Buffer {
  try {
    return fromBase64(text, what);
  } catch (e) {
    throw new EntryError(`${what} is not valid base64`, e);
  }
}

/** Subject and SLSA material digests of an in-toto statement, as Rekor indexes them. */
function statementKeys(payloadType: string, payload: Buffer): string[] {
  if (payloadType !== 'application/vnd.in-toto+json') return [];
  let st: { subject?: unknown; predicate?: { materials?: unknown } };
  try {
    st = JSON.parse(payload.toString('utf8')) as typeof st;
  } catch {
    return [];
  }
  const keys: string[] = [];
  const digests = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const item of list as { digest?: Record<string, unknown> }[])
      for (const [alg, v] of Object.entries(item?.digest ?? {}))
        if (typeof v === 'string') keys.push(`${alg}:${v}`);
  };
  digests(st.subject);
  digests(st.predicate?.materials);
  return keys;
}

function signerKeys(v: Verifier, prefix: string): string[] {
  return [`${prefix}${keyHash(v)}`, ...v.subjects];
}

const hashedRekordSchema = z.object({
  data: z.object({
    hash: z.object({
      algorithm: z.enum(['sha256', 'sha384', 'sha512']),
      value: z.string().regex(/^[0-9a-fA-F]+$/),
    }),
  }),
  signature: z.object({ content: z.string().min(1), publicKey: z.object({ content: z.string().min(1) }) }),
});
const HASH_LEN = { sha256: 64, sha384: 96, sha512: 128 } as const;

function hashedRekord(spec: unknown): Accepted {
  const s = parse(hashedRekordSchema, spec, 'hashedrekord');
  const { algorithm, value } = s.data.hash;
  if (value.length !== HASH_LEN[algorithm])
    throw new EntryError(`hashedrekord: ${algorithm} value has the wrong length`);
  const sig = b64(s.signature.content, 'hashedrekord signature');
  const v = parseVerifier(
    b64(s.signature.publicKey.content, 'hashedrekord public key'),
    'hashedrekord public key',
  );
  if (!verifyDigest(v, algorithm, Buffer.from(value, 'hex'), sig))
    throw new EntryError('hashedrekord: signature does not verify over the digest with the given key');
  const canonical = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value } },
      signature: { content: toBase64(sig), publicKey: { content: toBase64(v.canonicalPem) } },
    },
  };
  return { canonical, searchKeys: [...signerKeys(v, ''), `${algorithm}:${value}`], attestation: null };
}

const envelopeSchema = z.object({
  payloadType: z.string().min(1),
  payload: z.string(),
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string().min(1) })).min(1),
});

function parseEnvelopeText(text: string, kind: string): z.infer<typeof envelopeSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EntryError(`${kind}: envelope is not valid JSON`, e);
  }
  return parse(envelopeSchema, raw, `${kind} envelope`);
}

const dsseSchema = z.object({
  proposedContent: z.object({ envelope: z.string().min(1), verifiers: z.array(z.string().min(1)).min(1) }),
});

function dsse(spec: unknown): Accepted {
  if (
    spec &&
    typeof spec === 'object' &&
    ('envelopeHash' in spec || 'payloadHash' in spec || 'signatures' in spec)
  )
    throw new EntryError('dsse: only proposedContent may be set by the client');
  const s = parse(dsseSchema, spec, 'dsse');
  const env = parseEnvelopeText(s.proposedContent.envelope, 'dsse');
  const payload = b64(env.payload, 'dsse payload');
  const pae = preAuthEncoding(env.payloadType, payload);
  const verifiers = s.proposedContent.verifiers.map((p, i) =>
    parseVerifier(b64(p, `dsse verifier ${i}`), `dsse verifier ${i}`),
  );
  const sigs = env.signatures.map((sg, i) => {
    const v = verifiers.find((cand) => verifyMessage(cand, pae, b64(sg.sig, `dsse signature ${i}`)));
    if (!v) throw new EntryError(`dsse: signature ${i} does not verify with any verifier`);
    return { signature: sg.sig, verifier: toBase64(v.canonicalPem), v };
  });
  sigs.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const envelopeHash = sha256Hex(s.proposedContent.envelope);
  const payloadHash = sha256Hex(payload);
  const canonical = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: envelopeHash },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
      signatures: sigs.map(({ signature, verifier }) => ({ signature, verifier })),
    },
  };
  const searchKeys = [
    ...sigs.flatMap((x) => signerKeys(x.v, 'sha256:')),
    `sha256:${payloadHash}`,
    `sha256:${envelopeHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { canonical, searchKeys, attestation: null };
}

const intotoV1Schema = z.object({
  content: z.object({ envelope: z.string().min(1), hash: hashValue.optional() }),
  publicKey: z.string().min(1),
});

function intotoV001(spec: unknown): Accepted {
  const s = parse(intotoV1Schema, spec, 'intoto');
  const env = parseEnvelopeText(s.content.envelope, 'intoto');
  const payload = b64(env.payload, 'intoto payload');
  const v = parseVerifier(b64(s.publicKey, 'intoto public key'), 'intoto public key');
  const pae = preAuthEncoding(env.payloadType, payload);
  if (!env.signatures.some((sg, i) => verifyMessage(v, pae, b64(sg.sig, `intoto signature ${i}`))))
    throw new EntryError('intoto: no envelope signature verifies with the public key');
  const hash = sha256Hex(s.content.envelope);
  const payloadHash = sha256Hex(payload);
  const canonical = {
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: {
      content: {
        hash: { algorithm: 'sha256', value: hash },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
      publicKey: toBase64(v.canonicalPem),
    },
  };
  const searchKeys = [
    `sha256:${hash}`,
    ...signerKeys(v, 'sha256:'),
    `sha256:${payloadHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { canonical, searchKeys, attestation: payload.length <= MAX_ATTESTATION ? payload : null };
}

const intotoV2Schema = z.object({
  content: z.object({
    envelope: z.object({
      payloadType: z.string().min(1),
      payload: z.string().min(1),
      signatures: z
        .array(
          z.object({ keyid: z.string().optional(), sig: z.string().min(1), publicKey: z.string().min(1) }),
        )
        .min(1),
    }),
    hash: sha256Value,
    payloadHash: sha256Value.optional(),
  }),
});

function intotoV002(spec: unknown): Accepted {
  const s = parse(intotoV2Schema, spec, 'intoto');
  const env = s.content.envelope;
  const payloadB64 = b64(env.payload, 'intoto payload').toString('latin1');
  const payload = b64(payloadB64, 'intoto payload (inner)');
  const payloadHash = sha256Hex(payload);
  if (s.content.payloadHash && s.content.payloadHash.value.toLowerCase() !== payloadHash)
    throw new EntryError('intoto: payloadHash does not match the payload');
  const pae = preAuthEncoding(env.payloadType, payload);
  const sigs = env.signatures.map((sg, i) => {
    const sigB64 = b64(sg.sig, `intoto signature ${i}`);
    const pem = b64(sg.publicKey, `intoto public key ${i}`);
    const v = parseVerifier(pem, `intoto public key ${i}`);
    if (!verifyMessage(v, pae, b64(sigB64.toString('latin1'), `intoto signature ${i} (inner)`)))
      throw new EntryError(`intoto: signature ${i} does not verify with its public key`);
    const out: { keyid?: string; publicKey: string; sig: string } = {
      publicKey: toBase64(pem),
      sig: toBase64(sigB64),
    };
    if (sg.keyid) out.keyid = sg.keyid;
    return { out, v };
  });
  const canonical = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType: env.payloadType, signatures: sigs.map((x) => x.out) },
        hash: s.content.hash,
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
    },
  };
  const searchKeys = [
    ...sigs.flatMap((x) => signerKeys(x.v, 'sha256:')),
    `sha256:${payloadHash}`,
    ...statementKeys(env.payloadType, payload),
  ];
  return { canonical, searchKeys, attestation: payload.length <= MAX_ATTESTATION ? payload : null };
}

const proposedSchema = z.object({ apiVersion: z.string(), kind: z.string(), spec: z.unknown() });

/** Verify a proposed entry and produce Rekor's canonical form; throws EntryError for anything unacceptable. */
export function acceptProposed(value: unknown): Accepted {
  const p = parse(proposedSchema, value, 'proposed entry');
  const key = `${p.kind}/${p.apiVersion}`;
  switch (key) {
    case 'hashedrekord/0.0.1':
      return hashedRekord(p.spec);
    case 'dsse/0.0.1':
      return dsse(p.spec);
    case 'intoto/0.0.1':
      return intotoV001(p.spec);
    case 'intoto/0.0.2':
      return intotoV002(p.spec);
    default:
      throw new EntryError(`unsupported entry kind "${p.kind}" version "${p.apiVersion}"`);
  }
}
