import { base64ToBytes, bytesToHex, equalBytes, hexToBytes, sha256, utf8 } from './bytes.ts';
import { derToP1363, spkiCurve } from './der.ts';
import { checkInclusion, leafHash } from './merkle.ts';
import type { PathStep } from './merkle.ts';

/** The checks the entry page makes, in order; the first failing one names the verdict. */
const CHECKS = ['key', 'uuid', 'set', 'checkpoint', 'inclusion'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  name: CheckName;
  state: 'ok' | 'failed' | 'not-made';
  detail: string;
}

export interface EntryValue {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification?: {
    signedEntryTimestamp?: string;
    inclusionProof?: {
      checkpoint: string;
      hashes: string[];
      logIndex: number;
      rootHash: string;
      treeSize: number;
    };
  };
}

export interface EntryVerdict {
  verified: boolean;
  /** the first failing (or missing) check; undefined when verified */
  failed?: CheckName;
  checks: CheckResult[];
  path: PathStep[];
  leaf?: Uint8Array;
}

type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

interface LogKey {
  der: Uint8Array;
  id: string;
  key: Key;
  size: number;
}

async function importLogKey(der: Uint8Array): Promise<LogKey> {
  const curve = spkiCurve(der);
  if (!curve) throw new Error('only ECDSA log keys (P-256/P-384/P-521) are supported in the browser');
  const key = await crypto.subtle.importKey(
    'spki',
    der as Uint8Array<ArrayBuffer>,
    { name: 'ECDSA', namedCurve: curve },
    false,
    ['verify'],
  );
  const size = curve === 'P-256' ? 32 : curve === 'P-384' ? 48 : 66;
  return { der, id: bytesToHex(await sha256(der)), key, size };
}

async function ecdsaVerify(k: LogKey, derSig: Uint8Array, message: Uint8Array): Promise<boolean> {
  try {
    const hash = k.size === 32 ? 'SHA-256' : k.size === 48 ? 'SHA-384' : 'SHA-512';
    const sig = derToP1363(derSig, k.size);
    return await crypto.subtle.verify(
      { name: 'ECDSA', hash },
      k.key,
      sig as Uint8Array<ArrayBuffer>,
      message as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}

/** The SET message: JCS of the four fields; the keys are already in JCS order (https://github.com/sigstore/rekor/blob/main/openapi.yaml). */
export function setMessage(v: EntryValue): Uint8Array {
  return utf8(
    JSON.stringify({ body: v.body, integratedTime: v.integratedTime, logID: v.logID, logIndex: v.logIndex }),
  );
}

export interface ParsedNote {
  text: string;
  origin: string;
  size: number;
  root: Uint8Array;
  signatures: { name: string; hint: Uint8Array; sig: Uint8Array }[];
}

/** A signed note (C2SP signed-note, tlog-checkpoint), parsed strictly. */
function parseNote(note: string): ParsedNote {
  const sep = note.indexOf('\n\n');
  if (sep < 0 || !note.endsWith('\n')) throw new Error('checkpoint is not a signed note');
  const text = note.slice(0, sep + 1);
  const [origin, sizeText, rootText] = text.split('\n');
  if (!origin || !sizeText || !/^(0|[1-9][0-9]*)$/.test(sizeText) || !rootText)
    throw new Error('checkpoint header is malformed');
  const root = base64ToBytes(rootText);
  if (root.length !== 32) throw new Error('checkpoint root is not 32 bytes');
  const signatures = note
    .slice(sep + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
      const raw = base64ToBytes(m?.[2] ?? '');
      if (!m || raw.length < 5) throw new Error('malformed signature line');
      return { name: m[1] ?? '', hint: raw.subarray(0, 4), sig: raw.subarray(4) };
    });
  return { text, origin, size: Number(sizeText), root, signatures };
}

/** Some signature line of the note carries the key's hint (first 4 bytes of its ID) and verifies. */
async function noteSignedBy(note: ParsedNote, key: LogKey): Promise<boolean> {
  const hint = (await sha256(key.der)).subarray(0, 4);
  let ok = false;
  for (const s of note.signatures.filter((x) => equalBytes(x.hint, hint)))
    ok ||= await ecdsaVerify(key, s.sig, utf8(note.text));
  return ok;
}

/** The log page's check of the latest checkpoint: signed by one of the trusted log keys? */
export async function verifyCheckpointNote(
  text: string,
  keysDer: Uint8Array[],
): Promise<{ ok: boolean; detail: string; size?: number }> {
  try {
    const note = parseNote(text);
    for (const der of keysDer) {
      const key = await importLogKey(der).catch(() => undefined);
      if (key && (await noteSignedBy(note, key)))
        return { ok: true, detail: `signed by the log key ${key.id.slice(0, 16)}…`, size: note.size };
    }
    return { ok: false, detail: 'no valid signature by a trusted log key' };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}

export type { LogKey, PathStep };

/** Verify one entry against pinned (or first-use) log keys: key, UUID, SET, checkpoint, inclusion proof. */
export async function verifyEntry(uuid: string, v: EntryValue, keysDer: Uint8Array[]): Promise<EntryVerdict> {
  const checks: CheckResult[] = [];
  let path: PathStep[] = [];
  let leaf: Uint8Array | undefined;
  const add = (name: CheckName, ok: boolean, detail: string): boolean => {
    checks.push({ name, state: ok ? 'ok' : 'failed', detail });
    return ok;
  };
  const run = async (): Promise<void> => {
    const keys = await Promise.all(keysDer.map((d) => importLogKey(d).catch(() => undefined)));
    const key = keys.find((k) => k?.id === v.logID);
    if (!add('key', !!key, key ? `logID ${v.logID} is the log key` : `no trusted log key has ID ${v.logID}`))
      return;
    const body = base64ToBytes(v.body);
    leaf = await leafHash(body);
    const want = uuid.slice(-64).toLowerCase();
    if (!add('uuid', bytesToHex(leaf) === want, 'the entry ID is the leaf hash of its body')) return;
    const set = v.verification?.signedEntryTimestamp;
    const setOk = set !== undefined && (await ecdsaVerify(key!, base64ToBytes(set), setMessage(v)));
    if (
      !add(
        'set',
        setOk,
        setOk ? 'signed entry timestamp verifies' : 'signed entry timestamp is missing or wrong',
      )
    )
      return;
    const proof = v.verification?.inclusionProof;
    if (!proof) return void add('checkpoint', false, 'no inclusion proof with a checkpoint');
    const note = parseNote(proof.checkpoint);
    const cpOk = await noteSignedBy(note, key!);
    if (
      !add(
        'checkpoint',
        cpOk,
        cpOk
          ? `checkpoint of ${note.origin} signed by the log key`
          : 'no valid checkpoint signature by the log key',
      )
    )
      return;
    const root = hexToBytes(proof.rootHash);
    if (note.size !== proof.treeSize || !equalBytes(note.root, root))
      return void add('inclusion', false, 'checkpoint size/root differ from the proof');
    const r = await checkInclusion(proof.logIndex, proof.treeSize, leaf, proof.hashes.map(hexToBytes), root);
    path = r.steps;
    // a sharded Rekor proves the shard-local index while logIndex is global (https://github.com/sigstore/rekor/blob/main/openapi.yaml): no equality check
    add(
      'inclusion',
      r.ok,
      r.ok ? `included at ${proof.logIndex} of ${proof.treeSize}` : (r.reason ?? 'proof fails'),
    );
  };
  try {
    await run();
  } catch (e) {
    const next = CHECKS.find((c) => !checks.some((k) => k.name === c)) ?? 'inclusion';
    add(next, false, (e as Error).message);
  }
  for (const c of CHECKS)
    if (!checks.some((k) => k.name === c)) checks.push({ name: c, state: 'not-made', detail: 'not checked' });
  const failed = checks.find((c) => c.state !== 'ok')?.name;
  return {
    verified: failed === undefined,
    ...(failed ? { failed } : {}),
    checks,
    path,
    ...(leaf ? { leaf } : {}),
  };
}
