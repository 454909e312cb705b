import { runTarget } from './engine.ts';
import { buildTargets } from './targets.ts';

/** `fuzz/child.ts NAME COUNT SEED`: one target in its own process, so the parent's watchdog can kill a hang. */
const [name = '', count = '0', seed = '1'] = process.argv.slice(2);
const set = await buildTargets();
try {
  const t = set.targets.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target "${name}"`);
  const c = await runTarget(t, Number(count), Number(seed), (n) => process.stderr.write(`progress ${n}\n`));
  process.stdout.write(`RESULT ${JSON.stringify(c)}\n`);
} finally {
  await set.close();
}
process.exit(0);
