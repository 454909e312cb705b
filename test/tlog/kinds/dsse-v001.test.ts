import { proposeDsse } from '../../../src/tlog/bodies/index.ts';
import { entryKindContract } from '../../../src/tlog/server/kinds/contract.ts';
import { signedEnvelope } from './envelope.ts';

entryKindContract({
  kind: 'dsse/0.0.1',
  recordsSignatures: true,
  propose: (s, content) => {
    const e = signedEnvelope(s.privateKey, content);
    return {
      proposed: proposeDsse(e.envelope, s.pem),
      signed: e.pae,
      payloadSha256: e.payloadSha256,
      envelopeSha256: e.envelopeSha256,
    };
  },
  refuses: (s) => {
    const { envelope, envelopeSha256 } = signedEnvelope(s.privateKey, 'refused');
    const good = proposeDsse(envelope, s.pem);
    const hash = { algorithm: 'sha256', value: envelopeSha256 };
    return [
      ['an envelope that is not JSON', proposeDsse('{', s.pem), 'TLOG_ENTRY_INVALID'],
      [
        'a server-computed hash set by the client',
        { ...good, spec: { ...good.spec, envelopeHash: hash } },
        'TLOG_ENTRY_INVALID',
      ],
      ['a verifier that does not parse', proposeDsse(envelope, 'not a key'), 'TLOG_KEY_INVALID'],
    ];
  },
});
