/** RFC 7386 JSON merge patch and RFC 6902 JSON patch, as the API server applies them to an object. */
export type Obj = Record<string, unknown>;

export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Op {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`, 422);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[]): { parent: Obj | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObj(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new PatchError(`path ${tokens.join('/')} does not exist`, 422);
  }
  if (!isObj(cur) && !Array.isArray(cur)) throw new PatchError('patch target is not a container', 422);
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: unknown, tokens: string[]): unknown {
  let cur: unknown = doc;
  for (const t of tokens) cur = Array.isArray(cur) ? cur[Number(t)] : isObj(cur) ? cur[t] : undefined;
  return cur;
}

function remove(doc: unknown, tokens: string[]): unknown {
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
  if (!(key in parent)) throw new PatchError(`unable to remove nonexistent key: ${key}`, 422);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: unknown, tokens: string[], value: unknown): void {
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, value);
  else parent[key] = value;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations', 400);
  const doc = structuredClone(target);
  for (const raw of ops as Op[]) {
    const tokens = pointer(raw.path);
    switch (raw.op) {
      case 'add':
        add(doc, tokens, structuredClone(raw.value));
        break;
      case 'remove':
        remove(doc, tokens);
        break;
      case 'replace':
        remove(doc, tokens);
        add(doc, tokens, structuredClone(raw.value));
        break;
      case 'move':
        add(doc, tokens, remove(doc, pointer(raw.from ?? '')));
        break;
      case 'copy':
        add(doc, tokens, structuredClone(getAt(doc, pointer(raw.from ?? ''))));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, tokens)) !== JSON.stringify(raw.value))
          throw new PatchError(`test operation failed at ${raw.path}`, 422);
        break;
      default:
        throw new PatchError(`unknown json patch op "${raw.op}"`, 400);
    }
  }
  return doc;
}
