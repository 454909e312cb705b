import { useApi } from '../api.ts';
import { Link, searchPath } from '../router.tsx';
import { Hash, Load } from './common.tsx';
import { StatementPicture } from './provenance.tsx';

interface ImageItem {
  kind: 'signature' | 'attestation';
  source: 'legacy' | 'referrer';
  id: string;
  verdict: 'verified' | 'failed' | 'not-checked';
  reason?: string;
  checks?: string[];
  check?: string;
  identity?: string;
  issuer?: string;
  predicateType?: string;
  statement?: unknown;
}

interface ImageReport {
  reference: string;
  repository: string;
  digest: string;
  locations: { signatures: string; attestations: string; referrers: string };
  checkedWith: string;
  items: ImageItem[];
}

const MARK = { verified: '✓ verified', failed: '✗ failed', 'not-checked': '– not checked' };

/** data-verified / data-check as on the entry page: only for an item the server checked. */
function verdictData(it: ImageItem): Record<string, string> {
  if (it.verdict === 'verified')
    return { 'data-verified': 'true', 'data-check': (it.checks ?? []).join(' ') };
  if (it.verdict === 'failed') return { 'data-verified': 'false', 'data-check': it.check ?? '' };
  return {};
}

/** What a keyless signature's certificate names, as text; believed only when the item verified. */
function Identity(p: { it: ImageItem }) {
  const it = p.it;
  if (it.identity === undefined) return null;
  const issuer = it.issuer !== undefined ? ` issued by OIDC issuer ${it.issuer}` : '';
  const trusted = it.verdict === 'verified' ? '' : ' (not verified)';
  return <div class="identity">{`certificate for ${it.identity}${issuer}${trusted}`}</div>;
}

function Item(p: { it: ImageItem }) {
  const it = p.it;
  return (
    <li
      class={`image-item ${it.verdict}`}
      data-kind={it.kind}
      data-source={it.source}
      data-verdict={it.verdict}
      {...verdictData(it)}
    >
      <strong
        class={`status ${it.verdict === 'verified' ? 'signed' : it.verdict === 'failed' ? 'failed' : 'pending'}`}
      >
        {MARK[it.verdict]}
      </strong>{' '}
      {it.kind} (
      {it.source === 'legacy'
        ? `legacy .${it.kind === 'signature' ? 'sig' : 'att'} layer`
        : 'sigstore bundle referrer'}
      ) <Hash value={it.id} />
      <Identity it={it} />
      {it.checks !== undefined && <div class="muted">checks made: {it.checks.join(', ')}</div>}
      {it.check !== undefined && <div class="reason">failed check: {it.check}</div>}
      {it.reason !== undefined && <div class="reason">{it.reason}</div>}
      {it.predicateType !== undefined && <div class="muted">predicate type {it.predicateType}</div>}
      {it.statement !== undefined && (
        <details>
          <summary>Provenance picture</summary>
          <StatementPicture statement={it.statement} />
        </details>
      )}
    </li>
  );
}

/** An image's signatures and attestations with the server's verdicts (labelled as server-side). */
export function ImagePage(p: { reference: string }) {
  const v = useApi<ImageReport>(`/api/images/${encodeURIComponent(p.reference)}`);
  return (
    <>
      <h1>Image</h1>
      <p>
        <code class="hash">{p.reference}</code>
      </p>
      <Load v={v} what="the image">
        {(d) => (
          <>
            <dl class="facts">
              <dt>Repository</dt>
              <dd>{d.repository}</dd>
              <dt>Digest</dt>
              <dd>
                <Link to={searchPath(d.digest)}>
                  <Hash value={d.digest} />
                </Link>
              </dd>
              <dt>Signatures</dt>
              <dd>{d.locations.signatures}</dd>
              <dt>Attestations</dt>
              <dd>{d.locations.attestations}</dd>
            </dl>
            <p class="trust" data-server-side="true">
              Verdicts computed on the server by the verify library (not in this browser), against{' '}
              {d.checkedWith}.
            </p>
            {d.items.length === 0 ? (
              <p>No signatures or attestations are stored for this image.</p>
            ) : (
              <ul class="sigs">
                {d.items.map((it) => (
                  <Item key={it.id + it.kind} it={it} />
                ))}
              </ul>
            )}
          </>
        )}
      </Load>
    </>
  );
}
