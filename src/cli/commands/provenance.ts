import { Option, type Command } from 'commander';
import { FORMAT_IDS } from '../../provenance/format-ids.ts';
import { BUILD_TYPES, SLSA_BUILD_TYPE } from '../../provenance/options.ts';
import type { ProvenanceFlags } from '../actions/provenance.ts';

// action bodies load on first use: registering commands stays cheap for every other command
const actions = () => import('../actions/provenance.ts');

/** `chains provenance` and `chains artifacts` (docs/provenance.md). */
export function registerProvenanceCommands(program: Command): void {
  program
    .command('provenance')
    .description('print the in-toto provenance statement Chains would sign for a finished run')
    .addOption(new Option('--format <id>', 'payload format').choices([...FORMAT_IDS]).default('in-toto'))
    .option('--builder-id <id>', 'predicate builder id (builder.id)')
    .addOption(
      new Option('--build-type <uri>', 'SLSA v1.0 build type (v2alpha3/4)')
        .choices([...BUILD_TYPES])
        .default(SLSA_BUILD_TYPE),
    )
    .option('--deep-inspection', 'include child TaskRun artifacts of a PipelineRun')
    .option('--pretty', 'indent the JSON (the default prints the exact payload bytes)')
    .argument('<run-file>', 'TaskRun or PipelineRun, JSON or YAML as kubectl prints it')
    .argument('[child-taskrun-files...]', 'child TaskRuns of a PipelineRun (TaskRun, List, or array)')
    .action(async (file: string, childFiles: string[], flags: ProvenanceFlags) =>
      (await actions()).runProvenance(file, childFiles, flags),
    );

  program
    .command('artifacts')
    .description('list the subjects, OCI images and materials Chains finds in a run')
    .option('--deep-inspection', 'include child TaskRun subjects of a PipelineRun')
    .option('--json', 'print JSON instead of lines')
    .argument('<run-file>', 'TaskRun or PipelineRun, JSON or YAML')
    .argument('[child-taskrun-files...]', 'child TaskRuns of a PipelineRun')
    .action(async (file: string, childFiles: string[], flags: { deepInspection?: boolean; json?: boolean }) =>
      (await actions()).runArtifacts(file, childFiles, flags),
    );
}
