import { ChainsError } from '../core/errors.ts';

/** Codes for the k8s:// key reference path. */
export type KubeKeyErrorCode = 'INVALID_K8S_REF' | 'K8S_ERROR';
export class KubeKeyError extends ChainsError<KubeKeyErrorCode> {}

/** The Secret fields we touch (core/v1 Secret wire format: `data` values are base64). */
export interface KeySecret {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  data?: Record<string, string>;
  immutable?: boolean;
  [k: string]: unknown;
}

/** Minimal Secret API: the CLI adapts client-node's CoreV1Api to it. `read` returns null on 404. */
export interface SecretClient {
  read(namespace: string, name: string): Promise<KeySecret | null>;
  create(namespace: string, secret: KeySecret): Promise<KeySecret>;
  replace(namespace: string, name: string, secret: KeySecret): Promise<KeySecret>;
}

export interface KubeRef {
  namespace: string;
  name: string;
}

/** `k8s://<namespace>/<secret>`, exactly two parts (cosign pkg/cosign/kubernetes/secret.go). */
export function parseKubeRef(ref: string): KubeRef {
  const parts = ref.startsWith('k8s://') ? ref.slice('k8s://'.length).split('/') : [];
  const [namespace, name] = parts;
  if (parts.length !== 2 || !namespace || !name)
    throw new KubeKeyError(
      'INVALID_K8S_REF',
      'kubernetes specification should be in the format k8s://<namespace>/<secret>',
    );
  return { namespace, name };
}

export interface KeySecretContents {
  privateKeyPem: string;
  publicKeyPem: string;
  password: Uint8Array;
}

/** Data keys cosign uses: cosign.key, cosign.pub, cosign.password (raw bytes, may be empty). */
export function keySecretData(c: KeySecretContents): Record<string, string> {
  return {
    'cosign.key': Buffer.from(c.privateKeyPem, 'utf8').toString('base64'),
    'cosign.pub': Buffer.from(c.publicKeyPem, 'utf8').toString('base64'),
    'cosign.password': Buffer.from(c.password).toString('base64'),
  };
}

/**
 * Get → Create when absent, else Update merging into the existing `data` map (other keys kept), as cosign's
 * KeyPairSecret does. `immutable` is set only when the server is known to support it (≥ 1.21).
 */
export async function writeKeyPairSecret(
  client: SecretClient,
  ref: KubeRef,
  contents: KeySecretContents,
  immutable?: boolean,
): Promise<KeySecret> {
  const existing = await client.read(ref.namespace, ref.name);
  const body: KeySecret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ref.name, namespace: ref.namespace },
    data: { ...(existing?.data ?? {}), ...keySecretData(contents) },
    ...(immutable === undefined ? {} : { immutable }),
  };
  if (!existing) return client.create(ref.namespace, body);
  return client.replace(ref.namespace, ref.name, body);
}

/** What `--key k8s://NS/NAME` finds in the Secret (cosign's GetKeyPairSecret): raw bytes of each data key. */
export interface KeyPairSecretData {
  privateKeyPem?: Buffer;
  publicKeyPem?: Buffer;
  password?: Buffer;
}

/** Read cosign.key / cosign.pub / cosign.password from the Secret; a missing Secret is a K8S_ERROR. */
export async function readKeyPairSecret(client: SecretClient, ref: KubeRef): Promise<KeyPairSecretData> {
  const s = await client.read(ref.namespace, ref.name);
  if (!s) throw new KubeKeyError('K8S_ERROR', `secret ${ref.name} not found in namespace ${ref.namespace}`);
  const get = (k: string): Buffer | undefined => {
    const v = s.data?.[k];
    return v === undefined ? undefined : Buffer.from(v, 'base64');
  };
  return {
    privateKeyPem: get('cosign.key'),
    publicKeyPem: get('cosign.pub'),
    password: get('cosign.password'),
  };
}
