#!/usr/bin/env node
// Startup benchmark: median process wall time of meshctl commands next to `node -e 0` and, when the tests'
// istioctl is built, `istioctl version --remote=false`, over interleaved runs; prints the ratios the goals are
// stated in (split <= 1.6 x node -e 0; --version <= istioctl's version). Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.env.BENCH_RUNS ?? 21);
const bin = fileURLToPath(new URL('../bin/meshctl.js', import.meta.url));
const upstream = process.env.MESHCTL_UPSTREAM_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'meshctl', 'upstream');
const istioDir = existsSync(upstream) ? readdirSync(upstream).find((d) => d.startsWith('istioctl-')) : undefined;
const istioctl = istioDir ? join(upstream, istioDir, 'bin', 'istioctl') : undefined;
const sea = fileURLToPath(new URL('../dist/sea/meshctl-linux-amd64', import.meta.url));
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'meshctl split reviews v1=90 v2=10': [process.execPath, [bin, 'split', 'reviews', 'v1=90', 'v2=10']],
  'meshctl split … -o json': [process.execPath, [bin, 'split', 'reviews', 'v1=90', 'v2=10', '-o', 'json']],
  'meshctl --version': [process.execPath, [bin, '--version']],
  'meshctl --help': [process.execPath, [bin, '--help']],
};
if (istioctl) cases['istioctl version --remote=false'] = [istioctl, ['version', '--remote=false']];
if (existsSync(sea)) {
  cases['single executable: split'] = [sea, ['split', 'reviews', 'v1=90', 'v2=10']];
  cases['single executable: --version'] = [sea, ['--version']];
}
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
  console.log(`  ${name.padEnd(36)} ${median(t).toFixed(1).padStart(7)} ms   ${(median(t) / base).toFixed(2)}x node -e 0`);
}
console.log(`split/node ratio: ${(median(times['meshctl split reviews v1=90 v2=10']) / base).toFixed(2)} (goal <= 1.6)`);
if (istioctl) {
  console.log(`--version/istioctl version ratio: ${(median(times['meshctl --version']) / median(times['istioctl version --remote=false'])).toFixed(2)} (goal <= 1.0)`);
} else {
  console.log('istioctl not built (scripts/build-upstream.sh istioctl): no --version ratio');
}
