import type { Command } from 'commander';

/** Registers the provenance commands (filled in by the provenance capability). */
export function registerProvenanceCommands(_program: Command): void {}
