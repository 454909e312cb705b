import type { Command } from 'commander';

/** Registers the oci commands (filled in by the oci capability). */
export function registerOciCommands(_program: Command): void {}
