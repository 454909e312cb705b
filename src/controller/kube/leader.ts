import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { describeError } from '../../core/errors.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';

export interface LeaderOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  /** knative's defaults: lease 60 s, renew 40 s, retry 10 s (https://tekton.dev/docs/chains/config/) */
  leaseDurationSec?: number;
  renewMs?: number;
  retryMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  log?: Logger;
}

const codeOf = (e: unknown): number | undefined => (e as { code?: number }).code;

/** Leader election over a `coordination.k8s.io/v1` Lease: acquire when free or expired, renew, release on stop. */
export class LeaseElector {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  leading = false;
  private readonly api: CoordinationV1Api;
  private readonly log: Logger;

  constructor(private readonly o: LeaderOptions) {
    this.api = o.kc.makeApiClient(CoordinationV1Api);
    this.log = o.log ?? silentLogger;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  private get duration(): number {
    return this.o.leaseDurationSec ?? 60;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      ok = await this.acquireOrRenew();
    } catch (e) {
      this.log('warn', 'lease update failed', { lease: this.o.name, error: describeError(e) });
    }
    if (ok && !this.leading) {
      this.leading = true;
      this.log('info', 'became leader', {
        lease: `${this.o.namespace}/${this.o.name}`,
        identity: this.o.identity,
      });
      this.o.onStartedLeading();
    } else if (!ok && this.leading) {
      this.leading = false;
      this.log('warn', 'lost leadership', { lease: this.o.name });
      this.o.onStoppedLeading();
    }
    if (this.stopped) return;
    const next = this.leading ? (this.o.renewMs ?? 40_000) : (this.o.retryMs ?? 10_000);
    this.timer = setTimeout(() => void this.tick(), next);
    this.timer.unref();
  }

  private spec(lease: V1Lease | undefined, now: Date) {
    const mine = lease?.spec?.holderIdentity === this.o.identity;
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.duration,
      acquireTime: mine && lease?.spec?.acquireTime ? lease.spec.acquireTime : now,
      renewTime: now,
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (mine || !lease ? 0 : 1),
    };
  }

  private async acquireOrRenew(): Promise<boolean> {
    const { namespace, name } = this.o;
    const now = new Date();
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name });
    } catch (e) {
      if (codeOf(e) !== 404) throw e;
    }
    if (!lease) {
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: this.spec(undefined, now) },
        });
        return true;
      } catch (e) {
        if (codeOf(e) === 409) return false;
        throw e;
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const expired = renewed + (lease.spec?.leaseDurationSeconds ?? this.duration) * 1000 < now.getTime();
    if (holder && holder !== this.o.identity && !expired) return false;
    try {
      await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: { ...lease, spec: this.spec(lease, now) },
      });
      return true;
    } catch (e) {
      if (codeOf(e) === 409) return false; // someone else updated it first
      throw e;
    }
  }

  /** Stop renewing and give the lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ namespace: this.o.namespace, name: this.o.name });
      if (lease.spec?.holderIdentity === this.o.identity)
        await this.api.replaceNamespacedLease({
          namespace: this.o.namespace,
          name: this.o.name,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
        });
    } catch (e) {
      this.log('warn', 'could not release the lease', { error: describeError(e) });
    }
  }
}
