import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMAT_IDS } from './provenance/format-ids.ts';
import { goldenCases } from './provenance/golden/cases.ts';
import { BUILD_TYPES } from './provenance/options.ts';
import { SIGNER_NAMES } from './signing/registry.ts';
import { STORAGE_NAMES } from './storage/registry.ts';
import { ENTRY_KIND_IDS } from './tlog/bodies/ids.ts';

/**
 * docs/extending.md: each extension point's registry is enumerated here, so an entry added without its contract
 * suite (or golden files) fails a test.
 */
const ROOT = join(import.meta.dirname, '..');

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Registry names with no `suite({ … field: 'name' … })` call in any test file under `roots`. */
function withoutSuite(names: readonly string[], suite: string, field: string, roots: string[]): string[] {
  const run = new Set<string>();
  const call = new RegExp(`${suite}\\(\\{[^}]*?\\b${field}:\\s*'([^']+)'`, 'gs');
  for (const f of roots.flatMap(testFiles))
    for (const m of readFileSync(f, 'utf8').matchAll(call)) run.add(m[1] ?? '');
  return names.filter((n) => !run.has(n));
}

const ROOTS = [join(ROOT, 'src'), join(ROOT, 'test')];

describe('extension points (docs/extending.md)', () => {
  it('every registered signer runs the signer contract suite (src/signing/contract.ts)', () => {
    expect(withoutSuite(SIGNER_NAMES, 'signerContract', 'name', ROOTS)).toEqual([]);
  });

  it('every registered storage backend runs the storage contract suite (src/storage/contract.ts)', () => {
    expect(withoutSuite(STORAGE_NAMES, 'runStorageContract', 'storage', ROOTS)).toEqual([]);
  });

  it('every log entry kind runs the entry-kind contract suite (src/tlog/server/kinds/contract.ts)', () => {
    expect(withoutSuite(ENTRY_KIND_IDS, 'entryKindContract', 'kind', ROOTS)).toEqual([]);
  });

  it('every provenance format and build type has golden files (in-toto is the alias of slsa/v1)', () => {
    const cases = goldenCases();
    for (const id of FORMAT_IDS) {
      if (id === 'in-toto') continue;
      const mine = cases.filter((c) => c.format === id);
      expect(mine.length, id).toBeGreaterThan(0);
      for (const c of mine)
        expect(existsSync(join(import.meta.dirname, 'provenance/golden/expected', c.golden)), c.golden).toBe(
          true,
        );
    }
    // every build type reaches the v2 formats' cases (slsa/v1 has no build type)
    for (const t of BUILD_TYPES)
      expect(
        cases.some((c) => c.buildType === t),
        t,
      ).toBe(true);
  });

  it('the check fails for a registry entry without its suite', () => {
    const root = mkdtempSync(join(tmpdir(), 'extending-'));
    mkdirSync(join(root, 'a'));
    writeFileSync(
      join(root, 'a', 'x.test.ts'),
      "runStorageContract({\n  storage: 'oci',\n  name: 'n',\n});\n",
    );
    expect(withoutSuite(['oci', 'gcs'], 'runStorageContract', 'storage', [root])).toEqual(['gcs']);
  });
});
