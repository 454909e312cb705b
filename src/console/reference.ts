import { ConsoleError } from './errors.ts';

/**
 * `app@sha256:…` → `HOST/app@sha256:…` when `--registry` is set and the reference names no registry; a
 * reference naming another registry is refused then, so a link from hostile data cannot point the server at an
 * arbitrary host.
 */
export function withRegistry(reference: string, host: string | undefined): string {
  const first = reference.split('/')[0] ?? '';
  const named =
    reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!host) return reference;
  const h = host.replace(/\/+$/, '');
  if (!named) return `${h}/${reference}`;
  if (first !== h)
    throw new ConsoleError(
      'CONSOLE_INPUT',
      `this console reads images from ${h} only (--registry), not ${first}`,
    );
  return reference;
}
