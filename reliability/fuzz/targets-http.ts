import { MediaType } from '../../src/registry/manifest.ts';
import { fuzzText, mutatedText } from './mutate.ts';
import type { Seeds } from './seeds.ts';
import type { Target } from './targets.ts';

const json = (v: unknown): string => JSON.stringify(v);

/** The two servers' request handlers over HTTP: any body must get a 4xx/2xx, never a 5xx or a dropped server. */
export function httpTargets(s: Seeds, logUrl: string, registryUrl: string): Target[] {
  const post = async (
    url: string,
    method: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<void> => {
    const r = await fetch(url, { method, body, headers, signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    if (r.status >= 500) throw new Error(`HTTP ${r.status} from ${method} ${url}`);
  };
  const parseBoth = async (x: string): Promise<void> => {
    const r = await fetch(x, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
    if (r && r.status >= 500) throw new Error(`HTTP ${r.status} for GET ${x}`);
    await r?.arrayBuffer();
  };
  const paths = [
    `${registryUrl}/v2/a/b/manifests/latest`,
    `${registryUrl}/v2/a/blobs/sha256:${'0'.repeat(64)}`,
    `${registryUrl}/v2/a/tags/list?n=1&last=a`,
    `${logUrl}/api/v1/log/entries?logIndex=0`,
    `${logUrl}/api/v1/log/proof?firstSize=1&lastSize=2`,
    `${logUrl}/tile/0/000`,
  ];
  return [
    {
      name: 'log server HTTP: POST /api/v1/log/entries',
      full: 6_000,
      budgetMs: 2_000,
      heavy: true,
      arb: fuzzText(s.proposals.map(json), s.proposals),
      run: (x) => post(`${logUrl}/api/v1/log/entries`, 'POST', x, { 'content-type': 'application/json' }),
    },
    {
      name: 'registry server HTTP: PUT manifest',
      full: 6_000,
      budgetMs: 2_000,
      heavy: true,
      arb: fuzzText(s.manifests.map(json), s.manifests),
      run: (x) =>
        post(`${registryUrl}/v2/fuzz/app/manifests/latest`, 'PUT', x, {
          'content-type': MediaType.ociManifest,
        }),
    },
    {
      name: 'both servers HTTP: GET paths',
      full: 6_000,
      budgetMs: 2_000,
      heavy: true,
      arb: mutatedText(paths),
      run: parseBoth,
    },
  ];
}
