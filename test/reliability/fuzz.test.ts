import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTarget } from '../../reliability/fuzz/engine.ts';
import { buildTargets, type TargetSet } from '../../reliability/fuzz/targets.ts';

describe('fuzz engine', () => {
  it('counts non-coded exceptions as uncaught, with the input', async () => {
    const t = {
      name: 't',
      full: 1,
      budgetMs: 1000,
      arb: fc.string(),
      run: (x: string) => JSON.parse(x) as unknown,
    };
    const c = await runTarget(t, 50, 1);
    expect(c.inputs).toBe(50);
    expect(c.uncaught).toBeGreaterThan(0);
    expect(c.examples[0]).toMatch(/SyntaxError/);
  });
});

describe('every parser of outside input survives generated inputs with coded errors only', () => {
  let set: TargetSet;
  beforeAll(async () => {
    set = await buildTargets();
  });
  afterAll(async () => set?.close());

  it('covers PEM, key envelope, DSSE, runs, proposed entries, manifests, config.json, WWW-Authenticate', () => {
    const names = set.targets.map((t) => t.name).join('\n');
    for (const w of [
      'PEM',
      'key envelope',
      'DSSE',
      'run JSON/YAML',
      'proposed entry',
      'OCI manifest',
      'config.json',
      'WWW-Authenticate',
      'HTTP/1.1 response',
    ])
      expect(names).toContain(w);
  });

  it('no uncaught exception in any target (small counts; the full run is `npm run reliability -- fuzz`)', async () => {
    for (const [i, t] of set.targets.entries()) {
      const c = await runTarget(t, t.heavy ? 15 : 150, 4242 + i);
      expect(c.inputs).toBeGreaterThan(0);
      expect(c.uncaught, `${t.name}: ${c.examples.join(' | ')}`).toBe(0);
    }
  });
});
