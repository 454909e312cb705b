import { sign } from 'node:crypto';
import { sha256Hex } from '../../../src/core/hash.ts';
import { proposeHashedRekord } from '../../../src/tlog/bodies/index.ts';
import { entryKindContract } from '../../../src/tlog/server/kinds/contract.ts';

entryKindContract({
  kind: 'hashedrekord/0.0.1',
  recordsSignatures: true,
  propose: (s, content) => {
    const artifact = Buffer.from(content);
    const digest = sha256Hex(artifact);
    const signature = sign('sha256', artifact, s.privateKey).toString('base64');
    return {
      proposed: proposeHashedRekord(digest, signature, s.pem),
      signed: artifact,
      payloadSha256: digest,
    };
  },
  refuses: (s) => {
    const digest = sha256Hex('refused');
    const signature = sign('sha256', Buffer.from('refused'), s.privateKey).toString('base64');
    const good = proposeHashedRekord(digest, signature, s.pem);
    const hash = (algorithm: string, value: string) => ({
      ...good,
      spec: { ...good.spec, data: { hash: { algorithm, value } } },
    });
    return [
      ['a digest of the wrong length', hash('sha256', digest.slice(2)), 'TLOG_ENTRY_INVALID'],
      ['an md5 digest', hash('md5', digest.slice(0, 32)), 'TLOG_ENTRY_INVALID'],
      ['a signature that is not base64', proposeHashedRekord(digest, '%%%', s.pem), 'TLOG_ENTRY_INVALID'],
      ['a key that does not parse', proposeHashedRekord(digest, signature, 'not a key'), 'TLOG_KEY_INVALID'],
    ];
  },
});
