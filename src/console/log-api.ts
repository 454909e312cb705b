import type { RekorClient, TlogEntry } from '../tlog/client/index.ts';
import { peekKindVersion } from '../tlog/bodies/index.ts';
import { ConsoleError } from './errors.ts';

/** One row of the log page and of search answers. Strings come from the log: the page shows them as text. */
export interface EntrySummary {
  uuid: string;
  logIndex: number;
  integratedTime: number;
  kind: string;
  apiVersion: string;
}

function summarize(e: TlogEntry): EntrySummary {
  // an unreadable body is shown as kind "?"
  const kv = peekKindVersion(Buffer.from(e.body, 'base64'));
  return {
    uuid: e.uuid,
    logIndex: e.logIndex,
    integratedTime: e.integratedTime,
    kind: kv?.kind.slice(0, 64) ?? '?',
    apiVersion: kv?.apiVersion.slice(0, 32) ?? '?',
  };
}

/** Rekor's retrieve takes ≤ 10 items per request (https://github.com/sigstore/rekor/blob/main/openapi.yaml): ask in parallel slices of 10. */
async function retrieveAll(
  client: RekorClient,
  q: { logIndexes?: number[]; entryUUIDs?: string[] },
): Promise<TlogEntry[]> {
  const items = q.logIndexes ?? q.entryUUIDs ?? [];
  const slices: Promise<TlogEntry[]>[] = [];
  for (let i = 0; i < items.length; i += 10) {
    const part = items.slice(i, i + 10);
    slices.push(
      client.retrieve(q.logIndexes ? { logIndexes: part as number[] } : { entryUUIDs: part as string[] }),
    );
  }
  return (await Promise.all(slices)).flat();
}

export interface EntryPage {
  treeSize: number;
  /** the newest index on the page + 1 */
  end: number;
  entries: EntrySummary[];
}

/** Entries [end - limit, end), newest first: fetched by index, so the cost does not grow with the log. */
export async function entryPage(
  client: RekorClient,
  end: number | undefined,
  limit: number,
): Promise<EntryPage> {
  const info = await client.logInfo();
  const top = Math.min(end ?? info.treeSize, info.treeSize);
  const indexes: number[] = [];
  for (let i = top - 1; i >= Math.max(0, top - limit); i--) indexes.push(i);
  const entries = (await retrieveAll(client, { logIndexes: indexes })).map(summarize);
  entries.sort((a, b) => b.logIndex - a.logIndex);
  return { treeSize: info.treeSize, end: top, entries };
}

export type QueryType = 'index' | 'uuid' | 'hash' | 'email' | 'identity' | 'publicKey';

export interface SearchAnswer {
  type: QueryType;
  total: number;
  results: EntrySummary[];
}

const MAX_RESULTS = 50;

/** What `q` is, as `tlog search`/`tlog get` take it: a log index, UUID, digest, email, URI identity or PEM public key. */
function classify(q: string): { type: QueryType; value: string } {
  const t = q.trim();
  if (/^[0-9]{1,15}$/.test(t)) return { type: 'index', value: t };
  // an image reference pinned by digest: the entries about that digest (signatures, statements' subjects)
  const image = /^[a-z0-9.:[\]-]+\/[^\s@]+@sha256:([0-9a-f]{64})$/.exec(t);
  if (image) return { type: 'hash', value: `sha256:${image[1]}` };
  if (/^[0-9a-f]{80}$/i.test(t)) return { type: 'uuid', value: t.toLowerCase() };
  if (/^(sha256:)?[0-9a-f]{64}$/i.test(t))
    return { type: 'hash', value: `sha256:${t.slice(-64).toLowerCase()}` };
  if (/^(sha1:[0-9a-f]{40}|sha512:[0-9a-f]{128})$/i.test(t)) return { type: 'hash', value: t.toLowerCase() };
  if (t.includes('-----BEGIN')) return { type: 'publicKey', value: t };
  if (/^[^\s@]+@[^\s@]+$/.test(t)) return { type: 'email', value: t };
  // a URI SAN, as a keyless certificate names a workload (https://kubernetes.io/namespaces/…/serviceaccounts/…)
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(t)) return { type: 'identity', value: t };
  throw new ConsoleError(
    'CONSOLE_INPUT',
    'search for a sha256 digest, an entry UUID, a log index, an email address, a certificate identity (URI) or a PEM public key',
  );
}

async function ids(client: RekorClient, type: QueryType, value: string): Promise<string[]> {
  switch (type) {
    case 'index':
      return [(await client.getEntryByIndex(Number(value))).uuid];
    case 'uuid':
      return [value];
    case 'hash': {
      // a bare 64-hex value may be an entry UUID as well as a digest: answer both
      const [byHash, byUuid] = await Promise.all([
        client.search({ hash: value }),
        client.getEntry(value.slice(7)).then(
          (e) => [e.uuid],
          () => [],
        ),
      ]);
      return [...new Set([...byUuid, ...byHash])];
    }
    case 'email':
    case 'identity':
      // the log indexes a certificate's SAN emails and URIs under one key, as `tlog search --email` finds them
      return client.search({ email: value });
    case 'publicKey':
      return client.search({ publicKey: { format: 'x509', content: Buffer.from(value).toString('base64') } });
  }
}

export async function search(client: RekorClient, q: string): Promise<SearchAnswer> {
  const { type, value } = classify(q);
  let found: string[];
  try {
    found = await ids(client, type, value);
  } catch (e) {
    if ((e as { code?: string }).code === 'TLOG_NOT_FOUND') found = [];
    else throw e;
  }
  const entries = await retrieveAll(client, { entryUUIDs: found.slice(0, MAX_RESULTS) });
  return { type, total: found.length, results: entries.map(summarize) };
}
