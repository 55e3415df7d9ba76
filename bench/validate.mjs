#!/usr/bin/env node
// Validation benchmark: time to validate 10,000 resources (VirtualServices, DestinationRules, Services,
// AuthorizationPolicies) against the bundled schemas (Istio's real CRDs), next to the istioctl that
// scripts/build-upstream.sh builds. Cold: a fresh SchemaSet (schemas compiled on first use); warm: the same SchemaSet again.
// Also the whole `meshctl validate` process on the same files. Prints figures only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSources } from '../dist/src/manifests/documents.js';
import { SchemaSet } from '../dist/src/schema/schema.js';
import { validateSources } from '../dist/src/validate/run.js';
import { crdsFromBundle } from '../dist/src/schema/bundled.js';
import { requireIstioctl } from '../dist/test/harness/upstream.js';

const N = Number(process.env.BENCH_RESOURCES ?? 10000);
const dir = mkdtempSync(join(tmpdir(), 'meshctl-bench-validate-'));
const docs = [];
for (let i = 0; i < N; i++) {
  const svc = `svc-${Math.floor(i / 4)}`;
  const ns = `ns-${i % 50}`;
  switch (i % 4) {
    case 0: docs.push(`apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${svc}\n  namespace: ${ns}\nspec:\n  hosts: [${svc}]\n  http:\n    - match:\n        - headers:\n            end-user:\n              exact: u${i}\n      route:\n        - destination: {host: ${svc}, subset: v2}\n    - route:\n        - destination: {host: ${svc}, subset: v1}\n          weight: 90\n        - destination: {host: ${svc}, subset: v2}\n          weight: 10\n      timeout: 2s\n      retries: {attempts: 3, perTryTimeout: 500ms}\n`); break;
    case 1: docs.push(`apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${svc}\n  namespace: ${ns}\nspec:\n  host: ${svc}\n  trafficPolicy:\n    connectionPool: {tcp: {maxConnections: 100}}\n    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}\n  subsets:\n    - {name: v1, labels: {version: v1}}\n    - {name: v2, labels: {version: v2}}\n`); break;
    case 2: docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${svc}\n  namespace: ${ns}\nspec:\n  selector: {app: ${svc}}\n  ports:\n    - {name: http, port: 9080}\n`); break;
    default: docs.push(`apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ${svc}\n  namespace: ${ns}\nspec:\n  selector: {matchLabels: {app: ${svc}}}\n  action: ALLOW\n  rules:\n    - from: [{source: {principals: [cluster.local/ns/${ns}/sa/client]}}]\n      to: [{operation: {methods: [GET], paths: [/api/*]}}]\n`);
  }
}
const files = [];
for (let f = 0; f < 10; f++) {
  const file = join(dir, `resources-${f}.yaml`);
  writeFileSync(file, docs.slice((f * N) / 10, ((f + 1) * N) / 10).join('---\n'));
  files.push(file);
}
const ms = (t) => (Number(process.hrtime.bigint() - t) / 1e6).toFixed(0);
let t = process.hrtime.bigint();
const sources = await loadSources(files);
const parseMs = ms(t);
const schemas = new SchemaSet(await crdsFromBundle());
t = process.hrtime.bigint();
const cold = await validateSources(sources, schemas);
const coldMs = ms(t);
t = process.hrtime.bigint();
const warm = await validateSources(sources, schemas);
const warmMs = ms(t);
// the whole process, bundled schemas (the default), next to `istioctl validate` on the same files, 5 interleaved runs
const meshctl = fileURLToPath(new URL('../bin/meshctl.js', import.meta.url));
const istioctl = requireIstioctl();
const runs = Number(process.env.BENCH_RUNS ?? 5);
const times = { meshctl: [], istioctl: [] };
let meshctlExit;
let istioctlExit;
for (let r = 0; r < runs; r++) {
  t = process.hrtime.bigint();
  meshctlExit = spawnSync(process.execPath, [meshctl, 'validate', dir, '-o', 'json'], { maxBuffer: 256 << 20 }).status;
  times.meshctl.push(Number(ms(t)));
  t = process.hrtime.bigint();
  istioctlExit = spawnSync(istioctl, ['validate', ...files.flatMap((f) => ['-f', f])], { maxBuffer: 256 << 20, env: { ...process.env, KUBECONFIG: '' } }).status;
  times.istioctl.push(Number(ms(t)));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`validate benchmark: ${sources.objects.length} resources in 10 files (Node ${process.version})`);
console.log(`  parse with positions                 ${parseMs.padStart(6)} ms`);
console.log(`  validate, cold (schemas compiled)    ${coldMs.padStart(6)} ms   ${cold.filter((f) => f.severity === 'error').length} errors`);
console.log(`  validate, warm (compiled schemas)    ${warmMs.padStart(6)} ms   ${warm.filter((f) => f.severity === 'error').length} errors`);
console.log(`  meshctl validate (bundled schemas)   ${String(median(times.meshctl)).padStart(6)} ms   exit ${meshctlExit}   (median of ${runs})`);
console.log(`  istioctl validate                    ${String(median(times.istioctl)).padStart(6)} ms   exit ${istioctlExit}`);
console.log(`meshctl/istioctl ratio: ${(median(times.meshctl) / median(times.istioctl)).toFixed(2)} (goal <= 1.0)`);
