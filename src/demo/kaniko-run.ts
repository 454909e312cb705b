/** A Tekton TaskRun document (the shape the controller's RunDoc and the run parsers accept). */
export interface KanikoTaskRun {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    [k: string]: unknown;
  };
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  [k: string]: unknown;
}

export interface KanikoRunOptions {
  name: string;
  namespace?: string;
  uid: string;
  /** pushed image repository, e.g. `127.0.0.1:5000/kaniko-chains` */
  image: string;
  /** manifest digest `sha256:<hex>` */
  digest: string;
  /** completion time (the run started 30 s earlier) */
  finishedAt?: Date;
  serviceAccountName?: string;
}

const KANIKO =
  'gcr.io/kaniko-project/executor@sha256:c6166717f7fe0b7da44908c986137ecfeab21f31ec3992f6e128fff8a94be8a5';

/**
 * A finished `kaniko-chains` TaskRun as Tekton records it (examples/kaniko in tektoncd/chains): IMAGE param,
 * resolved taskSpec, step image IDs, and the IMAGE_URL / IMAGE_DIGEST type-hint results Chains signs.
 */
export function finishedKanikoTaskRun(o: KanikoRunOptions): KanikoTaskRun {
  const end = o.finishedAt ?? new Date('2026-01-01T00:00:30Z');
  const t = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const start = new Date(end.getTime() - 30_000);
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: {
      name: o.name,
      namespace: o.namespace ?? 'default',
      uid: o.uid,
      labels: { 'app.kubernetes.io/managed-by': 'tekton-pipelines', 'tekton.dev/task': 'kaniko-chains' },
      annotations: {},
    },
    spec: {
      params: [{ name: 'IMAGE', value: o.image }],
      serviceAccountName: o.serviceAccountName ?? 'default',
      taskRef: { kind: 'Task', name: 'kaniko-chains' },
      timeout: '1h0m0s',
    },
    status: {
      conditions: [
        {
          type: 'Succeeded',
          status: 'True',
          reason: 'Succeeded',
          message: 'All Steps have completed executing',
          lastTransitionTime: t(end),
        },
      ],
      podName: `${o.name}-pod`,
      startTime: t(start),
      completionTime: t(end),
      steps: [
        {
          name: 'build-and-push',
          container: 'step-build-and-push',
          imageID: `docker-pullable://${KANIKO}`,
          terminated: { exitCode: 0, reason: 'Completed', startedAt: t(start), finishedAt: t(end) },
        },
        {
          name: 'write-url',
          container: 'step-write-url',
          imageID:
            'docker-pullable://docker.io/library/bash@sha256:c523c636b722339f41b6a431b44588ab2f762c5de5ec3bd7964420ff982fb1d9',
          terminated: { exitCode: 0, reason: 'Completed', startedAt: t(end), finishedAt: t(end) },
        },
      ],
      results: [
        { name: 'IMAGE_DIGEST', type: 'string', value: o.digest },
        { name: 'IMAGE_URL', type: 'string', value: o.image },
      ],
      taskSpec: {
        params: [
          { name: 'IMAGE', type: 'string', description: 'Name (reference) of the image to build.' },
          { name: 'DOCKERFILE', type: 'string', default: './Dockerfile' },
          { name: 'CONTEXT', type: 'string', default: './' },
        ],
        results: [
          { name: 'IMAGE_DIGEST', type: 'string', description: 'Digest of the image just built.' },
          { name: 'IMAGE_URL', type: 'string', description: 'URL of the image just built.' },
        ],
        steps: [
          {
            name: 'build-and-push',
            image: KANIKO,
            args: [
              '--dockerfile=$(params.DOCKERFILE)',
              '--context=$(params.CONTEXT)',
              '--destination=$(params.IMAGE)',
              '--digest-file=$(results.IMAGE_DIGEST.path)',
            ],
          },
          {
            name: 'write-url',
            image: 'docker.io/library/bash:5.1.4',
            script: 'set -e\necho $(params.IMAGE) | tee $(results.IMAGE_URL.path)\n',
          },
        ],
        workspaces: [{ name: 'source' }, { name: 'dockerconfig', optional: true }],
      },
    },
  };
}
