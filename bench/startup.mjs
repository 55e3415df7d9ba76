#!/usr/bin/env node
// Startup benchmark: median process wall time of `meshctl split reviews v1=90 v2=10` next to `node -e 0`,
// over several interleaved runs, and their ratio (goal: at most 2.5x). Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.env.BENCH_RUNS ?? 21);
const bin = fileURLToPath(new URL('../bin/meshctl.js', import.meta.url));
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'meshctl split reviews v1=90 v2=10': [process.execPath, [bin, 'split', 'reviews', 'v1=90', 'v2=10']],
  'meshctl split … -o json': [process.execPath, [bin, 'split', 'reviews', 'v1=90', 'v2=10', '-o', 'json']],
  'meshctl --help': [process.execPath, [bin, '--help']],
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(cases)) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times['node -e 0']);
console.log(`startup, median of ${runs} runs (Node ${process.version})`);
for (const [name, t] of Object.entries(times)) {
  console.log(`  ${name.padEnd(36)} ${median(t).toFixed(1).padStart(7)} ms   ${(median(t) / base).toFixed(2)}x`);
}
const ratio = median(times['meshctl split reviews v1=90 v2=10']) / base;
console.log(`split/node ratio: ${ratio.toFixed(2)} (goal <= 2.5)`);
