import type { Command } from 'commander';

/** Registers the sign commands (filled in by the sign capability). */
export function registerSignCommands(_program: Command): void {}
