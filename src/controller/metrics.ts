/** Chains' counters (https://github.com/tektoncd/chains/tree/main/pkg/reconciler) and a tiny Prometheus text registry: no client library needed. */
export type FailureType = 'payload_creation' | 'marshal_payload' | 'signing' | 'storage' | 'tlog';
export type RunKindLabel = 'taskrun' | 'pipelinerun';

export interface MetricsRecorder {
  signCreated(kind: RunKindLabel): void;
  payloadUploaded(kind: RunKindLabel): void;
  payloadStored(kind: RunKindLabel): void;
  markedSigned(kind: RunKindLabel): void;
  signingFailure(kind: RunKindLabel, type: FailureType): void;
}

type Labels = Record<string, string>;

/** Counters and gauges rendered in the Prometheus text exposition format 0.0.4. */
export class PromRegistry {
  private readonly values = new Map<
    string,
    { help: string; type: 'counter' | 'gauge'; series: Map<string, number> }
  >();

  private family(name: string, help: string, type: 'counter' | 'gauge') {
    let f = this.values.get(name);
    if (!f) {
      f = { help, type, series: new Map() };
      this.values.set(name, f);
    }
    return f;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, help, 'counter');
    const key = labelText(labels);
    f.series.set(key, (f.series.get(key) ?? 0) + by);
  }

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    this.family(name, help, 'gauge').series.set(labelText(labels), value);
  }

  get(name: string, labels: Labels = {}): number {
    return this.values.get(name)?.series.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.values) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [labels, v] of f.series) out.push(`${name}${labels} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (!keys.length) return '';
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${keys.map((k) => `${k}="${esc(labels[k] ?? '')}"`).join(',')}}`;
}

/** Chains' metric names: `watcher_<kind>_sign_created_total`, ... `signing_failures_total{error_type}`. */
export class ChainsMetrics implements MetricsRecorder {
  constructor(readonly registry = new PromRegistry()) {}

  signCreated(kind: RunKindLabel): void {
    this.registry.inc(`watcher_${kind}_sign_created_total`, `Total number of signed ${kind}s`);
  }
  payloadUploaded(kind: RunKindLabel): void {
    this.registry.inc(`watcher_${kind}_payload_uploaded_total`, `Total number of uploaded ${kind} payloads`);
  }
  payloadStored(kind: RunKindLabel): void {
    this.registry.inc(`watcher_${kind}_payload_stored_total`, `Total number of stored ${kind} payloads`);
  }
  markedSigned(kind: RunKindLabel): void {
    this.registry.inc(`watcher_${kind}_marked_signed_total`, `Total number of ${kind}s marked signed`);
  }
  signingFailure(kind: RunKindLabel, type: FailureType): void {
    this.registry.inc(`watcher_${kind}_signing_failures_total`, `Total number of ${kind} signing failures`, {
      error_type: type,
    });
  }
}

export const noMetrics: MetricsRecorder = {
  signCreated: () => undefined,
  payloadUploaded: () => undefined,
  payloadStored: () => undefined,
  markedSigned: () => undefined,
  signingFailure: () => undefined,
};
