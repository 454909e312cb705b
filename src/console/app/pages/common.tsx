import type { ComponentChildren } from 'preact';
import type { Loaded } from '../api.ts';

/** Loading / error / content, with the error as text and its code. */
export function Load<T>(p: { v: Loaded<T>; children: (data: T) => ComponentChildren; what: string }) {
  if (p.v.state === 'loading') return <p aria-busy="true">Loading {p.what}…</p>;
  if (p.v.state === 'error')
    return (
      <p role="alert" class="error">
        Could not load {p.what}: {p.v.error.message}
        {'code' in p.v.error ? ` [${String(p.v.error.code)}]` : ''}
      </p>
    );
  return <>{p.children(p.v.data)}</>;
}

export function time(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return Number.isNaN(d.getTime()) ? String(unixSeconds) : d.toISOString().replace('.000Z', 'Z');
}

/** Long hex shown in full but breakable, with a short form as its visible start. */
export function Hash(p: { value: string }) {
  return <code class="hash">{p.value}</code>;
}
