import { Command, CommanderError } from 'commander';
import { describeError } from '../core/errors.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerSignCommands } from './commands/sign.ts';
import { registerProvenanceCommands } from './commands/provenance.ts';
import { registerOciCommands } from './commands/oci.ts';
import { registerTlogCommands } from './commands/tlog.ts';
import { registerControllerCommands } from './commands/controller.ts';
import { registerOidcCommands } from './commands/oidc.ts';
import { registerConsoleCommand } from './commands/console.ts';
import { registerCtlogCommands } from './commands/ctlog.ts';
import { registerTrustRootCommands } from './commands/trustroot.ts';
import { registerCaCommands } from './commands/ca.ts';
import { registerStackCommands } from './commands/stack.ts';
import { registerVersionCommand } from './commands/version.ts';

/** Composition root: the only module that reads argv/env and builds concrete backends. */
export function buildProgram(): Command {
  const program = new Command('chains')
    .description('Signed build provenance for Tekton runs: keys, signing, OCI storage, transparency log')
    .option('--debug', 'print stack traces on error')
    .showHelpAfterError(false)
    .exitOverride();
  registerKeyCommands(program);
  registerSignCommands(program);
  registerProvenanceCommands(program);
  registerOciCommands(program);
  registerTlogCommands(program);
  registerControllerCommands(program);
  registerOidcCommands(program);
  registerConsoleCommand(program);
  registerCtlogCommands(program);
  registerTrustRootCommands(program);
  registerCaCommands(program);
  registerStackCommands(program);
  registerVersionCommand(program);
  return program;
}

/** Exit 0 on success, 1 on a failed check or bad input, with one line on stderr (stack only with --debug). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return 0;
      return 1;
    }
    const debug = argv.includes('--debug');
    process.stderr.write(`Error: ${describeError(e)}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
