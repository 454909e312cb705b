import fc from 'fast-check';
import { parseCheckpoint, verifyCheckpoint } from '../../src/core/checkpoint.ts';
import { decodePemAll } from '../../src/core/encoding.ts';
import { parseJson } from '../../src/core/json.ts';
import { hashLeaf } from '../../src/core/merkle.ts';
import { decodeKeyPem, decryptEnvelope, loadPrivateKey, loadPublicKey } from '../../src/keys/index.ts';
import { parseEntryRef, verifyLogEntry } from '../../src/tlog/client/index.ts';
import type { LogEntry } from '../../src/tlog/client/index.ts';
import { acceptProposed } from '../../src/tlog/server/index.ts';
import { verifyDsse } from '../../src/verify/dsse.ts';
import { fuzzText, mutatedJson, mutatedText } from './mutate.ts';
import { PASSWORD, type Seeds } from './seeds.ts';
import type { Target } from './targets.ts';

const json = (v: unknown): string => JSON.stringify(v);

/** Keys, envelopes, signatures and the log's wire formats. */
export function cryptoTargets(s: Seeds): Target[] {
  const pub = s.signer.publicKey;
  const real = s.envelopeJson.map((e) => JSON.parse(e) as { kdf?: object });
  const cheap = real.map((e) => ({ ...e, kdf: { ...e.kdf, params: { N: 1024, r: 8, p: 1 } } }));
  return [
    {
      name: 'PEM blocks (decodePemAll)',
      full: 100_000,
      budgetMs: 250,
      arb: fuzzText(s.pems),
      run: (x) => decodePemAll(x),
    },
    {
      name: 'public key PEM (loadPublicKey)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.pems),
      run: (x) => loadPublicKey(x),
    },
    {
      name: 'key file PEM (decodeKeyPem)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.keyFiles),
      run: (x) => decodeKeyPem(x),
    },
    {
      name: 'key file (loadPrivateKey, scrypt)',
      full: 1_000,
      budgetMs: 5_000,
      heavy: true,
      arb: mutatedText(s.keyFiles),
      run: (x) => loadPrivateKey(x, PASSWORD),
    },
    {
      name: 'key envelope JSON (decryptEnvelope)',
      full: 30_000,
      budgetMs: 5_000,
      arb: fc.oneof(
        // unsupported scrypt N: every path but the key derivation (which the real seed below reaches)
        { arbitrary: fuzzText(cheap.map(json), cheap), weight: 1000 },
        { arbitrary: mutatedJson(real), weight: 1 },
      ),
      run: (x) => decryptEnvelope(x, PASSWORD),
    },
    {
      name: 'DSSE envelope JSON (verifyDsse)',
      full: 80_000,
      budgetMs: 250,
      arb: fuzzText(
        s.dsse,
        s.dsse.map((d) => JSON.parse(d)),
      ),
      run: (x) => verifyDsse(x, pub),
    },
    {
      name: 'Rekor proposed entry (acceptProposed)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.proposals.map(json), s.proposals),
      run: (x) => acceptProposed(parseJson(x, 'proposed entry')),
    },
    {
      name: 'Rekor entry answer (verifyLogEntry)',
      full: 60_000,
      budgetMs: 250,
      arb: fuzzText(s.entries.map(json), s.entries),
      run: (x) => verifyLogEntry(parseJson(x, 'entry') as LogEntry, s.logKey),
    },
    {
      name: 'checkpoint (parseCheckpoint, verifyCheckpoint)',
      full: 80_000,
      budgetMs: 250,
      arb: fuzzText(s.checkpoints),
      run: (x) => (parseCheckpoint(x), verifyCheckpoint(x, loadPublicKey(s.logKey).key)),
    },
    {
      name: 'entry ID (parseEntryRef)',
      full: 50_000,
      budgetMs: 100,
      arb: fuzzText([hashLeaf(Buffer.from('x')).toString('hex'), `24296fb24b8ad77a${'c'.repeat(64)}`]),
      run: (x) => parseEntryRef(x),
    },
  ];
}
