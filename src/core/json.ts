import { CoreError } from './errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * RFC 8785 (JCS) canonical JSON: keys sorted by UTF-16 code units, ES number formatting, minimal escapes.
 * https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new CoreError('INVALID_JSON', 'cannot canonicalize a non-finite number');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => canonicalize(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(obj[k])}`).join(',')}}`;
    }
    default:
      throw new CoreError('INVALID_JSON', `cannot canonicalize a ${typeof value}`);
  }
}

/**
 * JSON as Go's encoding/json Marshal writes it: compact, insertion-ordered keys, and HTML-safe escaping
 * of <, >, & plus U+2028/U+2029 (encoding/json encodeState.string).
 */
export function goMarshal(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** JSON.parse that throws a coded error naming `what`. */
export function parseJson(text: string | Uint8Array, what = 'input'): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (e) {
    throw new CoreError('INVALID_JSON', `${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}
