import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.ts';
import type { ConsoleConfig } from '../api.ts';
import { base64ToBytes, bytesToHex } from '../lib/bytes.ts';
import { decodeBody } from '../lib/decode.ts';
import type { DecodedBody } from '../lib/decode.ts';
import type { Signer } from '../lib/cert.ts';
import { verifyEntry } from '../lib/verify.ts';
import type { EntryValue, EntryVerdict } from '../lib/verify.ts';
import { Link, searchPath } from '../router.tsx';
import { Hash, time } from './common.tsx';
import { ProofPath } from './proof.tsx';
import { StatementPicture } from './provenance.tsx';

interface Entry extends EntryValue {
  uuid: string;
  attestation?: { data?: string };
}

interface Loaded {
  entry: Entry;
  config: ConsoleConfig;
  decoded: DecodedBody;
  verdict: EntryVerdict;
}

const TRUST_TEXT: Record<ConsoleConfig['trust']['source'], string> = {
  'trusted-root': 'Log key pinned by --trusted-root.',
  'rekor-public-key': 'Log key pinned by --rekor-public-key.',
  'first-use': 'No log key was pinned: the key was taken on first use from the server (trust on first use).',
};

const CHECK_TEXT: Record<string, string> = {
  key: 'log key',
  uuid: 'entry ID',
  set: 'signed entry timestamp (SET)',
  checkpoint: 'checkpoint signature',
  inclusion: 'inclusion proof',
};

export function Verdict(p: { verdict: EntryVerdict; trust: ConsoleConfig['trust'] }) {
  const v = p.verdict;
  const made = v.checks.filter((c) => c.state === 'ok').map((c) => c.name);
  return (
    <section
      class={`verdict ${v.verified ? 'ok' : 'bad'}`}
      data-verified={v.verified ? 'true' : 'false'}
      data-check={v.verified ? made.join(' ') : v.failed}
      aria-live="polite"
    >
      <h2>
        {v.verified
          ? '✓ Verified in this browser'
          : `✗ Not verified: ${CHECK_TEXT[v.failed ?? ''] ?? v.failed} failed`}
      </h2>
      <p class="trust" data-trust={p.trust.source}>
        {TRUST_TEXT[p.trust.source]}
      </p>
      <ul class="checks">
        {v.checks.map((c) => (
          <li key={c.name} data-check-name={c.name} data-state={c.state}>
            <span aria-hidden="true">{c.state === 'ok' ? '✓' : c.state === 'failed' ? '✗' : '–'}</span>{' '}
            <strong>{CHECK_TEXT[c.name]}</strong>: {c.state === 'not-made' ? 'not checked' : c.detail}
          </li>
        ))}
      </ul>
    </section>
  );
}

function SignerView(p: { s: Signer }) {
  const s = p.s;
  if (s.type === 'unreadable') return <span>unreadable key ({s.reason})</span>;
  if (s.type === 'key')
    return (
      <span>
        public key, SHA-256 fingerprint <Hash value={s.fingerprint} />
      </span>
    );
  return (
    <span>
      certificate for <strong>{s.identities.join(', ') || '(no identity)'}</strong>
      {s.issuer !== undefined && (
        <>
          {' '}
          issued by OIDC issuer <strong>{s.issuer}</strong>
        </>
      )}
      , fingerprint <Hash value={s.fingerprint} />
    </span>
  );
}

function Body(p: { d: DecodedBody }) {
  const d = p.d;
  return (
    <section>
      <h2>Body</h2>
      {d.error && <p class="error">{d.error}</p>}
      <dl class="facts">
        <dt>Kind</dt>
        <dd data-kind={d.kind}>
          {d.kind} {d.apiVersion}
        </dd>
        {d.payloadType !== undefined && (
          <>
            <dt>Payload type</dt>
            <dd>{d.payloadType}</dd>
          </>
        )}
        {d.hashes.map((h) => (
          <Fragment key={h.label}>
            <dt>{h.label} hash</dt>
            <dd>
              <Link to={searchPath(h.value)}>
                <Hash value={h.value} />
              </Link>
            </dd>
          </Fragment>
        ))}
        {d.signatures.map((s, i) => (
          <Fragment key={i}>
            <dt>Signature {i + 1}</dt>
            <dd>
              <SignerView s={s.signer} />
              {s.signature && (
                <div class="muted">
                  signature <Hash value={s.signature} />
                </div>
              )}
            </dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

async function load(uuid: string): Promise<Loaded> {
  const [entry, config] = await Promise.all([
    getJson<Entry>(`/api/log/entries/${encodeURIComponent(uuid)}`),
    getJson<ConsoleConfig>('/api/config'),
  ]);
  const [decoded, verdict] = await Promise.all([
    decodeBody(entry.body, entry.attestation?.data),
    verifyEntry(entry.uuid, entry, config.trust.keys.map(base64ToBytes)),
  ]);
  return { entry, config, decoded, verdict };
}

function ProofSection(p: { v: Loaded }) {
  const proof = p.v.entry.verification?.inclusionProof;
  const verdict = p.v.verdict;
  if (!proof || !verdict.leaf) return null;
  return (
    <section>
      <h2>Inclusion proof</h2>
      <ProofPath
        index={proof.logIndex}
        size={proof.treeSize}
        leaf={bytesToHex(verdict.leaf)}
        root={proof.rootHash}
        steps={verdict.path.map((s) => ({
          side: s.side,
          sibling: bytesToHex(s.sibling),
          result: bytesToHex(s.result),
        }))}
        hashes={proof.hashes}
        ok={verdict.checks.find((c) => c.name === 'inclusion')?.state === 'ok'}
      />
      <pre class="note">{proof.checkpoint}</pre>
    </section>
  );
}

function StatementSection(p: { v: Loaded }) {
  if (p.v.decoded.statement === undefined) return null;
  return (
    <section>
      <h2>In-toto statement</h2>
      <StatementPicture statement={p.v.decoded.statement} />
      <p>
        <Link to={`/diff?a=${encodeURIComponent(`entry:${p.v.entry.uuid}`)}`}>
          Compare this statement with another…
        </Link>
      </p>
    </section>
  );
}

function EntryView(p: { v: Loaded }) {
  const e = p.v.entry;
  return (
    <>
      <h1>
        Entry {e.logIndex} <small>{p.v.decoded.kind}</small>
      </h1>
      <Verdict verdict={p.v.verdict} trust={p.v.config.trust} />
      <dl class="facts">
        <dt>UUID</dt>
        <dd>
          <Hash value={e.uuid} />
        </dd>
        <dt>Log index</dt>
        <dd>{e.logIndex}</dd>
        <dt>Integrated</dt>
        <dd>{time(e.integratedTime)}</dd>
        <dt>Log ID</dt>
        <dd>
          <Hash value={e.logID} />
        </dd>
      </dl>
      <Body d={p.v.decoded} />
      <StatementSection v={p.v} />
      <ProofSection v={p.v} />
    </>
  );
}

/** An entry, decoded and verified in this browser; marks `entry-usable` for the benchmark once shown. */
export function EntryPage(p: { uuid: string }) {
  const [v, setV] = useState<Loaded | Error | null>(null);
  useEffect(() => {
    let live = true;
    load(p.uuid).then(
      (x) => live && setV(x),
      (e: Error) => live && setV(e),
    );
    return () => {
      live = false;
    };
  }, [p.uuid]);
  useEffect(() => {
    if (v) performance.mark('entry-usable');
  }, [v]);
  if (v === null) return <p aria-busy="true">Loading and verifying the entry…</p>;
  if (v instanceof Error)
    return (
      <p role="alert" class="error">
        Could not load the entry: {v.message}
      </p>
    );
  return <EntryView v={v} />;
}
