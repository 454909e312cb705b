import { z } from 'zod';
import { decodePem, decodePemAll } from '../core/encoding.ts';
import { TrustRootError } from './errors.ts';
import type { AuthorityMaterial, LogMaterial, TrustMaterialInput } from './build.ts';

/** Read trust material from running services: Rekor, Fulcio, the CT log and optionally a timestamp authority. */

export interface ServiceUrls {
  rekorUrl: string;
  fulcioUrl: string;
  ctlogUrl: string;
  tsaUrl?: string;
}

export interface FetchOptions {
  /** The logs' `publicKey.validFor.start` (no service publishes it). Default: the Unix epoch, no lower bound. */
  logsValidFrom?: Date;
  timeoutMs?: number;
}

const MAX_ANSWER = 1 << 20;
const trim = (u: string): string => u.replace(/\/+$/, '');

async function getText(url: string, timeoutMs: number): Promise<string> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (e) {
    throw new TrustRootError('TRUSTROOT_FETCH', `cannot reach ${url}: ${(e as Error).message}`, { cause: e });
  }
  if (res.status !== 200) throw new TrustRootError('TRUSTROOT_FETCH', `${url} answered ${res.status}`);
  if (text.length > MAX_ANSWER) throw new TrustRootError('TRUSTROOT_FETCH', `${url} answered too much`);
  return text;
}

function pemKey(text: string, url: string): Buffer {
  try {
    const b = decodePem(text);
    if (b.type !== 'PUBLIC KEY') throw new Error(`PEM block is ${b.type}`);
    return b.bytes;
  } catch (e) {
    throw new TrustRootError('TRUSTROOT_INVALID', `${url} did not answer a PEM public key`, { cause: e });
  }
}

function pemCerts(pems: string[], url: string): Buffer[] {
  const certs = pems.flatMap((p) => decodePemAll(p)).filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) throw new TrustRootError('TRUSTROOT_INVALID', `${url} answered no certificates`);
  return certs.map((b) => b.bytes);
}

/** Fulcio `GET /api/v2/trustBundle`: `{"chains":[{"certificates":[PEM…]}]}`, issuing CA first, root last. */
const TrustBundle = z.object({
  chains: z
    .array(z.object({ certificates: z.array(z.string().max(65536)).min(1).max(10) }))
    .min(1)
    .max(16),
});

async function fulcio(url: string, timeoutMs: number): Promise<AuthorityMaterial[]> {
  const at = `${trim(url)}/api/v2/trustBundle`;
  let parsed;
  try {
    parsed = TrustBundle.parse(JSON.parse(await getText(at, timeoutMs)));
  } catch (e) {
    if (e instanceof TrustRootError) throw e;
    throw new TrustRootError('TRUSTROOT_INVALID', `${at} is not a Fulcio trust bundle`, { cause: e });
  }
  return parsed.chains.map((c) => ({ uri: trim(url), chainDer: pemCerts(c.certificates, at) }));
}

/** All trust material, read in parallel. Rekor: `/api/v1/log/publicKey`; CT log: `/ct/v1/public-key` (ours). */
export async function fetchTrustMaterial(u: ServiceUrls, o: FetchOptions = {}): Promise<TrustMaterialInput> {
  const t = o.timeoutMs ?? 10_000;
  const validFrom = o.logsValidFrom ?? new Date(0);
  const log = async (base: string, path: string): Promise<LogMaterial> => ({
    baseUrl: trim(base),
    publicKeyDer: pemKey(await getText(`${trim(base)}${path}`, t), `${trim(base)}${path}`),
    validFrom,
  });
  const tsa = async (base: string): Promise<AuthorityMaterial> => {
    const at = `${trim(base)}/api/v1/timestamp/certchain`;
    return { uri: trim(base), chainDer: pemCerts([await getText(at, t)], at) };
  };
  const [rekor, cas, ct, tsas] = await Promise.all([
    log(u.rekorUrl, '/api/v1/log/publicKey'),
    fulcio(u.fulcioUrl, t),
    log(u.ctlogUrl, '/ct/v1/public-key'),
    u.tsaUrl ? tsa(u.tsaUrl).then((x) => [x]) : Promise.resolve([]),
  ]);
  return { tlogs: [rekor], cas, ctlogs: [ct], tsas };
}
