import { useEffect, useState } from 'preact/hooks';
import { getJson, useApi } from '../api.ts';
import type { ConsoleConfig, EntrySummary } from '../api.ts';
import { base64ToBytes } from '../lib/bytes.ts';
import { verifyCheckpointNote } from '../lib/verify.ts';
import { Link, entryPath, imagePath } from '../router.tsx';
import { Hash, Load, time } from './common.tsx';

interface LogInfo {
  treeSize: number;
  rootHash: string;
  signedTreeHead: string;
  treeID: string;
}

interface EntryPage {
  treeSize: number;
  end: number;
  entries: EntrySummary[];
}

export function EntryTable(p: { entries: EntrySummary[]; caption: string }) {
  return (
    <table class="entries">
      <caption>{p.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Index</th>
          <th scope="col">Kind</th>
          <th scope="col">Integrated</th>
          <th scope="col">UUID</th>
        </tr>
      </thead>
      <tbody>
        {p.entries.map((e) => (
          <tr key={e.uuid}>
            <td>{e.logIndex}</td>
            <td>
              {e.kind} {e.apiVersion}
            </td>
            <td>{time(e.integratedTime)}</td>
            <td>
              <Link to={entryPath(e.uuid)}>
                <Hash value={e.uuid} />
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The latest checkpoint, checked in the browser against the trusted log key (as on the entry page). */
function CheckpointVerdict(p: { note: string; treeSize: number }) {
  const [v, setV] = useState<{ ok: boolean; detail: string; size?: number; source: string } | null>(null);
  useEffect(() => {
    let live = true;
    getJson<ConsoleConfig>('/api/config')
      .then(async (c) => ({
        ...(await verifyCheckpointNote(p.note, c.trust.keys.map(base64ToBytes))),
        source: c.trust.source,
      }))
      .then(
        (r) => live && setV(r),
        (e: Error) => live && setV({ ok: false, detail: e.message, source: '' }),
      );
    return () => {
      live = false;
    };
  }, [p.note]);
  if (!v) return <span aria-busy="true">checking…</span>;
  const ok = v.ok && v.size === p.treeSize;
  return (
    <span
      class={`status ${ok ? 'signed' : 'failed'}`}
      data-verified={ok ? 'true' : 'false'}
      data-check="checkpoint"
    >
      {ok ? '✓' : '✗'} {ok ? v.detail : v.ok ? 'the checkpoint size is not the tree size' : v.detail}
      {v.source === 'first-use' ? ' (key taken on first use)' : ''}
    </span>
  );
}

const PAGE = 20;

export function LogPage(p: { end: string | null }) {
  const info = useApi<LogInfo>('/api/log');
  const end = p.end && /^[0-9]+$/.test(p.end) ? p.end : '';
  const page = useApi<EntryPage>(`/api/log/entries?limit=${PAGE}${end ? `&end=${end}` : ''}`);
  return (
    <>
      <h1>Transparency log</h1>
      <Load v={info} what="the log">
        {(i) => (
          <dl class="facts">
            <dt>Tree size</dt>
            <dd data-tree-size={i.treeSize}>{i.treeSize.toLocaleString('en')}</dd>
            <dt>Root hash</dt>
            <dd>
              <Hash value={i.rootHash} />
            </dd>
            <dt>Tree ID</dt>
            <dd>{i.treeID}</dd>
            <dt>Latest checkpoint</dt>
            <dd>
              <CheckpointVerdict note={i.signedTreeHead} treeSize={i.treeSize} />
              <pre class="note">{i.signedTreeHead}</pre>
            </dd>
          </dl>
        )}
      </Load>
      <Load v={page} what="recent entries">
        {(pg) => (
          <>
            <EntryTable
              entries={pg.entries}
              caption={`Entries ${Math.max(0, pg.end - PAGE)}–${pg.end - 1}, newest first`}
            />
            <nav class="pager" aria-label="Pages">
              {pg.end < pg.treeSize && (
                <Link to={pg.end + PAGE >= pg.treeSize ? '/log' : `/log?end=${pg.end + PAGE}`}>← Newer</Link>
              )}
              {pg.end - PAGE > 0 && <Link to={`/log?end=${pg.end - PAGE}`}>Older →</Link>}
            </nav>
          </>
        )}
      </Load>
    </>
  );
}

interface SearchAnswer {
  type: string;
  total: number;
  results: EntrySummary[];
}

const TYPES: Record<string, string> = {
  index: 'log index',
  uuid: 'entry UUID',
  hash: 'digest',
  email: 'email',
  identity: 'certificate identity',
  publicKey: 'public key',
};

export function SearchPage(p: { q: string }) {
  const v = useApi<SearchAnswer>(p.q ? `/api/search?q=${encodeURIComponent(p.q)}` : null);
  useEffect(() => {
    if (v.state !== 'loading') performance.mark('search-answered');
  }, [v.state]);
  if (!p.q)
    return (
      <p>
        Type a digest, UUID, log index, email, certificate identity (URI) or public key into the search box.
      </p>
    );
  return (
    <>
      <h1>Search</h1>
      {/^[^\s@]+\/[^\s@]+@sha256:[0-9a-f]{64}$/.test(p.q.trim()) && (
        <p>
          <Link to={imagePath(p.q.trim())}>Signatures and attestations stored for this image</Link>
        </p>
      )}
      <Load v={v} what="search results">
        {(a) => (
          <section data-search-type={a.type} data-search-total={a.total}>
            <p>
              {a.total === 0
                ? `No entries for this ${TYPES[a.type] ?? a.type}.`
                : `${a.total} entr${a.total === 1 ? 'y' : 'ies'} for this ${TYPES[a.type] ?? a.type}${a.total > a.results.length ? `, first ${a.results.length} shown` : ''}.`}
            </p>
            {a.results.length > 0 && <EntryTable entries={a.results} caption="Matching entries" />}
          </section>
        )}
      </Load>
    </>
  );
}
