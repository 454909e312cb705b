import type { Answer } from './answer.ts';
import type { TransparencyLog } from './log.ts';

/**
 * C2SP tlog-tiles read endpoints (https://www.rfc-editor.org/rfc/rfc6962): /checkpoint, /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>].
 * Tile level L holds tree level 8·L nodes; entry bundles are big-endian uint16 length-prefixed bodies.
 */
export const TILE = /^\/tile\/(?:(\d+)|(entries))\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d+))?$/;

function parseIndex(path: string): number | null {
  const parts = path.split('/');
  if (parts.slice(0, -1).some((p) => !p.startsWith('x'))) return null;
  const n = Number(parts.map((p) => p.replace('x', '')).join(''));
  return Number.isSafeInteger(n) ? n : null;
}

const NOT_FOUND: Answer = { status: 404, headers: ['Content-Type', 'text/plain'], body: 'not found\n' };
const octets = (body: Buffer, cache: string[] = []): Answer => ({
  status: 200,
  headers: ['Content-Type', 'application/octet-stream', ...cache],
  body,
});

export function checkpoint(log: TransparencyLog): Answer {
  const headers = ['Content-Type', 'text/plain; charset=utf-8', 'Cache-Control', 'no-cache'];
  return { status: 200, headers, body: log.checkpoint.note };
}

/** A tile or an entry bundle (`match` from TILE), or 404 when it is not (yet) complete. */
export async function tile(log: TransparencyLog, m: RegExpExecArray): Promise<Answer> {
  const n = parseIndex(m[3] ?? '');
  const width = m[4] === undefined ? 256 : Number(m[4]);
  const size = log.checkpoint.size;
  if (n === null || width < 1 || width > 256 || (m[4] !== undefined && width === 256)) return NOT_FOUND;
  if (m[2] === 'entries') {
    if (n * 256 + width > size) return NOT_FOUND;
    const entries = await log.store.entriesInRange(n * 256, n * 256 + width);
    const parts = entries.flatMap((e) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(Math.min(e.body.length, 0xffff));
      return [len, e.body];
    });
    return octets(Buffer.concat(parts));
  }
  const level = Number(m[1]);
  if (level > 63) return NOT_FOUND;
  const treeLevel = level * 8;
  const available = Math.floor(size / 2 ** treeLevel);
  if (n * 256 + width > available) return NOT_FOUND;
  const ids = Array.from({ length: width }, (_, i) => ({ level: treeLevel, index: n * 256 + i }));
  const hashes = await log.store.nodes(ids);
  return octets(Buffer.concat(hashes), ['Cache-Control', 'max-age=31536000, immutable']);
}
