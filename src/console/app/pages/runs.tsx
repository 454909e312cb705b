import { useEffect, useState } from 'preact/hooks';
import { getJson, useApi } from '../api.ts';
import { Link, imagePath, navigate, runPath, searchPath } from '../router.tsx';
import { Load } from './common.tsx';
import { StatementPicture } from './provenance.tsx';

interface RunSummary {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  status: 'signed' | 'failed' | 'pending';
  failureReason?: string;
  retries?: string;
  logIndexes: number[];
  images: { ref: string; signature: string; attestation: string }[];
}

interface RunList {
  source: string;
  namespaces: string[];
  runs: RunSummary[];
}

const key = (r: RunSummary): string => `${r.namespace}/${r.name}/${r.kind}`;

function Status(p: { s: RunSummary['status'] }) {
  const sign = p.s === 'signed' ? '✓' : p.s === 'failed' ? '✗' : '…';
  return (
    <span class={`status ${p.s}`} data-status={p.s}>
      <span aria-hidden="true">{sign}</span> {p.s}
    </span>
  );
}

function Locations(p: { r: RunSummary }) {
  return (
    <>
      {p.r.logIndexes.map((i) => (
        <div key={i}>
          log <Link to={searchPath(i)}>#{i}</Link>
        </div>
      ))}
      {p.r.images.map((im) => (
        <div key={im.ref}>
          <Link to={imagePath(im.ref)}>{im.ref}</Link>
          <div class="muted">
            {im.signature}, {im.attestation}
          </div>
        </div>
      ))}
    </>
  );
}

/** Live: the list follows server-sent `run` events; rows that stop matching the filters drop out. */
function useLiveRuns(initial: RunSummary[], namespace: string, status: string): RunSummary[] {
  const [runs, setRuns] = useState(initial);
  useEffect(() => setRuns(initial), [initial]);
  useEffect(() => {
    const fits = (r: RunSummary): boolean =>
      (!namespace || r.namespace === namespace) && (!status || r.status === status);
    const apply = (old: RunSummary[], r: RunSummary): RunSummary[] => {
      const rest = old.filter((x) => key(x) !== key(r));
      return fits(r) ? [...rest, r].sort((x, y) => key(x).localeCompare(key(y))) : rest;
    };
    // events that arrive while the list is re-read are applied again on top of it
    let since: RunSummary[] | null = null;
    const es = new EventSource('/api/runs/events');
    // the list is re-read whenever the stream (re)connects: changes before it was open are not lost
    es.addEventListener('open', () => {
      const q = new URLSearchParams();
      if (namespace) q.set('namespace', namespace);
      if (status) q.set('status', status);
      since = [];
      getJson<RunList>(`/api/runs${q.size ? `?${q}` : ''}`).then(
        (l) => {
          const late = since ?? [];
          since = null;
          setRuns(late.reduce(apply, l.runs));
        },
        () => void (since = null),
      );
    });
    es.addEventListener('run', (ev) => {
      const r = JSON.parse((ev as MessageEvent<string>).data) as RunSummary;
      since?.push(r);
      setRuns((old) => apply(old, r));
    });
    return () => es.close();
  }, [namespace, status]);
  return runs;
}

function RunTable(p: { list: RunList; namespace: string; status: string }) {
  const runs = useLiveRuns(p.list.runs, p.namespace, p.status);
  return (
    <table class="runs" aria-live="polite">
      <caption>
        {runs.length} run{runs.length === 1 ? '' : 's'} from {p.list.source}
      </caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Status</th>
          <th scope="col">Retries</th>
          <th scope="col">Failure reason</th>
          <th scope="col">Log entries and OCI locations</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={key(r)} data-run={`${r.namespace}/${r.name}`} data-status={r.status}>
            <td>
              <Link to={runPath(r.namespace, r.name)}>
                {r.namespace}/{r.name}
              </Link>{' '}
              <span class="muted">{r.kind}</span>
            </td>
            <td>
              <Status s={r.status} />
            </td>
            <td>{r.retries ?? ''}</td>
            <td class="reason">{r.failureReason ?? ''}</td>
            <td>
              <Locations r={r} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Filters(p: { namespaces: string[]; namespace: string; status: string }) {
  const go = (ns: string, st: string): void => {
    const q = new URLSearchParams();
    if (ns) q.set('namespace', ns);
    if (st) q.set('status', st);
    navigate(`/runs${q.size ? `?${q}` : ''}`);
  };
  return (
    <form class="filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        Namespace{' '}
        <select value={p.namespace} onChange={(e) => go((e.target as HTMLSelectElement).value, p.status)}>
          <option value="">all</option>
          {p.namespaces.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status{' '}
        <select value={p.status} onChange={(e) => go(p.namespace, (e.target as HTMLSelectElement).value)}>
          <option value="">all</option>
          <option value="signed">signed</option>
          <option value="failed">failed</option>
          <option value="pending">pending</option>
        </select>
      </label>
    </form>
  );
}

export function RunsPage(p: { namespace: string; status: string }) {
  const q = new URLSearchParams();
  if (p.namespace) q.set('namespace', p.namespace);
  if (p.status) q.set('status', p.status);
  const v = useApi<RunList>(`/api/runs${q.size ? `?${q}` : ''}`);
  return (
    <>
      <h1>Runs</h1>
      <Load v={v} what="runs">
        {(list) => (
          <>
            <Filters namespaces={list.namespaces} namespace={p.namespace} status={p.status} />
            <RunTable list={list} namespace={p.namespace} status={p.status} />
          </>
        )}
      </Load>
    </>
  );
}

interface RunDetail {
  run: RunSummary;
  statement: { source: 'tekton-annotation' | 'computed'; statement: unknown } | null;
}

function RunProvenance(p: { d: RunDetail }) {
  const { run, statement } = p.d;
  if (!statement) return <p>No statement: the run is not finished or cannot be read.</p>;
  return (
    <>
      <p class="muted">
        {statement.source === 'tekton-annotation'
          ? 'The signed payload stored on the run (tekton storage).'
          : 'Computed from the run by the provenance library (in-toto format); not the signed bytes.'}
      </p>
      <StatementPicture statement={statement.statement} />
      <p>
        <Link to={`/diff?a=${encodeURIComponent(`run:${run.namespace}/${run.name}`)}`}>
          Compare this statement with another…
        </Link>
      </p>
    </>
  );
}

function RunView(p: { d: RunDetail }) {
  const r = p.d.run;
  return (
    <>
      <h1>
        {r.kind} {r.namespace}/{r.name}
      </h1>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Status s={r.status} />
        </dd>
        <dt>Retries</dt>
        <dd>{r.retries ?? '0'}</dd>
        {r.failureReason !== undefined && (
          <>
            <dt>Failure reason</dt>
            <dd class="reason">{r.failureReason}</dd>
          </>
        )}
        <dt>Log entries and OCI locations</dt>
        <dd>
          <Locations r={r} />
        </dd>
      </dl>
      <h2>Provenance</h2>
      <RunProvenance d={p.d} />
    </>
  );
}

export function RunPage(p: { namespace: string; name: string }) {
  const v = useApi<RunDetail>(`/api/runs/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.name)}`);
  return (
    <Load v={v} what="the run">
      {(d) => <RunView d={d} />}
    </Load>
  );
}
