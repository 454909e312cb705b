import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import { ChainsError } from '../../core/errors.ts';
import { assertDone, parseRun, parseTaskRuns } from '../../model/index.ts';
import type { RunObject, TaskRun } from '../../model/index.ts';
import {
  FORMAT_IDS,
  SLSA_BUILD_TYPE,
  TEKTON_BUILD_TYPE,
  buildStatement,
  discoverArtifacts,
} from '../../provenance/index.ts';
import type { BuildType } from '../../provenance/index.ts';

class CliFileError extends ChainsError<'FILE_UNREADABLE'> {}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliFileError(
      'FILE_UNREADABLE',
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        cause: e,
      },
    );
  }
}

const onWarning = (m: string): void => void process.stderr.write(`WARNING: ${m}\n`);

/** The run and its children; unfinished runs are refused (RUN_NOT_DONE) as Chains only signs done runs. */
function loadRun(file: string, childFiles: readonly string[]): { run: RunObject; children: TaskRun[] } {
  const run = parseRun(readText(file), { source: file, onWarning });
  assertDone(run);
  const children = childFiles.flatMap((f) => parseTaskRuns(readText(f), { source: f, onWarning }));
  return { run, children };
}

interface ProvenanceFlags {
  format: string;
  builderId?: string;
  buildType: BuildType;
  deepInspection?: boolean;
  pretty?: boolean;
}

/** `chains provenance` and `chains artifacts` (docs/provenance.md). */
export function registerProvenanceCommands(program: Command): void {
  program
    .command('provenance')
    .description('print the in-toto provenance statement Chains would sign for a finished run')
    .addOption(new Option('--format <id>', 'payload format').choices([...FORMAT_IDS]).default('in-toto'))
    .option('--builder-id <id>', 'predicate builder id (builder.id)')
    .addOption(
      new Option('--build-type <uri>', 'SLSA v1.0 build type (v2alpha3/4)')
        .choices([SLSA_BUILD_TYPE, TEKTON_BUILD_TYPE])
        .default(SLSA_BUILD_TYPE),
    )
    .option('--deep-inspection', 'include child TaskRun artifacts of a PipelineRun')
    .option('--pretty', 'indent the JSON (the default prints the exact payload bytes)')
    .argument('<run-file>', 'TaskRun or PipelineRun, JSON or YAML as kubectl prints it')
    .argument('[child-taskrun-files...]', 'child TaskRuns of a PipelineRun (TaskRun, List, or array)')
    .action((file: string, childFiles: string[], flags: ProvenanceFlags) => {
      const { run, children } = loadRun(file, childFiles);
      const built = buildStatement(flags.format, run, {
        children,
        builderId: flags.builderId,
        buildType: flags.buildType,
        deepInspection: flags.deepInspection ?? false,
      });
      const text = flags.pretty ? JSON.stringify(built.statement, null, 2) : built.bytes.toString('utf8');
      process.stdout.write(`${text}\n`);
    });

  program
    .command('artifacts')
    .description('list the subjects, OCI images and materials Chains finds in a run')
    .option('--deep-inspection', 'include child TaskRun subjects of a PipelineRun')
    .option('--json', 'print JSON instead of lines')
    .argument('<run-file>', 'TaskRun or PipelineRun, JSON or YAML')
    .argument('[child-taskrun-files...]', 'child TaskRuns of a PipelineRun')
    .action((file: string, childFiles: string[], flags: { deepInspection?: boolean; json?: boolean }) => {
      const { run, children } = loadRun(file, childFiles);
      const found = discoverArtifacts(run, children, { deepInspection: flags.deepInspection ?? false });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
        return;
      }
      const digests = (d: Record<string, string>): string =>
        Object.entries(d)
          .map(([a, h]) => `${a}:${h}`)
          .join(',');
      const lines = [
        ...found.subjects.map((s) => `subject\t${s.name}\t${digests(s.digest)}`),
        ...found.images.map((i) => `image\t${i.fullRef}`),
        ...found.materials.map((m) => `material\t${m.name}\t${digests(m.digest)}`),
      ];
      process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    });
}
