import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../../../test/setup/env.ts';
import {
  ENTRY_KIND_IDS,
  ENTRY_KINDS,
  goFieldOf,
  parseBody,
  parseBodyBase64,
  peekKindVersion,
} from './index.ts';

const DIR = join(VECTORS, 'rekor', 'canonical-bodies');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const refused = (code: string, message: RegExp) =>
  expect.objectContaining({ code, message: expect.stringMatching(message) });

describe('canonical bodies written by the public-good Rekor', () => {
  it.each(files)('%s parses to its kind, with the facts its spec states', (f) => {
    const bytes = readFileSync(join(DIR, f));
    const raw = JSON.parse(bytes.toString()) as {
      kind: string;
      apiVersion: string;
      spec: Record<string, never>;
    };
    const b = parseBody(bytes);
    expect(`${b.kind}-${b.apiVersion}`).toBe(f.split('-logindex')[0]);
    expect(b.id).toBe(`${raw.kind}/${raw.apiVersion}`);
    expect(b.facts.verifiers.length).toBeGreaterThan(0);
    for (const pem of b.facts.verifiers)
      expect(new X509Certificate(pem).subjectAltName).toMatch(/email:|URI:/);
    expect(b.facts.signatures.length).toBeGreaterThan(0);
    for (const s of b.facts.signatures) expect(Buffer.from(s.signature, 'base64')[0]).toBe(0x30); // DER ECDSA
    expect(b.facts.payloadHash?.value).toMatch(/^[0-9a-f]{64}$/);
    expect(parseBodyBase64(bytes.toString('base64'))).toEqual(b);
    expect(b.facts.searchHashes).toContain(`sha256:${b.facts.payloadHash?.value}`);
  });

  it('reads each kind the way its schema lays it out', () => {
    const read = (name: string) => parseBody(readFileSync(join(DIR, name)));
    const hr = read('hashedrekord-0.0.1-logindex-6757503.json');
    if (hr.id !== 'hashedrekord/0.0.1') throw new Error(hr.id);
    expect(hr.facts.signatures).toEqual([
      { signature: hr.spec.signature.content, verifier: hr.facts.verifiers[0] },
    ]);
    const d = read('dsse-0.0.1-logindex-22797666.json');
    if (d.kind !== 'dsse') throw new Error(d.kind);
    expect(d.facts.envelopeHash).toEqual(d.spec.envelopeHash);
    const i = read('intoto-0.0.2-logindex-6751924.json');
    if (i.id !== 'intoto/0.0.2') throw new Error(i.id);
    // the body holds base64(base64(signature)): facts hold the signature's base64 once
    const sig = i.spec.content.envelope.signatures[0]?.sig ?? '';
    expect(i.facts.signatures[0]?.signature).toBe(Buffer.from(sig, 'base64').toString());
    expect(i.facts.envelopeHash?.value).toBe(i.spec.content.hash?.value);
  });
});

describe('hostile bodies get a coded error', () => {
  const good = JSON.parse(readFileSync(join(DIR, 'hashedrekord-0.0.1-logindex-6757503.json'), 'utf8')) as {
    spec: { data: { hash: { value: string; algorithm: string } }; signature: { content: string } };
  };
  const variant = (edit: (b: typeof good) => void): Buffer => {
    const b = structuredClone(good);
    edit(b);
    return utf8(JSON.stringify(b));
  };

  it('not JSON, not a body, an unknown kind or version', () => {
    expect(() => parseBody(utf8('{'))).toThrow(refused('TLOG_BODY_INVALID', /not JSON/));
    expect(() => parseBody(utf8('[]'))).toThrow(refused('TLOG_BODY_INVALID', /<root>/));
    expect(() => parseBody(utf8('{"kind":"hashedrekord","apiVersion":"one","spec":{}}'))).toThrow(
      refused('TLOG_BODY_INVALID', /apiVersion/),
    );
    expect(() => parseBody(utf8('{"kind":"rekord","apiVersion":"0.0.1","spec":{}}'))).toThrow(
      refused('TLOG_BODY_UNSUPPORTED', /rekord 0\.0\.1/),
    );
    expect(() => parseBody(utf8('{"kind":"dsse","apiVersion":"0.0.2","spec":{}}'))).toThrow(
      refused('TLOG_BODY_UNSUPPORTED', /dsse 0\.0\.2/),
    );
  });

  it('a field off the schema names its path', () => {
    expect(() => parseBody(variant((b) => (b.spec.data.hash.value = 'ab')))).toThrow(
      refused('TLOG_BODY_INVALID', /data\.hash: hash value has the wrong length/),
    );
    expect(() => parseBody(variant((b) => (b.spec.data.hash.algorithm = 'md5')))).toThrow(
      refused('TLOG_BODY_INVALID', /data\.hash\.algorithm/),
    );
    expect(() => parseBody(variant((b) => (b.spec.signature.content = 'not base64!')))).toThrow(
      refused('TLOG_BODY_INVALID', /signature\.content: not base64/),
    );
    expect(() => parseBody(variant((b) => delete (b.spec as { signature?: unknown }).signature))).toThrow(
      refused('TLOG_BODY_INVALID', /hashedrekord\/0\.0\.1 body: signature/),
    );
  });

  it('uppercase hex is read, and handed on lowercase', () => {
    const b = parseBody(variant((x) => (x.spec.data.hash.value = x.spec.data.hash.value.toUpperCase())));
    expect(b.facts.payloadHash?.value).toBe(good.spec.data.hash.value);
  });
});

describe('the kind list', () => {
  it('derives the kinds from the kind/version list, each once', () => {
    expect(ENTRY_KIND_IDS.length).toBeGreaterThan(ENTRY_KINDS.length);
    expect(ENTRY_KINDS).toEqual([...new Set(ENTRY_KIND_IDS.map((i) => i.split('/')[0]))]);
  });

  it('peeks at kind and version of any body, ours or not', () => {
    expect(peekKindVersion(utf8('{"kind":"rekord","apiVersion":"0.0.1","spec":{}}'))).toEqual({
      kind: 'rekord',
      apiVersion: '0.0.1',
    });
    expect(peekKindVersion(utf8('nope'))).toBeUndefined();
    expect(peekKindVersion(utf8('{"kind":1}'))).toBeUndefined();
  });

  it('names kinds as rekor-cli does, and leaves others alone', () => {
    expect(['hashedrekord', 'dsse', 'intoto', 'rekord', 'cose'].map(goFieldOf)).toEqual([
      'HashedRekordObj',
      'DSSEObj',
      'IntotoObj',
      'RekordObj',
      'cose',
    ]);
  });

  it('search hashes are the ones Rekor indexes: intoto 0.0.2 leaves its envelope hash out', () => {
    const read = (name: string) => parseBody(readFileSync(join(DIR, name))).facts;
    const d = read('dsse-0.0.1-logindex-22797666.json');
    expect(d.searchHashes).toEqual([`sha256:${d.payloadHash?.value}`, `sha256:${d.envelopeHash?.value}`]);
    const i = read('intoto-0.0.2-logindex-6751924.json');
    expect(i.envelopeHash?.value).toMatch(/^[0-9a-f]{64}$/);
    expect(i.searchHashes).toEqual([`sha256:${i.payloadHash?.value}`]);
  });
});
