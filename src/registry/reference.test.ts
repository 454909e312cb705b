import { describe, expect, it } from 'vitest';
import { hasCode } from '../core/errors.ts';
import { formatReference, isLoopback, parseReference, repositoryName } from './reference.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('image references (go-containerregistry normalisation)', () => {
  const ok: [string, string, string | undefined, string | undefined][] = [
    ['busybox', 'index.docker.io/library/busybox', 'latest', undefined],
    ['docker.io/library/busybox:1.36', 'index.docker.io/library/busybox', '1.36', undefined],
    ['tektoncd/chains', 'index.docker.io/tektoncd/chains', 'latest', undefined],
    ['gcr.io/proj/img:v1', 'gcr.io/proj/img', 'v1', undefined],
    [`localhost:5000/a/b@${D}`, 'localhost:5000/a/b', undefined, D],
    [`127.0.0.1:5000/a/b:v2@${D}`, '127.0.0.1:5000/a/b', 'v2', D],
    ['localhost/x', 'localhost/x', 'latest', undefined],
    ['registry.example.com/a__b/c-d.e', 'registry.example.com/a__b/c-d.e', 'latest', undefined],
  ];
  it.each(ok)('%s', (ref, name, tag, digest) => {
    const r = parseReference(ref);
    expect(repositoryName(r)).toBe(name);
    expect(r.tag).toBe(tag);
    expect(r.digest).toBe(digest);
  });

  const bad = [
    '',
    'UPPER/case',
    'a//b',
    'reg.io/a/b:bad tag',
    `a/b@sha256:${'z'.repeat(64)}`,
    'a/b@md5:abc',
    'reg.io/-a',
    'a/b:' + 'x'.repeat(129),
  ];
  it.each(bad)('rejects %j with BAD_REFERENCE', (ref) => {
    let e: unknown;
    try {
      parseReference(ref);
    } catch (x) {
      e = x;
    }
    expect(hasCode(e, 'BAD_REFERENCE')).toBe(true);
  });

  it('formats and classifies loopback registries', () => {
    expect(formatReference(parseReference('busybox'))).toBe('index.docker.io/library/busybox:latest');
    expect(isLoopback('127.0.0.1:5000')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('[::1]:5000')).toBe(true);
    expect(isLoopback('gcr.io')).toBe(false);
  });
});
