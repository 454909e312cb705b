import type { Command } from 'commander';

/** Registers the tlog commands (filled in by the tlog capability). */
export function registerTlogCommands(_program: Command): void {}
