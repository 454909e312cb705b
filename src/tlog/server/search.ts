import { z } from 'zod';
import { fromBase64 } from '../../core/encoding.ts';
import { entryId } from '../types/ids.ts';
import { HttpError } from './errors.ts';
import type { TransparencyLog } from './log.ts';
import { keyHash, parseVerifier } from './pki.ts';

const HASH_RE = /^(sha512:)?[0-9a-fA-F]{128}$|^(sha256:)?[0-9a-fA-F]{64}$|^(sha1:)?[0-9a-fA-F]{40}$/;
const PREFIX: Record<number, string> = { 128: 'sha512:', 64: 'sha256:', 40: 'sha1:' };

const searchSchema = z.object({
  hash: z.string().regex(HASH_RE, 'hash must be [sha256:|sha1:|sha512:]<hex>').optional(),
  publicKey: z
    .object({
      format: z.enum(['pgp', 'x509', 'minisign', 'ssh', 'tuf']),
      content: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
  email: z.string().min(1).max(512).optional(),
  subject: z.string().min(1).max(512).optional(),
  operator: z.enum(['and', 'or']).optional(),
});

/** Search keys for each criterion (https://github.com/sigstore/rekor/blob/main/openapi.yaml); each inner list is OR-ed, criteria combined by operator. */
function criteria(q: z.infer<typeof searchSchema>): string[][] {
  const out: string[][] = [];
  if (q.hash) {
    const h = q.hash.toLowerCase();
    out.push([h.includes(':') ? h : `${PREFIX[h.length] ?? ''}${h}`]);
  }
  if (q.publicKey) {
    if (q.publicKey.format !== 'x509')
      throw new HttpError(400, `publicKey format ${q.publicKey.format} is not supported`);
    if (!q.publicKey.content) throw new HttpError(400, 'publicKey.content is required');
    let kh: string;
    try {
      kh = keyHash(parseVerifier(fromBase64(q.publicKey.content, 'publicKey.content'), 'publicKey'));
    } catch (e) {
      throw new HttpError(400, `invalid public key: ${(e as Error).message}`);
    }
    // Rekor keys hashedrekord signers unprefixed and intoto/dsse signers "sha256:"-prefixed; match both.
    out.push([kh, `sha256:${kh}`]);
  }
  if (q.email) out.push([q.email.toLowerCase()]);
  if (q.subject) out.push([q.subject.toLowerCase()]);
  return out;
}

/** POST /api/v1/index/retrieve: entry IDs matching the query. */
export async function searchIndex(log: TransparencyLog, body: unknown): Promise<string[]> {
  const r = searchSchema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, `invalid search query at ${i?.path.join('.') || '<root>'}: ${i?.message}`);
  }
  const crit = criteria(r.data);
  if (crit.length === 0)
    throw new HttpError(400, 'search query must name a hash, publicKey, email or subject');
  const sets: Set<string>[] = [];
  for (const keys of crit) {
    const s = new Set<string>();
    for (const k of keys) for (const u of await log.store.search(k)) s.add(u.toString('hex'));
    sets.push(s);
  }
  const and = r.data.operator === 'and';
  let result = sets[0] as Set<string>;
  for (const s of sets.slice(1))
    result = and ? new Set([...result].filter((u) => s.has(u))) : new Set([...result, ...s]);
  return [...result].sort().map((u) => entryId(log.treeId, u));
}
