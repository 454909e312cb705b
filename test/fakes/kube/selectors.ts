import { metaOf } from './store.ts';
import type { Obj } from './patch.ts';

export interface Selectors {
  label?: string;
  field?: string;
}

/** Equality-based label selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`) and `metadata.name`/`metadata.namespace` fields. */
export function matchesSelectors(o: Obj, sel: Selectors): boolean {
  const meta = metaOf(o);
  const labels = (meta.labels ?? {}) as Record<string, string>;
  for (const term of (sel.label ?? '').split(',').filter(Boolean)) {
    const m = /^(!?)([^!=]+?)(?:(==|=|!=)(.*))?$/.exec(term.trim());
    if (!m) return false;
    const [, not, key = '', op, value] = m;
    if (!op && (not ? key in labels : !(key in labels))) return false;
    if ((op === '=' || op === '==') && labels[key] !== value) return false;
    if (op === '!=' && labels[key] === value) return false;
  }
  for (const term of (sel.field ?? '').split(',').filter(Boolean)) {
    const [key, value] = term.split('=');
    const actual =
      key === 'metadata.name' ? meta.name : key === 'metadata.namespace' ? meta.namespace : undefined;
    if (actual !== value) return false;
  }
  return true;
}
