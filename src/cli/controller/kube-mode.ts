import { ControllerError } from '../../controller/errors.ts';

/** Kubernetes mode (filled in with the watcher). */
export async function runKubeController(_f: unknown): Promise<void> {
  throw new ControllerError('KUBE_API', 'Kubernetes mode is not available yet; use --local DIR');
}
