import { describeError } from '../core/errors.ts';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';
import type { RunDoc } from './ports.ts';
import { WorkQueue, type Lane, type QueueOptions } from './queue.ts';
import type { Reconciler } from './reconciler.ts';

/** Events in, reconciles out: the part shared by the Kubernetes watcher and local mode. */
export class ControllerLoop {
  readonly queue: WorkQueue;
  reconciles = 0;

  constructor(
    private readonly reconciler: Reconciler,
    queue: Omit<QueueOptions, 'onError'>,
    private readonly log: Logger = silentLogger,
  ) {
    this.queue = new WorkQueue({
      ...queue,
      onError: (key, e) => this.log('error', 'reconcile failed', { key, error: describeError(e) }),
    });
  }

  /** An added/updated object: queue it (and its owning PipelineRun) when the filters want it. */
  enqueue(doc: RunDoc, lane: Lane = 'fresh'): void {
    for (const key of this.reconciler.keysFor(doc)) {
      if (!this.queue.add(key, lane))
        this.log('warn', 'work queue full, the next resync will bring the run back', { key });
    }
  }

  start(): void {
    this.queue.start(async (key) => {
      this.reconciles++;
      return this.reconciler.reconcile(key);
    });
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }
}
