import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { OidcError } from './errors.ts';
import { parseCaCert } from './fetch.ts';
import { ISSUER_TYPES } from './types.ts';
import type { IssuerConfig, IssuersConfig, MetaIssuer } from './types.ts';

// Fulcio reads JSON names (`IssuerURL`, Go's case-insensitive match) or YAML names (`issuer-url`): one
// normalised key (lower case, no dashes) covers both (fulcio pkg/config/config.go, https://github.com/sigstore/fulcio/blob/main/docs/oidc.md).
const norm = (k: string): string => k.toLowerCase().replaceAll('-', '');

const issuerSchema = z
  .object({
    issuerurl: z.string().optional(),
    clientid: z.string().min(1, 'client-id is required'),
    type: z.string(),
    subjectdomain: z.string().optional(),
    spiffetrustdomain: z.string().optional(),
    issuerclaim: z.string().optional(),
    skipemailverification: z.boolean().optional(),
    challengeclaim: z.string().optional(),
    cacert: z.string().optional(),
    description: z.string().optional(),
    contact: z.string().optional(),
  })
  .loose();

type RawIssuer = z.infer<typeof issuerSchema>;

function normalised(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [norm(k), v]));
}

function fail(where: string, why: string): never {
  throw new OidcError('OIDC_CONFIG', `issuer configuration: ${where}: ${why}`);
}

function readIssuer(where: string, value: unknown): Omit<IssuerConfig, 'issuerUrl'> & { url?: string } {
  const r = issuerSchema.safeParse(normalised(value));
  if (!r.success) fail(where, r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  const raw: RawIssuer = r.data;
  const type = ISSUER_TYPES.find((t) => t === raw.type);
  if (!type) fail(where, `type "${raw.type}" is not supported (supported: ${ISSUER_TYPES.join(', ')})`);
  return {
    url: raw.issuerurl,
    clientId: raw.clientid,
    type,
    subjectDomain: raw.subjectdomain,
    spiffeTrustDomain: raw.spiffetrustdomain,
    issuerClaim: raw.issuerclaim,
    skipEmailVerification: raw.skipemailverification,
    challengeClaim: raw.challengeclaim,
    caCert: raw.cacert,
    description: raw.description,
    contact: raw.contact,
  };
}

/** Fulcio validateConfig, for the types supported here. */
function validate(where: string, i: IssuerConfig, meta: boolean): void {
  if (i.caCert) parseCaCert(i.caCert, where);
  if (i.issuerClaim && i.type !== 'email') fail(where, 'only email issuers can use issuer claim mapping');
  if (i.issuerClaim && !/^\$(\.[A-Za-z0-9_-]+)+$/.test(i.issuerClaim))
    fail(where, `issuer-claim "${i.issuerClaim}" must be a $.a.b path`);
  if (i.type === 'spiffe') {
    if (meta) fail(where, 'SPIFFE meta issuers not supported');
    if (!i.spiffeTrustDomain) fail(where, 'spiffe issuer must have SPIFFETrustDomain set');
    if (!TRUST_DOMAIN.test(i.spiffeTrustDomain)) fail(where, 'spiffe trust domain is invalid');
  }
  if (i.type === 'uri' && !meta) validateUriDomain(where, i);
}

/** SPIFFE trust domain characters (spiffe-id spec §2.1). */
export const TRUST_DOMAIN = /^[a-z0-9._-]+$/;

function validateUriDomain(where: string, i: IssuerConfig): void {
  if (!i.subjectDomain) fail(where, 'uri issuer must have SubjectDomain set');
  const d = URL.canParse(i.subjectDomain) ? new URL(i.subjectDomain) : null;
  const u = URL.canParse(i.issuerUrl) ? new URL(i.issuerUrl) : null;
  if (!d) fail(where, 'SubjectDomain for uri must contain scheme');
  if (!u) fail(where, 'issuer for uri must contain scheme');
  if (d.protocol !== u.protocol) fail(where, `subject and issuer URI schemes do not match`);
  if (!sameRegisteredDomain(d.hostname, u.hostname))
    fail(where, `hostname top-level and second-level domains do not match: ${d.hostname}, ${u.hostname}`);
}

/** Fulcio validateAllowedDomain: equal, or the last two labels agree. */
function sameRegisteredDomain(a: string, b: string): boolean {
  if (a === b) return true;
  const x = a.split('.');
  const y = b.split('.');
  return x.length >= 2 && y.length >= 2 && x.at(-1) === y.at(-1) && x.at(-2) === y.at(-2);
}

/** Fulcio MetaRegex: quote everything, `*` → `[-_a-zA-Z0-9]+`, anchored. */
export function metaRegex(pattern: string): RegExp {
  const quoted = pattern.replace(/[.*+?^${}()|[\]\\/-]/g, (c) => (c === '*' ? '*' : `\\${c}`));
  return new RegExp(`^${quoted.replaceAll('*', '[-_a-zA-Z0-9]+')}$`);
}

function entries(where: string, value: unknown): [string, unknown][] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, 'must be a map');
  return Object.entries(value);
}

/** Parse an issuer configuration (Fulcio's file: JSON first, then YAML). */
export function parseIssuersConfig(text: string): IssuersConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    try {
      doc = parseYaml(text, { logLevel: 'error' });
    } catch (e) {
      throw new OidcError('OIDC_CONFIG', `issuer configuration: not JSON or YAML`, { cause: e });
    }
  }
  const top = normalised(doc ?? {});
  if (typeof top !== 'object' || top === null) fail('top level', 'must be a map');
  const t = top as Record<string, unknown>;
  const issuers = new Map<string, IssuerConfig>();
  for (const [url, v] of entries('oidc-issuers', t.oidcissuers)) {
    const { url: declared, ...rest } = readIssuer(url, v);
    const issuer: IssuerConfig = { ...rest, issuerUrl: declared ?? url };
    validate(url, issuer, false);
    issuers.set(url, issuer);
  }
  const meta: MetaIssuer[] = [];
  for (const [pattern, v] of entries('meta-issuers', t.metaissuers)) {
    const { url: _ignored, ...issuer } = readIssuer(pattern, v);
    validate(pattern, { ...issuer, issuerUrl: pattern }, true);
    meta.push({ pattern, regex: metaRegex(pattern), issuer });
  }
  return { issuers, meta };
}

/** The configuration for a token's `iss`: an exact entry, else the first meta pattern that matches. */
export function lookupIssuer(config: IssuersConfig, iss: string): IssuerConfig | undefined {
  const exact = config.issuers.get(iss);
  if (exact) return exact;
  const m = config.meta.find((x) => x.regex.test(iss));
  return m ? { ...m.issuer, issuerUrl: iss } : undefined;
}

/** A configuration with one issuer (what `chains stack serve` hands the CA for its embedded issuer). */
export function singleIssuer(issuer: IssuerConfig): IssuersConfig {
  return { issuers: new Map([[issuer.issuerUrl, issuer]]), meta: [] };
}
