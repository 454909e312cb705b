import type { Artifact } from './append.ts';

/**
 * Chains serialises every in-toto statement with protojson (pkg/chains/signing.go getRawPayload; https://tekton.dev/docs/chains/slsa-provenance/):
 * Statement fields in proto order (_type, subject, predicateType, predicate), ResourceDescriptor fields in
 * proto order with empty ones omitted, and the predicate is a google.protobuf.Struct whose keys protojson
 * writes sorted. We emit that ordering compactly, without protojson's randomised whitespace.
 */

/** in-toto ResourceDescriptor (attestation v1 proto), protojson field order. */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  /** base64 (proto bytes). */
  content?: string;
  downloadLocation?: string;
  mediaType?: string;
  annotations?: Record<string, unknown>;
}

export interface Statement {
  _type: string;
  subject?: ResourceDescriptor[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

/** A JSON value with object keys sorted recursively and undefined members dropped (Struct semantics). */
export function sortedValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortedValue(x)));
  if (v === null || typeof v !== 'object') return v;
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] !== undefined) out[k] = sortedValue(obj[k]);
  }
  return out;
}

function sortedDigest(d: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(d).sort()) out[k] = d[k] ?? '';
  return out;
}

/** ResourceDescriptor with protojson's field order and omission of empty fields. */
export function descriptor(rd: ResourceDescriptor): ResourceDescriptor {
  const out: ResourceDescriptor = {};
  if (rd.name) out.name = rd.name;
  if (rd.uri) out.uri = rd.uri;
  if (rd.digest && Object.keys(rd.digest).length > 0) out.digest = sortedDigest(rd.digest);
  if (rd.content) out.content = rd.content;
  if (rd.downloadLocation) out.downloadLocation = rd.downloadLocation;
  if (rd.mediaType) out.mediaType = rd.mediaType;
  if (rd.annotations && Object.keys(rd.annotations).length > 0) out.annotations = rd.annotations;
  return out;
}

export function subjectDescriptors(subjects: readonly Artifact[]): ResourceDescriptor[] {
  return subjects.map((s) => descriptor({ name: s.name, digest: s.digest }));
}

/** Assemble the statement in serialisation order; an empty subject list is omitted as protojson does. */
export function makeStatement(
  type: string,
  subjects: readonly Artifact[],
  predicateType: string,
  predicate: Record<string, unknown>,
): Statement {
  const subject = subjectDescriptors(subjects);
  return {
    _type: type,
    ...(subject.length > 0 ? { subject } : {}),
    predicateType,
    predicate: sortedValue(predicate) as Record<string, unknown>,
  };
}

/** The exact payload bytes: compact JSON of the ordered statement. */
export function statementBytes(st: Statement): Buffer {
  return Buffer.from(JSON.stringify(st), 'utf8');
}

/** Go `time.Time` / protobuf Timestamp JSON of a Kubernetes time, in UTC (RFC 3339, no zero fraction). */
export function utcTime(t: string): string {
  const iso = new Date(t).toISOString();
  return iso.replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');
}
