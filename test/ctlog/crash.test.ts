import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ctlogCrash } from '../../reliability/lib/ctlog-crash.ts';
import { tempDir } from '../tlog/helpers.ts';

describe('ctlog crash safety: kill -9 while precertificates are submitted', () => {
  it('keeps every entry whose SCT was handed out and stays consistent with every tree head', async () => {
    const dir = tempDir('ctlog-crash-');
    const lines: string[] = [];
    const r = await ctlogCrash({ dir, cycles: 3, workers: 8, seed: 7, log: (l) => lines.push(l) });
    process.stdout.write(`${lines.join('\n')}\nacked ${r.acked}, heads ${r.headsChecked}\n`);
    expect(r.problems).toEqual([]);
    expect(r.lost).toBe(0);
    expect(r.acked).toBeGreaterThan(20);
    expect(r.headsChecked).toBeGreaterThan(0);
    expect(r.integrity).toBe('ok');
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);
});
