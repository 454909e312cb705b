import type { RunAccess, RunDoc } from '../../src/controller/ports.ts';
import type { RunRef } from '../../src/storage/backend.ts';
import type { AnnotationWriter } from '../../src/storage/tekton/tekton.ts';

/** Runs held in memory: RunAccess for the orchestrator and AnnotationWriter for the tekton backend. */
export class MemoryRuns implements RunAccess, AnnotationWriter {
  readonly docs = new Map<string, RunDoc>();
  writes = 0;

  private key(r: { namespace?: string; name: string }): string {
    return `${r.namespace ?? 'default'}/${r.name}`;
  }

  add(doc: RunDoc): RunDoc {
    this.docs.set(this.key(doc.metadata), structuredClone(doc));
    return doc;
  }

  get(name: string, namespace = 'default'): RunDoc {
    const d = this.docs.get(`${namespace}/${name}`);
    if (!d) throw new Error(`no run ${namespace}/${name}`);
    return d;
  }

  annotations(name: string, namespace = 'default'): Record<string, string> {
    return this.get(name, namespace).metadata.annotations ?? {};
  }

  async latest(run: RunRef): Promise<RunDoc | undefined> {
    const d = this.docs.get(this.key(run));
    return d ? structuredClone(d) : undefined;
  }

  async writeAnnotations(run: RunRef, annotations: Record<string, string | null>): Promise<void> {
    const d = this.docs.get(this.key(run));
    if (!d) throw new Error(`run ${run.namespace}/${run.name} not found`);
    const a = { ...(d.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete a[k];
      else a[k] = v;
    }
    d.metadata.annotations = a;
    this.writes++;
  }
}
