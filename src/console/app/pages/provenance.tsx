import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.ts';
import { base64ToBytes, fromUtf8 } from '../lib/bytes.ts';
import { diffStatements, statementView } from '../lib/statement.ts';
import type { Artifact } from '../lib/statement.ts';
import { Link, imagePath } from '../router.tsx';

/** A subject that names an image with a sha256 digest links to its image page (an internal path we build). */
function imageRef(a: Artifact): string | undefined {
  const d = a.digests.find((x) => /^sha256:[0-9a-f]{64}$/.test(x));
  return d && /^[a-z0-9.:-]+(\/[a-z0-9._-]+)+$/.test(a.name) ? `${a.name}@${d}` : undefined;
}

function Artifacts(p: { title: string; items: Artifact[]; cls: string }) {
  return (
    <div class={`column ${p.cls}`}>
      <h3>{p.title}</h3>
      {p.items.length === 0 && <p class="muted">none recorded</p>}
      <ul>
        {p.items.map((a, i) => (
          <li key={i} class="box">
            <span class="name">{a.name || '(unnamed)'}</span>
            {p.cls === 'subjects' && imageRef(a) !== undefined && (
              <Link to={imagePath(imageRef(a) ?? '')}>signatures and attestations</Link>
            )}
            {a.digests.map((d) => (
              <code key={d} class="hash">
                {d}
              </code>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A statement as a picture: materials → steps → subjects, with builder, build type and parameters. */
export function StatementPicture(p: { statement: unknown }) {
  const v = statementView(p.statement);
  return (
    <figure class="statement" data-statement="picture">
      <dl class="facts">
        <dt>Builder</dt>
        <dd data-field="builder">{v.builder || '(none)'}</dd>
        <dt>Build type</dt>
        <dd data-field="build-type">{v.buildType || '(none)'}</dd>
        <dt>Predicate type</dt>
        <dd>{v.predicateType || '(none)'}</dd>
      </dl>
      <div class="flow">
        <Artifacts title="Materials" items={v.materials} cls="materials" />
        <div class="arrow" aria-hidden="true">
          →
        </div>
        <div class="column steps">
          <h3>Steps</h3>
          <ol>
            {v.steps.map((s, i) => (
              <li key={i} class="box">
                <span class="name">{s.name}</span>
                <span class="detail">{s.detail}</span>
              </li>
            ))}
          </ol>
        </div>
        <div class="arrow" aria-hidden="true">
          →
        </div>
        <Artifacts title="Subjects" items={v.subjects} cls="subjects" />
      </div>
      {v.parameters.length > 0 && (
        <table class="params">
          <caption>Parameters</caption>
          <tbody>
            {v.parameters.map((x) => (
              <tr key={x.name}>
                <th scope="row">{x.name}</th>
                <td>
                  <code>{x.value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}

/** A statement source for the diff: `entry:<uuid>` (an intoto entry's attestation) or `run:<ns>/<name>`. */
async function loadStatement(src: string): Promise<unknown> {
  if (src.startsWith('entry:')) {
    const e = await getJson<{ attestation?: { data?: string } }>(
      `/api/log/entries/${encodeURIComponent(src.slice(6))}`,
    );
    if (!e.attestation?.data)
      throw new Error(`entry ${src.slice(6)} stores no statement (only intoto entries do)`);
    return JSON.parse(fromUtf8(base64ToBytes(e.attestation.data)));
  }
  if (src.startsWith('run:')) {
    const [ns = '', name = ''] = src.slice(4).split('/');
    const r = await getJson<{ statement: { statement: unknown } | null }>(
      `/api/runs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`,
    );
    if (!r.statement) throw new Error(`run ${ns}/${name} has no statement`);
    return r.statement.statement;
  }
  throw new Error('a statement source is entry:<uuid> or run:<namespace>/<name>');
}

/** The runs the console knows, offered as diff sources (none when there is no run source). */
function RunSources() {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    getJson<{ runs: { namespace: string; name: string }[] }>('/api/runs').then(
      (l) => setNames(l.runs.map((r) => `run:${r.namespace}/${r.name}`)),
      () => undefined,
    );
  }, []);
  return (
    <datalist id="diff-sources">
      {names.map((n) => (
        <option key={n} value={n} />
      ))}
    </datalist>
  );
}

function DiffForm(p: { a: string; b: string }) {
  const hint = 'entry:<uuid> or run:<namespace>/<name>';
  return (
    <form method="get" action="/diff" class="diff-form">
      <label>
        Left <input name="a" defaultValue={p.a} placeholder={hint} list="diff-sources" required />
      </label>
      <label>
        Right <input name="b" defaultValue={p.b} placeholder={hint} list="diff-sources" required />
      </label>
      <button type="submit">Compare</button>
      <RunSources />
    </form>
  );
}

export function DiffPage(p: { a: string; b: string }) {
  const [v, setV] = useState<[unknown, unknown] | Error | null>(null);
  const [all, setAll] = useState(false);
  useEffect(() => {
    if (!p.a || !p.b) return;
    Promise.all([loadStatement(p.a), loadStatement(p.b)]).then(setV, setV);
  }, [p.a, p.b]);
  const body =
    !p.a || !p.b ? null : v === null ? (
      <p aria-busy="true">Loading both statements…</p>
    ) : v instanceof Error ? (
      <p role="alert" class="error">
        {v.message}
      </p>
    ) : (
      <DiffTable rows={diffStatements(v[0], v[1])} all={all} a={p.a} b={p.b} />
    );
  return (
    <>
      <h1>Compare two statements</h1>
      <DiffForm a={p.a} b={p.b} />
      <label class="toggle">
        <input
          type="checkbox"
          checked={all}
          onChange={(e) => setAll((e.target as HTMLInputElement).checked)}
        />{' '}
        show unchanged fields
      </label>
      {body}
    </>
  );
}

function DiffTable(p: { rows: ReturnType<typeof diffStatements>; all: boolean; a: string; b: string }) {
  const changed = p.rows.filter((r) => r.change !== 'same').length;
  const shown = p.all ? p.rows : p.rows.filter((r) => r.change !== 'same');
  return (
    <table class="diff" data-changes={changed}>
      <caption>
        {changed} of {p.rows.length} fields differ
      </caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">{p.a}</th>
          <th scope="col">{p.b}</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((r) => (
          <tr key={r.path} class={r.change} data-change={r.change}>
            <th scope="row">
              <code>{r.path}</code>
            </th>
            <td>{r.a ?? ''}</td>
            <td>{r.b ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
