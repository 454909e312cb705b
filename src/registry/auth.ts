import { z } from 'zod';
import { RegistryError } from './errors.ts';
import type { Credential } from './keychain.ts';
import type { Transport } from './transport.ts';

/** A parsed `WWW-Authenticate` challenge (RFC 7235; distribution token auth spec). */
export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parse `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(p[1] ?? '').toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

const tokenResponse = z.object({ token: z.string().optional(), access_token: z.string().optional() });

function tokenUrl(ch: Challenge, scope: string): URL {
  const realm = ch.params.realm;
  if (!realm) throw new RegistryError('UNAUTHORIZED', 'bearer challenge without a realm');
  const url = new URL(realm);
  if (ch.params.service) url.searchParams.set('service', ch.params.service);
  url.searchParams.set('scope', scope);
  return url;
}

async function requestToken(
  transport: Transport,
  ch: Challenge,
  scope: string,
  cred: Credential | undefined,
): Promise<ReturnType<Transport>> {
  const url = tokenUrl(ch, scope);
  if (cred?.kind === 'identityToken') {
    // OAuth2 refresh-token grant (distribution docs/spec/auth/oauth.md)
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: cred.token,
      service: ch.params.service ?? '',
      scope,
      client_id: 'chains',
    });
    return transport({
      method: 'POST',
      url: new URL(`${url.origin}${url.pathname}`),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(form.toString()),
      maxBytes: 1 << 20,
    });
  }
  const headers: Record<string, string> =
    cred?.kind === 'basic' ? { authorization: basicHeader(cred.username, cred.password) } : {};
  return transport({ method: 'GET', url, headers, maxBytes: 1 << 20 });
}

/** Run the bearer token flow for `scope`; returns the `Authorization` header value. */
export async function fetchBearer(
  transport: Transport,
  ch: Challenge,
  scope: string,
  cred: Credential | undefined,
): Promise<string> {
  if (cred?.kind === 'registryToken') return `Bearer ${cred.token}`;
  const res = await requestToken(transport, ch, scope, cred);
  if (res.status === 401 || res.status === 403) {
    throw new RegistryError(
      'UNAUTHORIZED',
      `token server ${ch.params.realm} refused ${cred ? 'the configured credentials' : 'anonymous access'} for ${scope}`,
    );
  }
  if (res.status >= 300) {
    throw new RegistryError('REGISTRY_ERROR', `token server ${ch.params.realm} answered ${res.status}`);
  }
  let parsed: z.infer<typeof tokenResponse>;
  try {
    parsed = tokenResponse.parse(JSON.parse(res.body.toString('utf8')));
  } catch (e) {
    throw new RegistryError('REGISTRY_ERROR', `token server ${ch.params.realm} sent an invalid answer`, {
      cause: e,
    });
  }
  const token = parsed.token ?? parsed.access_token;
  if (!token) throw new RegistryError('REGISTRY_ERROR', `token server ${ch.params.realm} sent no token`);
  return `Bearer ${token}`;
}
