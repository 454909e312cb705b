import type { Command } from 'commander';

/** Registers the keys commands (filled in by the keys capability). */
export function registerKeyCommands(_program: Command): void {}
