#!/usr/bin/env node
// Install benchmark: wall time and API requests of `meshctl install --profile demo -y` next to
// `istioctl install --set profile=demo -y`, each on an identical fresh control plane (real apiserver,
// kwok nodes, and a real istiod standing in for the istiod Deployment: it answers the webhooks and takes
// them over, as on a real cluster). Runs inside a loopback-only network namespace: `npm run bench:install` (root).
// The release is downloaded before timing, so both measure the install itself. Prints figures only.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../dist/test/harness/control-plane.js';
import { assembleRelease, mirrorVersion, serveMirror } from '../dist/test/harness/mirror.js';
import { requireIstioctl } from '../dist/test/harness/upstream.js';

const bin = fileURLToPath(new URL('../bin/meshctl.js', import.meta.url));
const run = (cmd, args, env) => new Promise((resolve) => {
  const t = process.hrtime.bigint();
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.on('close', (code) => resolve({ code, out, err, ms: Number(process.hrtime.bigint() - t) / 1e6 }));
});

// istioctl --vklog=6 logs one `Response verb=… url=… status=…` line per API request
const countKlogRequests = (r) => ((r.out + r.err).match(/\bverb=[A-Z]+ url=\S+ status=/g) ?? []).length;

const root = mkdtempSync(join(tmpdir(), 'meshctl-bench-mirror-'));
await assembleRelease(root);
const mirror = await serveMirror(root);
const env = { MESHCTL_MIRROR: mirror.url, MESHCTL_ISTIO_VERSION: mirrorVersion(), MESHCTL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-bench-cache-')) };
await run(process.execPath, [bin, 'download'], env);

const results = [];
{
  const cp = await startControlPlane({ nodes: 2, istiod: true });
  const r = await run(process.execPath, [bin, 'install', '--profile', 'demo', '-y', '-o', 'json'], { ...env, KUBECONFIG: cp.kubeconfig });
  const last = r.out.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
  results.push({ tool: 'meshctl install --profile demo -y', code: r.code, ms: r.ms, requests: last?.requests });
  const again = await run(process.execPath, [bin, 'install', '--profile', 'demo', '-y', '-o', 'json'], { ...env, KUBECONFIG: cp.kubeconfig });
  const last2 = again.out.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
  results.push({ tool: 'meshctl install (re-run, no changes)', code: again.code, ms: again.ms, requests: last2?.requests, writes: last2?.writes });
  await cp.stop();
}
{
  const cp = await startControlPlane({ nodes: 2, istiod: true });
  const r = await run(requireIstioctl(), ['install', '--set', 'profile=demo', '-y', '--vklog=6', '--kubeconfig', cp.kubeconfig], {});
  const requests = countKlogRequests(r);
  results.push({ tool: 'istioctl install --set profile=demo -y', code: r.code, ms: r.ms, requests, tail: r.code === 0 ? undefined : r.err.split('\n').slice(-3).join(' | ') });
  const again = await run(requireIstioctl(), ['install', '--set', 'profile=demo', '-y', '--vklog=6', '--kubeconfig', cp.kubeconfig], {});
  results.push({ tool: 'istioctl install (re-run)', code: again.code, ms: again.ms, requests: countKlogRequests(again) });
  await cp.stop();
}
await mirror.close();
console.log(`install benchmark (fresh control plane each, Istio ${mirrorVersion()}, 2 kwok nodes, a real istiod)`);
for (const r of results) {
  console.log(`  ${r.tool.padEnd(42)} exit ${r.code}  ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${String(r.requests ?? '?').padStart(4)} API requests${r.writes !== undefined ? `, ${r.writes} writes` : ''}${r.tail ? `  (${r.tail})` : ''}`);
}
const ratio = (a, b) => (results[a].ms / results[b].ms).toFixed(2);
console.log(`  meshctl / istioctl wall time: first install ${ratio(0, 2)}, re-run with nothing to change ${ratio(1, 3)} (goal: at most 1.00 each)`);
