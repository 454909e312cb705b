import type { KeyObject } from 'node:crypto';
import { hashFor } from '../keys/index.ts';
import { ChainsError } from '../core/errors.ts';
import { OidcError } from '../oidc/index.ts';
import type { Principal, TokenVerifier } from '../oidc/index.ts';
import {
  ctLogKey,
  OID_CT_POISON,
  OID_SCT_LIST,
  precertEntry,
  sctListExtensionValue,
  submitToCtLog,
  verifySct,
} from '../ctlog/sct/index.ts';
import type { Sct } from '../ctlog/sct/index.ts';
import { parseCsr } from './csr.ts';
import { CaError } from './errors.ts';
import {
  LEAF_KEY_USAGE,
  authorityKeyId,
  codeSigningEku,
  fulcioExtensions,
  keyUsage,
  subjectAltName,
  subjectKeyId,
} from './extensions.ts';
import { checkPermitted, classifyKey, parsePublicKey, verifyProof } from './pubkey.ts';
import type { RequestKey } from './pubkey.ts';
import type { SigningRequest } from './request.ts';
import type { CaMaterial } from './store.ts';
import {
  EMPTY_NAME,
  certificateParts,
  certificatePem,
  keyIdentifier,
  randomSerial,
  signCertificate,
  withDer,
} from './x509.ts';
import type { CertificateSpec, ExtensionSpec } from './x509.ts';

export interface CtOptions {
  /** CT log base URL (including any prefix); without it certificates carry no SCT (Fulcio with --ct-log-url=""). */
  url: string;
  /** Give up on the log after this long (Fulcio: 30 s). */
  timeoutMs?: number;
  /** The log's public key: the SCT it returns must verify with it before it is embedded. */
  publicKey?: KeyObject | string;
}

export interface Issued {
  /** Leaf, intermediate, root: PEM strings ending in "\n". */
  chain: string[];
  /** The SCT embedded in the leaf; undefined when no CT log is configured. */
  sct?: Sct;
}

const LEAF_LIFETIME_MS = 10 * 60 * 1000;

export interface AuthorityOptions {
  /** leaf validity (Fulcio: 10 minutes); shorter ones exercise certificate renewal in tests and benchmarks */
  leafLifetimeMs?: number;
}

/** RFC 6962 §3.1 poison: critical, extnValue = DER NULL (05 00). */
const POISON: ExtensionSpec = { oid: OID_CT_POISON, critical: true, value: Buffer.from([0x05, 0x00]) };

/** Issues Fulcio-profile leaves under the intermediate; with a CT log, precert → SCT → final certificate. */
export class CertificateAuthority {
  private readonly issuerName;
  constructor(
    readonly material: CaMaterial,
    readonly verifier: TokenVerifier,
    readonly ct?: CtOptions,
    private readonly options: AuthorityOptions = {},
  ) {
    this.issuerName = certificateParts(material.intermediateDer).subject;
  }

  /** The chains a verifier needs: intermediate then root (Fulcio trustBundle). */
  trustBundle(): string[][] {
    return [[certificatePem(this.material.intermediateDer), certificatePem(this.material.rootDer)]];
  }

  async authenticate(token: string): Promise<Principal> {
    if (!token) throw new CaError('CA_TOKEN', 'There was an error processing the identity token: no token');
    try {
      return await this.verifier.verify(token);
    } catch (e) {
      const why = e instanceof OidcError ? e.message : 'token verification failed';
      throw new CaError('CA_TOKEN', `There was an error processing the identity token: ${why}`, { cause: e });
    }
  }

  /** Fulcio CreateSigningCertificate: authenticate, check the key and its proof, issue. */
  async issue(req: SigningRequest): Promise<Issued> {
    const principal = await this.authenticate(req.token);
    let key: RequestKey;
    if (req.key.kind === 'csr') {
      const csr = await parseCsr(req.key.pem);
      key = csr.key;
      checkPermitted(key, csr.hash);
    } else {
      key = classifyKey(parsePublicKey(req.key.content));
      verifyProof(key, req.key.proof, principal.name);
      checkPermitted(key, hashFor(key.alg));
    }
    return this.certify(principal, key);
  }

  private leafSpec(p: Principal, key: RequestKey): CertificateSpec {
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
    return {
      serial: randomSerial(),
      issuer: this.issuerName,
      subject: EMPTY_NAME,
      notBefore,
      notAfter: new Date(notBefore.getTime() + (this.options.leafLifetimeMs ?? LEAF_LIFETIME_MS)),
      spki: key.spki,
      // https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md order: KU, EKU, SKI, AKI, SAN, Fulcio extensions (then poison or SCT list)
      extensions: [
        keyUsage(LEAF_KEY_USAGE),
        codeSigningEku(),
        subjectKeyId(keyIdentifier(key.spki)),
        authorityKeyId(this.material.intermediateSki),
        subjectAltName(p),
        ...fulcioExtensions(p),
      ],
    };
  }

  /** No certificate leaves here without its SCT when a CT log is configured. */
  async certify(p: Principal, key: RequestKey): Promise<Issued> {
    const base = this.leafSpec(p, key);
    const spec = { ...base, extensions: base.extensions.map(withDer) }; // encoded once for both certificates
    const { intermediateDer, rootDer, signer } = this.material;
    const tail = [certificatePem(intermediateDer), certificatePem(rootDer)];
    if (!this.ct) return { chain: [certificatePem(signCertificate(spec, signer)), ...tail] };
    const precert = signCertificate({ ...spec, extensions: [...spec.extensions, POISON] }, signer);
    const sct = await this.submit(precert);
    const sctExt: ExtensionSpec = { oid: OID_SCT_LIST, critical: false, value: sctListExtensionValue([sct]) };
    const leaf = signCertificate({ ...spec, extensions: [...spec.extensions, sctExt] }, signer);
    return { chain: [certificatePem(leaf), ...tail], sct };
  }

  private async submit(precert: Buffer): Promise<Sct> {
    const ct = this.ct as CtOptions;
    const { intermediateDer, rootDer } = this.material;
    try {
      const sct = await submitToCtLog(ct.url, 'add-pre-chain', [precert, intermediateDer, rootDer], {
        timeoutMs: ct.timeoutMs ?? 30_000,
      });
      if (ct.publicKey) verifySct(sct, precertEntry(precert, intermediateDer), [ctLogKey(ct.publicKey)]);
      return sct;
    } catch (e) {
      const why = e instanceof ChainsError ? `${e.message} [${e.code}]` : String(e);
      throw new CaError('CA_CT_FAILED', `Error entering certificate in CTL: ${why}`, { cause: e });
    }
  }
}
