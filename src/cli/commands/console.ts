import type { Command } from 'commander';
import type { ConsoleFlags } from '../console-wiring.ts';

/** `chains console`: the read-only web console (docs/console.md). */
export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description(
      'serve a read-only web console over the log, the runs and the images, verifying in the browser',
    )
    .option('--addr <host:port>', 'listen address (loopback unless told otherwise)', '127.0.0.1:8080')
    .requiredOption('--rekor-url <url>', 'transparency log base URL')
    .option('--registry <host>', 'registry the image page reads (default: the one in the image reference)')
    .option('--runs <dir>', 'a directory of run files (local mode)')
    .option('--kubeconfig <file>', 'read TaskRuns/PipelineRuns from a cluster')
    .option('--namespace <a,b>', 'with --kubeconfig: only these namespaces')
    .option(
      '--trusted-root <file>',
      'sigstore trusted_root.json: pins the log key, and the image page checks keyless signatures against it',
    )
    .option('--rekor-public-key <file>', 'pin the log key (PEM)')
    .option('--key <file>', 'signer public key (cosign.pub) the image page verifies against')
    .action(async (f: ConsoleFlags) => {
      const stopped = (await import('../signals.ts')).stopSignal();
      const { consoleFromFlags } = await import('../console-wiring.ts');
      const c = await consoleFromFlags(f);
      process.stdout.write(`console listening on ${c.url}\n`);
      await stopped;
      await c.close();
    });
}
