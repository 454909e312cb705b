import { useEffect, useState } from 'preact/hooks';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, body.code ?? 'HTTP', body.message ?? res.statusText);
  return body as T;
}

export type Loaded<T> =
  { state: 'loading' } | { state: 'error'; error: ApiError | Error } | { state: 'ok'; data: T };

/** Fetch `path` (null: nothing yet) and re-fetch when it changes. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [v, setV] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setV({ state: 'loading' });
    getJson<T>(path).then(
      (data) => live && setV({ state: 'ok', data }),
      (error: Error) => live && setV({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return v;
}

export interface Trust {
  source: 'trusted-root' | 'rekor-public-key' | 'first-use';
  keys: string[];
}

export interface ConsoleConfig {
  rekorUrl: string;
  trust: Trust;
  runs: string | null;
  images: string | null;
}

export interface EntrySummary {
  uuid: string;
  logIndex: number;
  integratedTime: number;
  kind: string;
  apiVersion: string;
}
