import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { INTOTO_PAYLOAD_TYPE, preAuthEncoding } from '../core/dsse.ts';
import { canonicalize } from '../core/json.ts';
import {
  ENTRY_KIND_IDS,
  parseBody,
  proposeDsse,
  proposeHashedRekord,
  proposeIntotoV001,
  proposeIntotoV002,
} from '../tlog/bodies/index.ts';
import type { EntryKindId, ProposedEntry } from '../tlog/bodies/index.ts';
import { acceptProposed } from '../tlog/server/kinds/index.ts';
import { decodeBody } from './app/lib/decode.ts';

// The browser app decodes bodies on its own (it bundles nothing outside src/console/app); this keeps its kind
// switch in step with the kind list: a kind the log accepts but the page cannot show fails here.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1","subject":[]}');
const sig = sign('sha256', preAuthEncoding(INTOTO_PAYLOAD_TYPE, payload), privateKey).toString('base64');
const envelope = JSON.stringify({
  payloadType: INTOTO_PAYLOAD_TYPE,
  payload: payload.toString('base64'),
  signatures: [{ keyid: '', sig }],
});
const artifact = Buffer.from('artifact');

const PROPOSALS = {
  'hashedrekord/0.0.1': () =>
    proposeHashedRekord(
      createHash('sha256').update(artifact).digest('hex'),
      sign('sha256', artifact, privateKey).toString('base64'),
      pem,
    ),
  'dsse/0.0.1': () => proposeDsse(envelope, pem),
  'intoto/0.0.1': () => proposeIntotoV001(envelope, pem),
  'intoto/0.0.2': () => proposeIntotoV002(envelope, pem),
} satisfies Record<EntryKindId, () => ProposedEntry>;

describe('the console page decodes every entry kind the log accepts', () => {
  it.each(ENTRY_KIND_IDS)('%s: kind, version, every hash and the signer', async (id) => {
    const body = Buffer.from(canonicalize(acceptProposed(PROPOSALS[id]()).canonical));
    const facts = parseBody(body).facts;
    const d = await decodeBody(body.toString('base64'));
    expect(`${d.kind}/${d.apiVersion}`).toBe(id);
    expect(d.error).toBeUndefined();
    const shown = d.hashes.map((h) => h.value);
    for (const h of [facts.payloadHash, facts.envelopeHash])
      if (h) expect(shown).toContain(`${h.algorithm}:${h.value}`);
    expect(d.signatures.length).toBe(Math.max(1, facts.signatures.length));
    for (const s of d.signatures) expect(s.signer.type).toBe('key');
  });
});
