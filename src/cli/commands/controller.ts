import type { Command } from 'commander';

/** Registers the controller commands (filled in by the controller capability). */
export function registerControllerCommands(_program: Command): void {}
