import type { SignedRecord } from '../core/signed.ts';
import type { RunObject } from '../model/index.ts';
import type { RunRef, StoreRequest } from '../storage/backend.ts';
import type { SignableItem } from './payloads.ts';
import type { RunDoc } from './ports.ts';

/** The run a document is, for keys and annotation writes. */
export function runRefOf(doc: RunDoc): RunRef {
  const kind = doc.kind === 'PipelineRun' ? 'PipelineRun' : 'TaskRun';
  return {
    kind,
    namespace: doc.metadata.namespace ?? 'default',
    name: doc.metadata.name,
    uid: doc.metadata.uid ?? '',
  };
}

export function kindLabel(run: RunObject): 'taskrun' | 'pipelinerun' {
  return run.kind === 'PipelineRun' ? 'pipelinerun' : 'taskrun';
}

/** What the store step hands every backend for one signed object. */
export function storeRequest(item: SignableItem, record: SignedRecord, run: RunRef): StoreRequest {
  if (item.type === 'oci')
    return {
      what: 'image-signature',
      run,
      record,
      image: item.image,
      shortKey: item.shortKey,
      format: 'simplesigning',
    };
  return {
    what: 'attestation',
    run,
    record,
    predicateType: item.predicateType,
    subjects: item.subjects,
    shortKey: item.shortKey,
    format: item.format,
  };
}
