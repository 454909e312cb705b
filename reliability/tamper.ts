import { say } from './lib/common.ts';
import type { SuiteOptions, SuiteResult } from './lib/common.ts';
import { buildArtifacts } from './tamper/artifacts.ts';
import { tamper, type Density, type TamperCounts } from './tamper/mutate.ts';

/** Flips/truncations per artifact: all 8 bits of every byte up to 1 KiB, else one bit per byte; quick samples. */
export function densityFor(name: string, bytes: number, o: { quick: boolean; scale: number }): Density {
  const key = name.startsWith('key file');
  if (o.quick) return { allBitsUpTo: 0, stride: Math.max(1, Math.ceil(bytes / ((key ? 6 : 40) * o.scale))) };
  return { allBitsUpTo: key ? 0 : 1024, stride: Math.max(1, Math.round(1 / o.scale)) };
}

export function tableLine(c: TamperCounts): string {
  const pct = c.mutations ? ((100 * c.rejected) / c.mutations).toFixed(2) : 'n/a';
  return `${c.artifact.padEnd(46)} ${String(c.bytes).padStart(5)} B ${String(c.mutations).padStart(6)} mutations  rejected ${String(c.rejected).padStart(6)} (${pct} %)  inert ${c.inert}  forged ${c.forged}  uncoded ${c.uncoded}`;
}

/** (c) Tampering: every artifact we produce, flipped and truncated systematically, through its real verifier. */
export default async function tamperSuite(o: SuiteOptions): Promise<SuiteResult> {
  const fx = await buildArtifacts();
  const all: TamperCounts[] = [];
  try {
    for (const a of fx.artifacts) {
      const c = await tamper(a, densityFor(a.name, a.bytes.length, o));
      all.push(c);
      say(`  ${tableLine(c)}`);
      for (const ex of c.examples.slice(0, 4)) say(`      ${ex}`);
    }
  } finally {
    await fx.close();
  }
  const sum = (k: 'mutations' | 'rejected' | 'inert' | 'forged' | 'uncoded'): number =>
    all.reduce((n, c) => n + c[k], 0);
  return {
    ok: sum('forged') === 0 && sum('uncoded') === 0,
    figures: {
      artifacts: all.length,
      mutations: sum('mutations'),
      rejected: `${sum('rejected')} (${((100 * sum('rejected')) / Math.max(1, sum('mutations'))).toFixed(2)} %)`,
      'inert (accepted, identical verified content)': sum('inert'),
      'forged (accepted, different content; goal 0)': sum('forged'),
      'uncoded errors (goal 0)': sum('uncoded'),
    },
  };
}
