import { assertDone, parseRun, parseTaskRuns } from '../../model/index.ts';
import type { RunObject, TaskRun } from '../../model/index.ts';
import { buildStatement, discoverArtifacts } from '../../provenance/index.ts';
import type { BuildType } from '../../provenance/index.ts';
import { printJson, readText } from '../io.ts';

const onWarning = (m: string): void => void process.stderr.write(`WARNING: ${m}\n`);

/** The run and its children; unfinished runs are refused (RUN_NOT_DONE) as Chains only signs done runs. */
function loadRun(file: string, childFiles: readonly string[]): { run: RunObject; children: TaskRun[] } {
  const run = parseRun(readText(file, 'run'), { source: file, onWarning });
  assertDone(run);
  const children = childFiles.flatMap((f) => parseTaskRuns(readText(f, 'run'), { source: f, onWarning }));
  return { run, children };
}

export interface ProvenanceFlags {
  format: string;
  builderId?: string;
  buildType: BuildType;
  deepInspection?: boolean;
  pretty?: boolean;
}

/** `chains provenance RUN [CHILDREN…]`: the statement Chains would sign, exact payload bytes by default. */
export function runProvenance(file: string, childFiles: string[], flags: ProvenanceFlags): void {
  const { run, children } = loadRun(file, childFiles);
  const built = buildStatement(flags.format, run, {
    children,
    builderId: flags.builderId,
    buildType: flags.buildType,
    deepInspection: flags.deepInspection ?? false,
  });
  const text = flags.pretty ? JSON.stringify(built.statement, null, 2) : built.bytes.toString('utf8');
  process.stdout.write(`${text}\n`);
}

/** `chains artifacts RUN [CHILDREN…]`: subjects, images and materials, as lines or JSON. */
export function runArtifacts(
  file: string,
  childFiles: string[],
  flags: { deepInspection?: boolean; json?: boolean },
): void {
  const { run, children } = loadRun(file, childFiles);
  const found = discoverArtifacts(run, children, { deepInspection: flags.deepInspection ?? false });
  if (flags.json) return printJson(found);
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
}
