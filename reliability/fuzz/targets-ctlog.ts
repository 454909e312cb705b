import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { startCtLogServer } from '../../src/ctlog/server/index.ts';
import { CtLogError } from '../../src/ctlog/server/errors.ts';
import { checkChain, decodeChainRequest } from '../../src/ctlog/server/chain.ts';
import {
  OID_SCT_LIST,
  certificateExtensions,
  decodeSctListExtensionValue,
  poisonState,
  sctFromJson,
  sctToJson,
  submitToCtLog,
  tbsWithoutExtension,
} from '../../src/ctlog/sct/index.ts';
import { issueLeaf, makeCa } from '../../test/ctlog/pki.ts';
import { tempDir } from '../lib/common.ts';
import { fuzzText } from './mutate.ts';
import type { Target } from './targets.ts';

const b64 = (b: Buffer): string => b.toString('base64');
/** Bytes as a latin1 string, so text mutations are byte mutations. */
const bin = (b: Buffer): string => b.toString('latin1');

/** The CT log's request parser and chain checks, the SCT codec and the certificate walker (docs/keyless.md). */
export async function ctlogTargets(): Promise<{ targets: Target[]; close(): Promise<void> }> {
  const ca = await makeCa('fuzz');
  const ct = await startCtLogServer({
    dir: join(tempDir('fuzz-ctlog'), 'ct'),
    addr: '127.0.0.1:0',
    rootsPem: ca.rootPem,
  });
  const roots = [new X509Certificate(ca.root)];
  const pre = await issueLeaf(ca, { poison: 'valid' });
  const sct = await submitToCtLog(ct.url, 'add-pre-chain', [pre.der, ca.intermediate]);
  const final = await issueLeaf(ca, { scts: [sct], serialHex: pre.serialHex, keys: pre.keys });
  const ext = certificateExtensions(final.der).find((e) => e.oid === OID_SCT_LIST)?.value ?? Buffer.alloc(0);
  const bodies = [
    { chain: [b64(pre.der), b64(ca.intermediate)] },
    { chain: [b64(final.der), b64(ca.intermediate), b64(ca.root)] },
  ];
  const parse = (x: string): unknown => {
    try {
      return JSON.parse(x);
    } catch (e) {
      throw new CtLogError('CT_REQUEST_INVALID', 'not JSON', { cause: e });
    }
  };
  const post = async (path: string, body: string): Promise<void> => {
    const r = await fetch(`${ct.url}${path}`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    if (r.status >= 500) throw new Error(`HTTP ${r.status} from POST ${path}`);
  };
  const targets: Target[] = [
    {
      name: 'CT chain request (decodeChainRequest + checkChain)',
      full: 20_000,
      budgetMs: 250,
      arb: fuzzText(
        bodies.map((b) => JSON.stringify(b)),
        bodies,
      ),
      run: (x) =>
        checkChain(decodeChainRequest(parse(x)), roots, x.length % 2 ? 'add-chain' : 'add-pre-chain'),
    },
    {
      name: 'certificate DER walker (tbsWithoutExtension, poisonState)',
      full: 30_000,
      budgetMs: 100,
      arb: fuzzText([bin(pre.der), bin(final.der)]),
      run: (x) => (
        poisonState(Buffer.from(x, 'latin1')),
        tbsWithoutExtension(Buffer.from(x, 'latin1'), OID_SCT_LIST)
      ),
    },
    {
      name: 'SCT list extension (decodeSctListExtensionValue)',
      full: 30_000,
      budgetMs: 100,
      arb: fuzzText([bin(ext)]),
      run: (x) => decodeSctListExtensionValue(Buffer.from(x, 'latin1')),
    },
    {
      name: 'CT add-chain answer (sctFromJson)',
      full: 20_000,
      budgetMs: 100,
      arb: fuzzText([JSON.stringify(sctToJson(sct))], [sctToJson(sct)]),
      run: (x) => sctFromJson(parse(x)),
    },
    {
      name: 'CT log HTTP: POST /ct/v1/add-pre-chain and add-chain',
      full: 4_000,
      budgetMs: 2_000,
      heavy: true,
      arb: fuzzText(
        bodies.map((b) => JSON.stringify(b)),
        bodies,
      ),
      run: async (x) => (await post('/ct/v1/add-pre-chain', x), await post('/ct/v1/add-chain', x)),
    },
  ];
  return { targets, close: () => ct.close() };
}
