import type { ServerResponse } from 'node:http';
import type { TransparencyLog } from './log.ts';

/**
 * C2SP tlog-tiles read endpoints (https://www.rfc-editor.org/rfc/rfc6962): /checkpoint, /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>].
 * Tile level L holds tree level 8·L nodes; entry bundles are big-endian uint16 length-prefixed bodies.
 */
const TILE = /^\/tile\/(?:(\d+)|(entries))\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d+))?$/;

function parseIndex(path: string): number | null {
  const parts = path.split('/');
  if (parts.slice(0, -1).some((p) => !p.startsWith('x'))) return null;
  const n = Number(parts.map((p) => p.replace('x', '')).join(''));
  return Number.isSafeInteger(n) ? n : null;
}

export async function serveTiles(log: TransparencyLog, path: string, res: ServerResponse): Promise<boolean> {
  if (path === '/checkpoint') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.end(log.checkpoint.note);
    return true;
  }
  const m = TILE.exec(path);
  if (!m) return false;
  const n = parseIndex(m[3] ?? '');
  const width = m[4] === undefined ? 256 : Number(m[4]);
  const size = log.checkpoint.size;
  const notFound = (): boolean => {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return true;
  };
  if (n === null || width < 1 || width > 256 || (m[4] !== undefined && width === 256)) return notFound();
  if (m[2] === 'entries') {
    if (n * 256 + width > size) return notFound();
    const entries = await log.store.entriesInRange(n * 256, n * 256 + width);
    const parts = entries.flatMap((e) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(Math.min(e.body.length, 0xffff));
      return [len, e.body];
    });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(Buffer.concat(parts));
    return true;
  }
  const level = Number(m[1]);
  if (level > 63) return notFound();
  const treeLevel = level * 8;
  const available = Math.floor(size / 2 ** treeLevel);
  if (n * 256 + width > available) return notFound();
  const ids = Array.from({ length: width }, (_, i) => ({ level: treeLevel, index: n * 256 + i }));
  const hashes = await log.store.nodes(ids);
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Cache-Control': 'max-age=31536000, immutable',
  });
  res.end(Buffer.concat(hashes));
  return true;
}
