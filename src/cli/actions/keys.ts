import {
  decodeKeyPem,
  generateKeyPair,
  importKeyPair,
  parseKubeRef,
  writeKeyPairSecret,
} from '../../keys/index.ts';
import { confirmOverwrite, readInput, readPassword, say, writeFileAtomic } from '../io.ts';
import { loadKeyFile } from '../key-args.ts';
import { kubeSecrets } from '../kube-secrets.ts';

async function writePair(prefix: string, priv: string, pub: string, force: boolean): Promise<void> {
  await confirmOverwrite([`${prefix}.key`, `${prefix}.pub`], force);
  writeFileAtomic(`${prefix}.key`, priv, 0o600);
  say(`Private key written to ${prefix}.key`);
  writeFileAtomic(`${prefix}.pub`, pub, 0o644);
  say(`Public key written to ${prefix}.pub`);
}

async function generateToKube(ref: string, kubeconfig: string | undefined): Promise<void> {
  const target = parseKubeRef(ref);
  const kube = await kubeSecrets(kubeconfig);
  const password = await readPassword(true);
  const pair = await generateKeyPair(password);
  const contents = { privateKeyPem: pair.privateKeyPem, publicKeyPem: pair.publicKeyPem, password };
  const s = await writeKeyPairSecret(kube.client, target, contents, await kube.immutable());
  say(
    `Successfully created secret ${s.metadata?.name ?? target.name} in namespace ${s.metadata?.namespace ?? target.namespace}`,
  );
  writeFileAtomic('cosign.pub', pair.publicKeyPem, 0o600);
  say('Public key written to cosign.pub');
}

export interface PairOpts {
  outputKeyPrefix: string;
  force?: boolean;
  kubeconfig?: string;
}

/** `generate-key-pair [k8s://NS/NAME]` (cosign's flags and messages, https://github.com/sigstore/cosign/blob/main/pkg/cosign/keys.go). */
export async function runGenerateKeyPair(ref: string | undefined, o: PairOpts): Promise<void> {
  if (ref !== undefined) return generateToKube(ref, o.kubeconfig);
  await confirmOverwrite([`${o.outputKeyPrefix}.key`, `${o.outputKeyPrefix}.pub`], o.force === true);
  const pair = await generateKeyPair(await readPassword(true));
  await writePair(o.outputKeyPrefix, pair.privateKeyPem, pair.publicKeyPem, true);
}

/** `import-key-pair --key F`. */
export async function runImportKeyPair(o: PairOpts & { key: string }): Promise<void> {
  const pem = readInput(o.key, 'key');
  decodeKeyPem(pem);
  await confirmOverwrite([`${o.outputKeyPrefix}.key`, `${o.outputKeyPrefix}.pub`], o.force === true);
  const pair = await importKeyPair(pem, await readPassword(true));
  await writePair(o.outputKeyPrefix, pair.privateKeyPem, pair.publicKeyPem, true);
}

/** `public-key --key F [--outfile F]`. */
export async function runPublicKey(o: { key: string; outfile?: string }): Promise<void> {
  const key = await loadKeyFile(o.key);
  if (!o.outfile) return void process.stdout.write(key.publicKey.pem);
  writeFileAtomic(o.outfile, key.publicKey.pem, 0o644);
  say(`Public key written to ${o.outfile}`);
}
