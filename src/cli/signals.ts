/**
 * Resolves on the first SIGINT or SIGTERM. Call it before anything says the command is ready: a supervisor that
 * signals as soon as it reads that line must find this handler, not Node's default action (death by signal,
 * nothing closed).
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
