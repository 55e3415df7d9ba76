#!/usr/bin/env node
// Analysis benchmark: deterministic synthetic meshes of 1,000 / 10,000 / 20,000 resources (namespaces,
// services, pods, VirtualServices, DestinationRules, policies), analyzed from files with
// `meshctl analyze --use-kube=false`; prints wall time and peak memory (GNU time), the 20k/10k time ratio,
// and `istioctl analyze --use-kube=false` on the same files when the built istioctl is available.
// Goals: 10k well under istioctl's time, memory under 300 MB, 20k/10k ratio at most 2.2. Prints figures only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/meshctl.js', import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? '1000,10000,20000').split(',').map(Number);

/** Writes a mesh of about `n` resources in groups of 10 (one service each), 100 per file. */
function mesh(n) {
  const dir = mkdtempSync(join(tmpdir(), `meshctl-bench-analyze-${n}-`));
  const docs = [];
  const namespaces = Math.max(1, Math.round(n / 500));
  for (let ns = 0; ns < namespaces; ns++) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${ns}\n  labels:\n    istio-injection: enabled\n`);
  for (let i = 0; docs.length < n; i++) {
    const ns = `ns-${i % namespaces}`;
    const app = `app-${i}`;
    const pod = (v) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${app}-${v}\n  namespace: ${ns}\n  labels: {app: ${app}, version: ${v}}\nspec:\n  containers:\n    - {name: app, image: example.invalid/${app}:1}\n    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.31-dev}\nstatus:\n  phase: Running\n  conditions: [{type: Ready, status: "True"}]\n`;
    docs.push(
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector: {app: ${app}}\n  ports: [{name: http, port: 8080}]\n`,
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${app}\n  namespace: ${ns}\n`,
      pod('v1'), pod('v2'),
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  hosts: [${app}]\n  http:\n    - match: [{headers: {end-user: {exact: u${i}}}}]\n      route: [{destination: {host: ${app}, subset: v2}}]\n    - route:\n        - {destination: {host: ${app}, subset: v1}, weight: 90}\n        - {destination: {host: ${app}, subset: v2}, weight: 10}\n`,
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  host: ${app}\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]\n`,
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector: {matchLabels: {app: ${app}}}\n  action: ALLOW\n  rules: [{from: [{source: {principals: [cluster.local/ns/${ns}/sa/app-${i + 1}]}}]}]\n`,
      `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector: {matchLabels: {app: ${app}}}\n  mtls: {mode: STRICT}\n`,
      `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [${app}.example.com]}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ${app}-ext\n  namespace: ${ns}\nspec:\n  hosts: [${app}.ext.example.com]\n  location: MESH_EXTERNAL\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: DNS\n`,
    );
  }
  mkdirSync(join(dir, 'mesh'));
  for (let f = 0; f * 100 < docs.length; f++) writeFileSync(join(dir, 'mesh', `part-${String(f).padStart(4, '0')}.yaml`), docs.slice(f * 100, (f + 1) * 100).join('---\n'));
  return { dir: join(dir, 'mesh'), count: Math.min(docs.length, n) };
}

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const last = r.stderr.trim().split('\n').pop().split(' ');
  return { code: r.status, seconds: Number(last[0]), mb: Number(last[1]) / 1024, stdout: r.stdout };
}

let istioctl;
try {
  const { requireIstioctl } = await import('../dist/test/harness/upstream.js');
  istioctl = requireIstioctl();
} catch { istioctl = undefined; }

const results = {};
console.log(`analyze benchmark (files only, Node ${process.version})`);
for (const n of sizes) {
  const { dir, count } = mesh(n);
  const ours = timed(process.execPath, [bin, 'analyze', '--use-kube=false', '-A', dir, '-o', 'json']);
  const messages = ours.stdout ? JSON.parse(ours.stdout).length : '?';
  results[n] = ours.seconds;
  let line = `  ${String(count).padStart(6)} resources  meshctl ${ours.seconds.toFixed(2).padStart(6)} s ${ours.mb.toFixed(0).padStart(5)} MB  (${messages} messages, exit ${ours.code})`;
  if (istioctl && existsSync(istioctl)) {
    const theirs = timed(istioctl, ['analyze', '--use-kube=false', '-A', dir, '-o', 'json']);
    line += `   istioctl ${theirs.seconds.toFixed(2).padStart(6)} s ${theirs.mb.toFixed(0).padStart(5)} MB (exit ${theirs.code})   meshctl/istioctl ${(ours.seconds / theirs.seconds).toFixed(2)} (goal <= 0.5)`;
  }
  console.log(line);
}
if (results[10000] && results[20000]) console.log(`  20k/10k time ratio: ${(results[20000] / results[10000]).toFixed(2)} (goal <= 2.2)`);
