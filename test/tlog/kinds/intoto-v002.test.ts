import { proposeIntotoV002 } from '../../../src/tlog/bodies/index.ts';
import { entryKindContract } from '../../../src/tlog/server/kinds/contract.ts';
import { signedEnvelope } from './envelope.ts';

entryKindContract({
  kind: 'intoto/0.0.2',
  recordsSignatures: true,
  propose: (s, content) => {
    const e = signedEnvelope(s.privateKey, content);
    return {
      proposed: proposeIntotoV002(e.envelope, s.pem),
      signed: e.pae,
      payloadSha256: e.payloadSha256,
      envelopeSha256: e.envelopeSha256,
    };
  },
  refuses: (s) => {
    const { envelope } = signedEnvelope(s.privateKey, 'refused');
    const good = proposeIntotoV002(envelope, s.pem);
    const wrong = { algorithm: 'sha256', value: 'ab'.repeat(32) };
    const content = { ...good.spec.content, payloadHash: wrong };
    return [
      ['a payload hash that is not the payload', { ...good, spec: { content } }, 'TLOG_ENTRY_INVALID'],
      ['a public key that does not parse', proposeIntotoV002(envelope, 'not a key'), 'TLOG_KEY_INVALID'],
    ];
  },
});
