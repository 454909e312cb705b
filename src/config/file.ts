import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.ts';
import { parseConfig, type ConfigData } from './parse.ts';
import type { ChainsConfig } from './types.ts';

/**
 * Accepts either a ConfigMap manifest (`kind: ConfigMap`, `data:` map, as `kubectl get cm chains-config -o yaml`
 * prints it) or a flat map of `chains-config` keys. Values must be strings (YAML booleans are stringified).
 */
export function configDataFromYaml(text: string, source = 'config file'): ConfigData {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError('CONFIG_FILE', `${source} is not valid YAML: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError('CONFIG_FILE', `${source} must be a ConfigMap or a map of chains-config keys`);
  const obj = doc as Record<string, unknown>;
  const data = obj.kind === 'ConfigMap' ? (obj.data ?? {}) : obj;
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new ConfigError('CONFIG_FILE', `${source}: data must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'object' && v !== null)
      throw new ConfigError('CONFIG_FILE', `${source}: value of "${k}" must be a string`);
    out[k] = String(v);
  }
  return out;
}

export function parseConfigYaml(text: string, source?: string): ChainsConfig {
  return parseConfig(configDataFromYaml(text, source));
}
