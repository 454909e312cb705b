import type { SuiteResult } from './lib/common.ts';

export default async function todo(): Promise<SuiteResult> {
  return { ok: false, figures: { status: 'not implemented yet' } };
}
