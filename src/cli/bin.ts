import { describeError } from '../core/errors.ts';
import { main } from './main.ts';

/** The process entry (bundled as dist/chains.js; bin/chains-dev runs it from the sources). */
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`Error: ${describeError(e)}\n`);
    process.exitCode = 1;
  },
);
