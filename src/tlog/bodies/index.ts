import { z } from 'zod';
import { BodyError } from './errors.ts';
import { dsseV001 } from './dsse-v001.ts';
import { hashedRekordV001 } from './hashedrekord-v001.ts';
import { entryKindId } from './ids.ts';
import type { EntryKindId } from './ids.ts';
import { intotoV001 } from './intoto-v001.ts';
import { intotoV002 } from './intoto-v002.ts';
import type { BodyFacts, BodyKind } from './kind.ts';
import type { ProposedDsse } from './dsse-v001.ts';
import type { ProposedHashedRekord } from './hashedrekord-v001.ts';
import type { ProposedIntotoV001 } from './intoto-v001.ts';
import type { ProposedIntotoV002 } from './intoto-v002.ts';

/**
 * Canonical log bodies (https://github.com/sigstore/rekor/blob/main/openapi.yaml, `ProposedEntry` and
 * pkg/types): one schema per kind and version, read the same way by the server, verify, the controller, OCI
 * bundles, keyless and the demo. A new kind: its file here, its line below, its id in ids.ts.
 */
export const BODY_KINDS = {
  'hashedrekord/0.0.1': hashedRekordV001,
  'dsse/0.0.1': dsseV001,
  'intoto/0.0.1': intotoV001,
  'intoto/0.0.2': intotoV002,
} as const satisfies { [I in EntryKindId]: BodyKind<I, unknown> };

/** The canonical spec of a kind, as its schema reads it (what the server must produce). */
export type BodySpec<I extends EntryKindId> = (typeof BODY_KINDS)[I] extends BodyKind<I, infer S> ? S : never;
type Split<I> = I extends `${infer K}/${infer V}` ? { kind: K; apiVersion: V } : never;

/** A parsed canonical body: narrow on `id` (or `kind`) to read its spec; `facts` reads the same for all. */
export type LogBody = {
  [I in EntryKindId]: { id: I; spec: BodySpec<I>; facts: BodyFacts } & Split<I>;
}[EntryKindId];

export type ProposedEntry = ProposedHashedRekord | ProposedDsse | ProposedIntotoV001 | ProposedIntotoV002;
// a kind in the list without its proposal (or the other way round) makes this `false`: a compile error
const proposalsListed: [
  Exclude<EntryKindId, `${ProposedEntry['kind']}/${ProposedEntry['apiVersion']}`>,
] extends [never]
  ? true
  : false = true;
void proposalsListed;

// Rekor's openapi.yaml: a body is {kind, apiVersion (semver), spec}
const envelope = z.object({
  kind: z.string(),
  apiVersion: z.string().regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+][0-9A-Za-z.+-]*)?$/),
  spec: z.unknown(),
});

function fieldError(e: z.ZodError, what: string): BodyError {
  const i = e.issues[0];
  return new BodyError('TLOG_BODY_INVALID', `${what}: ${i?.path.join('.') || '<root>'}: ${i?.message}`, {
    cause: e,
  });
}

const named = z.object({ kind: z.string(), apiVersion: z.string() });

/** Kind and version of any body, known to us or not (to show or convert it); undefined without both. */
export function peekKindVersion(body: Uint8Array): { kind: string; apiVersion: string } | undefined {
  try {
    const r = named.safeParse(JSON.parse(Buffer.from(body).toString('utf8')));
    return r.success ? { kind: r.data.kind, apiVersion: r.data.apiVersion } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Kind, version and unchecked spec of any body, known to us or not (to show it, as `tlog get` does); a BodyError
 * when the bytes are not a `{kind, apiVersion, spec}` object.
 */
export function peekBody(body: Uint8Array): { kind: string; apiVersion: string; spec: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (e) {
    throw new BodyError('TLOG_BODY_INVALID', 'log entry body is not JSON', { cause: e });
  }
  const top = envelope.safeParse(raw);
  if (!top.success) throw fieldError(top.error, 'log entry body');
  return { kind: top.data.kind, apiVersion: top.data.apiVersion, spec: top.data.spec };
}

/** Parse canonical body bytes (a log entry's decoded `body`); a BodyError with its code for anything else. */
export function parseBody(body: Uint8Array): LogBody {
  const top = peekBody(body);
  const id = entryKindId(top.kind, top.apiVersion);
  if (!id)
    throw new BodyError(
      'TLOG_BODY_UNSUPPORTED',
      `unsupported log entry kind ${top.kind.slice(0, 64)} ${top.apiVersion}`,
    );
  return parseSpec(id, top.spec);
}

function parseSpec(id: EntryKindId, raw: unknown): LogBody {
  const def: BodyKind<EntryKindId, unknown> = BODY_KINDS[id];
  const r = def.spec.safeParse(raw);
  if (!r.success) throw fieldError(r.error, `${id} body`);
  const [kind, apiVersion] = id.split('/');
  // `id` picked `def`, so spec and id agree: the one place the union is assembled
  return { id, kind, apiVersion, spec: r.data, facts: def.facts(r.data) } as LogBody;
}

/** Parse a log entry's `body` field (base64 of the canonical JSON). */
export function parseBodyBase64(body: string): LogBody {
  return parseBody(Buffer.from(body, 'base64'));
}

// rekord is not accepted here, but public logs hold many (pkg/types/rekord/v0.0.1/entry.go V001Entry)
const OTHER_GO_FIELDS: Record<string, string> = { rekord: 'RekordObj' };

/** rekor-cli's field name for a kind in `get` output; kinds it does not know keep their own name. */
export function goFieldOf(kind: string): string {
  const ours = Object.values(BODY_KINDS).find((k) => k.id.startsWith(`${kind}/`));
  return ours?.goField ?? OTHER_GO_FIELDS[kind] ?? kind;
}

export { ENTRY_KIND_IDS, ENTRY_KINDS, entryKindId } from './ids.ts';
export { BodyError } from './errors.ts';
export type { EntryKindId } from './ids.ts';
export type { BodyFacts, BodyKind } from './kind.ts';
export { proposeDsse } from './dsse-v001.ts';
export { proposeHashedRekord } from './hashedrekord-v001.ts';
export { proposeIntotoV001 } from './intoto-v001.ts';
export { proposeIntotoV002 } from './intoto-v002.ts';
export type { ProposedDsse, ProposedHashedRekord, ProposedIntotoV001, ProposedIntotoV002 };
