import fc from 'fast-check';

/**
 * Input generators for the parsers: text mutations of real seeds (bit flips, deletions, insertions of
 * syntax tokens, duplicated slices), value mutations of decoded JSON seeds (replace, delete or retype a
 * field anywhere in the tree), and unstructured text.
 */

const TOKENS = [
  '"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  'null',
  'true',
  '-1',
  '1e309',
  '0x10',
  '\u0000',
  '\\',
  '\\u',
  '\n',
  '\r\n',
  '-----BEGIN ',
  '-----END ',
  '=',
  '==',
  '/',
  '..',
  '%2e%2e',
  '__proto__',
  'constructor',
  '\u2028',
  '\ud800',
  '&',
  '<',
  "'",
  ' ',
  '\t',
  '@',
  'sha256:',
  '?',
  '#',
  '*',
  '{{',
  '- ',
  ': ',
  '|',
  '>',
  '!!',
  '&a',
  '*a',
];

type TextOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'dup'; at: number; len: number; to: number };

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8, unit: 'binary' })),
  }),
  fc.record({
    op: fc.constant('dup' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 256 }),
    to: fc.nat(),
  }),
);

function applyText(s: string, op: TextOp): string {
  if (s.length === 0) return op.op === 'insert' ? op.text : s;
  const at = op.at % s.length;
  switch (op.op) {
    case 'flip':
      return s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ (1 << op.bit)) + s.slice(at + 1);
    case 'delete':
      return s.slice(0, at) + s.slice(at + op.len);
    case 'insert':
      return s.slice(0, at) + op.text + s.slice(at);
    case 'dup': {
      const to = op.to % s.length;
      return s.slice(0, to) + s.slice(at, at + op.len) + s.slice(to);
    }
  }
}

/** A seed text with 1–6 mutations. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(textOp, { minLength: 1, maxLength: 6 }))
    .map(([s, ops]) => ops.reduce(applyText, s));
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 53, 1e308, -0),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'sha256:', 'sha256:' + 'a'.repeat(64), '../..', '__proto__', 'AAAA', '=', '0.0.1', '2'),
  fc.constant([] as Json[]),
  fc.constant({} as Json),
);

type ValueOp = {
  path: number[];
  kind: 'replace' | 'delete' | 'string-flip' | 'wrap';
  value: Json;
  at: number;
};

const valueOp: fc.Arbitrary<ValueOp> = fc.record({
  path: fc.array(fc.nat(), { minLength: 0, maxLength: 6 }),
  kind: fc.constantFrom('replace' as const, 'delete' as const, 'string-flip' as const, 'wrap' as const),
  value: fc.oneof(leaf, fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>),
  at: fc.nat(),
});

/** Walk `path` (indexes into the keys of each level) and apply the change at the node reached. */
function applyValue(root: Json, op: ValueOp): Json {
  const change = (v: Json): Json | undefined => {
    switch (op.kind) {
      case 'replace':
        return op.value;
      case 'delete':
        return undefined;
      case 'wrap':
        return [v];
      case 'string-flip':
        return typeof v === 'string' && v.length > 0
          ? applyText(v, { op: 'flip', at: op.at, bit: op.at % 7 })
          : op.value;
    }
  };
  const walk = (v: Json, depth: number): Json | undefined => {
    if (depth >= op.path.length || v === null || typeof v !== 'object') return change(v);
    const keys = Object.keys(v);
    if (keys.length === 0) return change(v);
    const k = keys[(op.path[depth] ?? 0) % keys.length] as string;
    const copy: Record<string, Json> | Json[] = Array.isArray(v) ? [...v] : { ...v };
    const next = walk((v as Record<string, Json>)[k] as Json, depth + 1);
    if (next === undefined) {
      if (Array.isArray(copy)) copy.splice(Number(k), 1);
      else delete copy[k];
    } else (copy as Record<string, Json>)[k] = next;
    return copy;
  };
  return walk(root, 0) ?? null;
}

/** A decoded JSON seed with 1–4 structural changes, serialised back to text. */
export function mutatedJson(seeds: readonly unknown[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...(seeds as Json[])), fc.array(valueOp, { minLength: 1, maxLength: 4 }))
    .map(([s, ops]) => JSON.stringify(ops.reduce(applyValue, s)));
}

/** Mix of seed mutations (text and structure) and unstructured text, weighted toward the seeds. */
export function fuzzText(
  seedTexts: readonly string[],
  jsonSeeds: readonly unknown[] = [],
): fc.Arbitrary<string> {
  const parts: fc.WeightedArbitrary<string>[] = [
    { arbitrary: mutatedText(seedTexts), weight: 6 },
    { arbitrary: fc.string({ maxLength: 200, unit: 'binary' }), weight: 1 },
    { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  ];
  if (jsonSeeds.length) parts.push({ arbitrary: mutatedJson(jsonSeeds), weight: 6 });
  return fc.oneof(...parts);
}
