import { proposeIntotoV001 } from '../../../src/tlog/bodies/index.ts';
import { entryKindContract } from '../../../src/tlog/server/kinds/contract.ts';
import { signedEnvelope } from './envelope.ts';

entryKindContract({
  kind: 'intoto/0.0.1',
  recordsSignatures: false,
  propose: (s, content) => {
    const e = signedEnvelope(s.privateKey, content);
    return {
      proposed: proposeIntotoV001(e.envelope, s.pem),
      signed: e.pae,
      payloadSha256: e.payloadSha256,
      envelopeSha256: e.envelopeSha256,
    };
  },
  refuses: (s) => {
    const { envelope } = signedEnvelope(s.privateKey, 'refused');
    return [
      ['an envelope that is not JSON', proposeIntotoV001('{', s.pem), 'TLOG_ENTRY_INVALID'],
      ['a public key that does not parse', proposeIntotoV001(envelope, 'not a key'), 'TLOG_KEY_INVALID'],
    ];
  },
});
