import { simpleSigningPayload } from '../signing/index.ts';
import type { ImageTarget } from '../storage/backend.ts';
import type { SignableItem } from './payloads.ts';

/** Manifests below an image (all levels of nested indexes); [] for a plain image manifest. */
export type ChildLookup = (image: ImageTarget) => Promise<ImageTarget[]>;

const keyOf = (i: ImageTarget): string => `${i.repository}@${i.digest}`;

/** The statement with `extra` images appended to its subjects (protojson order: name, digest). */
function withSubjects(
  item: Extract<SignableItem, { subjects: unknown }>,
  extra: ImageTarget[],
): SignableItem {
  const statement = JSON.parse(item.payload.toString('utf8')) as { subject?: unknown[] };
  const added = extra.map((i) => ({ name: i.repository, digest: { sha256: i.digest.slice(7) } }));
  const subject = [...(statement.subject ?? []), ...added];
  // the statement keeps its key order (_type, subject, predicateType, predicate): only subject changes
  const payload = Buffer.from(JSON.stringify({ ...statement, subject }), 'utf8');
  return { ...item, payload, subjects: [...item.subjects, ...extra] };
}

/**
 * `artifacts.oci.sign-index-children` (tektoncd/chains#1070): an image that is an index brings every manifest below
 * it: a simplesigning item each, and subjects in the statements that name the index, so each child gets its own
 * `.sig` and an attestation whose subject matches it. Images already among the items are not repeated.
 */
export async function expandIndexes(items: SignableItem[], lookup: ChildLookup): Promise<SignableItem[]> {
  const memo = new Map<string, Promise<ImageTarget[]>>();
  const children = (i: ImageTarget): Promise<ImageTarget[]> => {
    let p = memo.get(keyOf(i));
    if (!p) memo.set(keyOf(i), (p = lookup(i)));
    return p;
  };
  const signed = new Set(items.flatMap((i) => (i.type === 'oci' ? [keyOf(i.image)] : [])));
  const out: SignableItem[] = [];
  for (const item of items) {
    if (item.type === 'oci') {
      out.push(item);
      for (const c of await children(item.image)) {
        if (signed.has(keyOf(c))) continue;
        signed.add(keyOf(c));
        const payload = simpleSigningPayload(c.repository, c.digest);
        out.push({
          type: 'oci',
          shortKey: c.digest.slice(7, 19),
          format: 'simplesigning',
          payload,
          image: c,
        });
      }
      continue;
    }
    const have = new Set(item.subjects.map(keyOf));
    const extra: ImageTarget[] = [];
    for (const s of item.subjects)
      for (const c of await children(s)) if (!have.has(keyOf(c)) && have.add(keyOf(c))) extra.push(c);
    out.push(extra.length ? withSubjects(item, extra) : item);
  }
  return out;
}
