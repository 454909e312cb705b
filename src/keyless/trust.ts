import { X509Certificate, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ctLogKey } from '../ctlog/sct/index.ts';
import type { CtLogKey } from '../ctlog/sct/index.ts';
import { KeylessError } from './errors.ts';

const validFor = z.object({ start: z.string(), end: z.string().optional() });
const logSchema = z.object({
  baseUrl: z.string().optional(),
  publicKey: z.object({ rawBytes: z.string(), validFor: validFor.optional() }),
  logId: z.object({ keyId: z.string() }),
});
const caSchema = z.object({
  certChain: z.object({ certificates: z.array(z.object({ rawBytes: z.string() })).min(1) }),
  validFor: validFor.optional(),
});
const rootSchema = z.object({
  tlogs: z.array(logSchema).default([]),
  certificateAuthorities: z.array(caSchema).default([]),
  ctlogs: z.array(logSchema).default([]),
});

/** A transparency log the trusted root names: its key, its log ID (hex) and its validity window. */
export interface TrustedLog {
  logIdHex: string;
  key: KeyObject;
  start?: Date;
  end?: Date;
}

/** A CA chain of the trusted root: the issuing CA first, the root last. */
export interface TrustedCa {
  chain: X509Certificate[];
  start?: Date;
  end?: Date;
}

/** The parts of a protobuf-specs TrustedRoot (the `chains trusted-root` output) keyless verification uses. */
export interface TrustMaterial {
  tlogs: TrustedLog[];
  cas: TrustedCa[];
  ctlogs: CtLogKey[];
}

const date = (s: string | undefined): Date | undefined => (s ? new Date(s) : undefined);
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** Parse trusted_root.json defensively: anything malformed is KEYLESS_TRUSTED_ROOT. */
export function parseTrustedRoot(json: string): TrustMaterial {
  let parsed;
  try {
    parsed = rootSchema.parse(JSON.parse(json));
  } catch (e) {
    throw new KeylessError('KEYLESS_TRUSTED_ROOT', `trusted root: ${(e as Error).message}`, { cause: e });
  }
  try {
    return {
      tlogs: parsed.tlogs.map((l) => ({
        logIdHex: b64(l.logId.keyId).toString('hex'),
        key: createPublicKey({ key: b64(l.publicKey.rawBytes), format: 'der', type: 'spki' }),
        ...window(l.publicKey.validFor),
      })),
      cas: parsed.certificateAuthorities.map((c) => ({
        chain: c.certChain.certificates.map((x) => new X509Certificate(b64(x.rawBytes))),
        ...window(c.validFor),
      })),
      ctlogs: parsed.ctlogs.map((l) => {
        const w = window(l.publicKey.validFor);
        return ctLogKey(b64(l.publicKey.rawBytes), {
          ...(w.start ? { validFrom: w.start } : {}),
          ...(w.end ? { validUntil: w.end } : {}),
        });
      }),
    };
  } catch (e) {
    throw new KeylessError('KEYLESS_TRUSTED_ROOT', `trusted root: ${(e as Error).message}`, { cause: e });
  }
}

function window(v: { start: string; end?: string | undefined } | undefined): { start?: Date; end?: Date } {
  const start = date(v?.start);
  const end = date(v?.end);
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}
