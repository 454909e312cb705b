import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { verifyCheckpoint } from '../../src/core/checkpoint.ts';
import { parseJson } from '../../src/core/json.ts';
import type { RekorBundle, SignedRecord } from '../../src/core/signed.ts';
import {
  SCRYPT_PARAMS,
  encryptPrivateKey,
  loadPrivateKey,
  privateKeyMaterial,
} from '../../src/keys/index.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { startRegistryServer } from '../../src/registry/server/server.ts';
import { KeySigner, signInToto, signSimpleSigning } from '../../src/signing/index.ts';
import type { LogEntry, TlogEntry } from '../../src/tlog/client/index.ts';
import {
  RekorClient,
  proposeDsse,
  proposeHashedRekord,
  toCosignBundle,
} from '../../src/tlog/client/index.ts';
import { verifyLogEntry, verifySet } from '../../src/tlog/client/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import { checkSimpleSigningClaims } from '../../src/verify/claims.ts';
import { verifyDsse } from '../../src/verify/dsse.ts';
import { verifyBlob } from '../../src/verify/blob.ts';
import { verifyRekorBundle } from '../../src/verify/tlog.ts';
import { sha256Hex, tempDir } from '../lib/common.ts';
import type { Artifact } from './mutate.ts';
import { ociSetup, pushImage, type OciCtx } from './oci.ts';

/** The password of the tampered key file (also grepped for by the secrets check). */
export const KEY_PASSWORD = 'tamper-test-password-7f3a';

export interface Fixture {
  artifacts: Artifact[];
  close(): Promise<void>;
}

const hex = (b: Buffer): string => b.toString('hex');

/** Key file, DSSE envelope, simplesigning payload + signature (no servers needed). */
async function offlineArtifacts(
  signer: KeySigner,
  digest: string,
): Promise<{
  artifacts: Artifact[];
  dsse: SignedRecord;
  simple: SignedRecord;
}> {
  const material = privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  // scrypt N=32768 (cosign's legacy set, still accepted): the same format, half the derivation time
  const pem = await encryptPrivateKey(material, KEY_PASSWORD, SCRYPT_PARAMS.legacy);
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: 'registry.local/app', digest: { sha256: digest.slice(7) } }],
      predicate: { builder: { id: 'https://tekton.dev/chains/v2' }, buildType: 'tekton.dev/v1beta1/TaskRun' },
    }),
  );
  const dsse = await signInToto(signer, statement);
  const simple = await signSimpleSigning(signer, 'registry.local/app', digest);
  const pub = signer.publicKey;
  const artifacts: Artifact[] = [
    {
      name: 'key file (cosign.key)',
      bytes: Buffer.from(pem),
      verify: async (b) => hex((await loadPrivateKey(b, KEY_PASSWORD)).publicKey.der),
      concurrency: 4,
    },
    { name: 'DSSE envelope', bytes: dsse.bytes, verify: async (b) => hex(verifyDsse(b, pub)) },
    {
      name: 'simplesigning payload',
      bytes: simple.bytes,
      verify: async (b) => {
        verifyBlob(pub, b, simple.signature);
        checkSimpleSigningClaims(b, digest);
        return hex(b);
      },
    },
    {
      name: 'simplesigning signature',
      bytes: Buffer.from(simple.signature),
      verify: async (b) => {
        verifyBlob(pub, simple.bytes, b.toString('utf8'));
        return 'ok';
      },
    },
  ];
  return { artifacts, dsse, simple };
}

/** Raw JSON of an entry as the server sends it (the text a client would parse). */
async function rawEntry(url: string, uuid: string): Promise<string> {
  return (await fetch(`${url}/api/v1/log/entries/${uuid}`)).text();
}

function logArtifacts(rawDsse: string, entry: TlogEntry, dsse: SignedRecord, logKey: string): Artifact[] {
  const parsed = parseJson(rawDsse) as LogEntry;
  const [id, value] = Object.entries(parsed)[0] as [string, LogEntry[string]];
  const meaning = (e: LogEntry): string => {
    const v = verifyLogEntry(e, logKey);
    // the UUID is what SET, proof and checkpoint bind; the entry ID's tree-ID prefix is a routing label (as in Rekor)
    return `${v.uuid}|${v.value.body}|${v.value.logIndex}|${v.value.integratedTime}`;
  };
  const proof = value.verification?.inclusionProof;
  const bundle = toCosignBundle(entry);
  const expected = { envelope: dsse.bytes, publicKeyPem: dsse.identity.publicKeyPem };
  return [
    {
      name: 'log entry (GET answer)',
      bytes: Buffer.from(rawDsse),
      verify: async (b) => meaning(parseJson(b) as LogEntry),
    },
    {
      name: 'inclusion proof',
      bytes: Buffer.from(JSON.stringify(proof)),
      verify: async (b) => {
        const v = { ...value, verification: { ...value.verification, inclusionProof: parseJson(b) } };
        return meaning({ [id]: v } as LogEntry);
      },
    },
    {
      name: 'SET (signedEntryTimestamp)',
      bytes: Buffer.from(value.verification?.signedEntryTimestamp ?? ''),
      verify: async (b) => {
        verifySet(value, b.toString('utf8'), logKey);
        return 'ok';
      },
    },
    {
      name: 'checkpoint (signed note)',
      bytes: Buffer.from(proof?.checkpoint ?? ''),
      verify: async (b) => {
        const cp = verifyCheckpoint(b.toString('utf8'), createPublicKey(logKey));
        return `${cp.origin}|${cp.size}|${hex(cp.rootHash)}|${cp.extensions.join(',')}`;
      },
    },
    {
      name: 'cosign bundle (SET + payload)',
      bytes: Buffer.from(JSON.stringify(bundle)),
      verify: async (b) => JSON.stringify(verifyRekorBundle(parseJson(b) as RekorBundle, logKey, expected)),
    },
  ];
}

/** Every artifact Chains produces, made by the real code paths: key, signatures, OCI layout, log answers. */
export async function buildArtifacts(): Promise<Fixture> {
  const work = tempDir('tamper');
  const signer = new KeySigner(
    privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  );
  const log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
  const regDir = join(work, 'registry');
  const reg = await startRegistryServer({ addr: '127.0.0.1:0', dir: regDir });
  try {
    const client = new RegistryClient();
    const repo = { registry: reg.host, repository: 'tamper/app' };
    const digest = await pushImage(client, repo);
    const off = await offlineArtifacts(signer, digest);
    const logKey = log.publicKeyPem;
    const rekor = new RekorClient(log.url, { logPublicKey: logKey });
    const pem = signer.publicKey.pem;
    const dEntry = await rekor.createEntry(proposeDsse(off.dsse.bytes, pem));
    const sEntry = await rekor.createEntry(
      proposeHashedRekord(sha256Hex(off.simple.bytes), off.simple.signature, pem),
    );
    const dsse = { ...off.dsse, bundle: toCosignBundle(dEntry) };
    const simple = { ...off.simple, bundle: toCosignBundle(sEntry) };
    const ctx: OciCtx = { client, host: reg.host, repo, digest, logKey, signer };
    const artifacts = [
      ...off.artifacts,
      ...logArtifacts(await rawEntry(log.url, dEntry.uuid), dEntry, off.dsse, logKey),
      ...(await ociSetup(ctx, dsse, simple, regDir)),
    ];
    return { artifacts, close: async () => (await reg.close(), await log.close()) };
  } catch (e) {
    await reg.close();
    await log.close();
    throw e;
  }
}
