import { describe, expect, it } from 'vitest';
import type { ImageTarget } from '../storage/backend.ts';
import { expandIndexes } from './index-children.ts';
import type { SignableItem } from './payloads.ts';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const INDEX: ImageTarget = { repository: 'reg.example/app', digest: d('a') };
const KIDS: ImageTarget[] = [
  { repository: 'reg.example/app', digest: d('b') },
  { repository: 'reg.example/app', digest: d('c') },
];
const lookup = async (i: ImageTarget): Promise<ImageTarget[]> => (i.digest === INDEX.digest ? KIDS : []);

const statement = {
  _type: 'https://in-toto.io/Statement/v0.1',
  subject: [{ name: INDEX.repository, digest: { sha256: 'a'.repeat(64) } }],
  predicateType: 'https://slsa.dev/provenance/v0.2',
  predicate: { z: 1, a: 2 },
};
const att: SignableItem = {
  type: 'taskrun',
  shortKey: 'taskrun-u',
  format: 'in-toto',
  payload: Buffer.from(JSON.stringify(statement)),
  predicateType: statement.predicateType,
  subjects: [INDEX],
};

describe('expandIndexes', () => {
  it('adds a simplesigning item per child, once, after its index', async () => {
    const sig = (i: ImageTarget): SignableItem => ({
      type: 'oci',
      shortKey: i.digest.slice(7, 19),
      format: 'simplesigning',
      payload: Buffer.from('p'),
      image: i,
    });
    const out = await expandIndexes([sig(INDEX), sig(KIDS[1] as ImageTarget)], lookup);
    expect(out.map((i) => (i.type === 'oci' ? i.image.digest : ''))).toEqual([d('a'), d('b'), d('c')]);
    const b = out[1];
    expect(b?.type === 'oci' && JSON.parse(b.payload.toString()).critical.image).toEqual({
      'docker-manifest-digest': d('b'),
    });
  });

  it('appends the children to the statement subjects and keeps everything else byte for byte', async () => {
    const [out] = await expandIndexes([att], lookup);
    const text = out?.payload.toString('utf8') ?? '';
    const sub = KIDS.map((k) => `{"name":"reg.example/app","digest":{"sha256":"${k.digest.slice(7)}"}}`);
    expect(text).toBe(
      JSON.stringify(statement).replace(/\}\],"predicateType"/, `},${sub.join(',')}],"predicateType"`),
    );
    expect(out?.type !== 'oci' && out?.subjects).toEqual([INDEX, ...KIDS]);
  });

  it('leaves items without an index untouched (the same object)', async () => {
    const plain = { ...att, subjects: [KIDS[0] as ImageTarget] };
    expect((await expandIndexes([plain], lookup))[0]).toBe(plain);
  });
});
