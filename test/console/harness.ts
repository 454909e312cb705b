import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { RekorClient } from '../../src/tlog/client/index.ts';
import type { ProposedEntry, TlogEntry } from '../../src/tlog/client/index.ts';

export function tempDir(prefix = 'console-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestLog {
  server: RunningLogServer;
  client: RekorClient;
  keyFile: string;
  add(p: ProposedEntry): Promise<TlogEntry>;
}

export async function startTestLog(dir: string): Promise<TestLog> {
  const server = await startLogServer({
    dbPath: join(dir, 'tlog.db'),
    addr: '127.0.0.1:0',
    verifyWorkers: 0,
  });
  const keyFile = join(dir, 'rekor.pub');
  writeFileSync(keyFile, server.publicKeyPem);
  const client = new RekorClient(server.url);
  return { server, client, keyFile, add: (p) => client.createEntry(p) };
}

export type Tamper = 'none' | 'proof' | 'set' | 'checkpoint';

/**
 * A test double of the log: a real HTTP server that forwards to our log and, per `mode`, changes one byte of
 * what the entry answers carry (a proof hash, the SET, the checkpoint's signature).
 */
export async function tamperingProxy(
  target: string,
): Promise<{ url: string; mode: Tamper; close(): Promise<void> }> {
  const state = { mode: 'none' as Tamper };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (r) => {
          const body: Buffer[] = [];
          r.on('data', (c: Buffer) => body.push(c));
          r.on('end', () => {
            let out = Buffer.concat(body);
            if (
              state.mode !== 'none' &&
              /^\/api\/v1\/log\/entries\/[0-9a-f]+$/.test(req.url ?? '') &&
              r.statusCode === 200
            )
              out = Buffer.from(tamper(out.toString('utf8'), state.mode));
            if (state.mode === 'checkpoint' && req.url === '/api/v1/log' && r.statusCode === 200) {
              const info = JSON.parse(out.toString('utf8')) as { signedTreeHead: string };
              info.signedTreeHead = flipNoteSignature(info.signedTreeHead);
              out = Buffer.from(JSON.stringify(info));
            }
            const headers = { ...r.headers, 'content-length': String(out.length) };
            res.writeHead(r.statusCode ?? 502, headers);
            res.end(out);
          });
        },
      );
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: Tamper) {
      state.mode = m;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const flipHex = (h: string): string => h.slice(0, -1) + (h.endsWith('0') ? '1' : '0');

/** One bit of the note's (first) signature flipped; the text stays as it was. */
function flipNoteSignature(note: string): string {
  const [head, sig] = note.split('\n\u2014 ');
  const [name, b64] = (sig ?? '').split(' ');
  const raw = Buffer.from(b64 ?? '', 'base64');
  raw.writeUInt8((raw.at(-3) ?? 0) ^ 1, raw.length - 3);
  return `${head}\n\u2014 ${name} ${raw.toString('base64')}\n`;
}

function tamper(text: string, mode: Tamper): string {
  const map = JSON.parse(text) as Record<string, TlogEntry>;
  for (const v of Object.values(map)) {
    const ver = v.verification;
    const proof = ver?.inclusionProof;
    if (mode === 'proof' && proof) proof.hashes[0] = flipHex(proof.hashes[0] ?? '00');
    if (mode === 'set' && ver?.signedEntryTimestamp) {
      const b = Buffer.from(ver.signedEntryTimestamp, 'base64');
      b.writeUInt8((b.at(-3) ?? 0) ^ 1, b.length - 3);
      ver.signedEntryTimestamp = b.toString('base64');
    }
    if (mode === 'checkpoint' && proof) proof.checkpoint = flipNoteSignature(proof.checkpoint);
  }
  return JSON.stringify(map);
}
