import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyCrds, istioCrds } from '../harness/crds.js';
import { assembleRelease, mirrorVersion, serveMirror, type Mirror } from '../harness/mirror.js';
import { createTestNamespace, eventually, testCluster } from '../harness/namespace.js';
import { runCli } from '../helpers/cli.js';

const cluster = testCluster();
const version = mirrorVersion();
let mirror: Mirror;
/** A cache holding the release (its samples/ and samples/addons), and one holding nothing. */
let cached: NodeJS.ProcessEnv;
let empty: NodeJS.ProcessEnv;

before(async () => {
  await applyCrds(cluster, istioCrds());
  const root = mkdtempSync(join(tmpdir(), 'meshctl-mirror-'));
  await assembleRelease(root);
  mirror = await serveMirror(root);
  cached = { MESHCTL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-cache-')), MESHCTL_MIRROR: '' };
  empty = { MESHCTL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-cache-')), MESHCTL_MIRROR: '' };
  const dl = await runCli(['download', '--version', version, '--mirror', mirror.url], { env: cached, timeoutMs: 300_000 });
  assert.equal(dl.code, 0, dl.stderr);
});
after(() => mirror.close());

const get = async (path: string) => cluster.request('GET', path);

test('sample deploy bookinfo --expose: the release\'s manifests applied, recorded, rolled out and exposed; a re-run changes nothing; delete removes exactly it', async () => {
  const ns = await createTestNamespace(cluster, 'bookinfo');
  const r = await runCli(['sample', 'deploy', 'bookinfo', '-n', ns, '--expose', '--timeout', '120s'], { env: cached, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`sample bookinfo from Istio ${version.replace(/\./g, '\\.')} release into namespace ${ns}`));
  assert.match(r.stderr, /sample bookinfo: 16 created, 0 configured, 0 unchanged/, 'the release\'s 14 objects and the Gateway and VirtualService');
  assert.match(r.stderr, /6 workload\(s\) ready/);
  for (const d of ['productpage-v1', 'details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3']) {
    const dep = (await get(`/apis/apps/v1/namespaces/${ns}/deployments/${d}`)).body;
    assert.equal(dep.status.availableReplicas, 1, `${d} available`);
  }
  const vs = (await get(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/productpage-ingress`)).body;
  assert.deepEqual(vs.spec.gateways, ['bookinfo-gateway']);
  assert.equal((await get(`/apis/networking.istio.io/v1/namespaces/${ns}/gateways/bookinfo-gateway`)).status, 200);
  const record = JSON.parse((await get(`/api/v1/namespaces/${ns}/configmaps/meshctl-sample-bookinfo`)).body.data.objects);
  assert.equal(record.length, 16);

  const again = await runCli(['sample', 'deploy', 'bookinfo', '-n', ns, '--expose'], { env: cached, timeoutMs: 180_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /sample bookinfo: 0 created, 0 configured, 16 unchanged/);

  const list = await runCli(['sample', 'list', '-o', 'json'], { env: cached });
  assert.equal(list.code, 0, list.stderr);
  const bookinfo = JSON.parse(list.stdout).find((s: any) => s.name === 'bookinfo');
  assert.ok(bookinfo.deployedIn.includes(ns));
  assert.equal(bookinfo.from, `Istio ${version} release`);

  // something of the user's in the same namespace stays
  await cluster.request('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine' } });
  const del = await runCli(['sample', 'delete', 'bookinfo', '-n', ns, '--timeout', '60s'], { env: cached, timeoutMs: 120_000 });
  assert.equal(del.code, 0, del.stderr);
  assert.match(del.stderr, /16 object\(s\) deleted/);
  for (const ref of record) assert.equal((await get(`${ref.apiVersion === 'v1' ? '/api/v1' : `/apis/${ref.apiVersion}`}/namespaces/${ns}/${ref.kind.toLowerCase()}${ref.kind.endsWith('s') ? 'es' : 's'}/${ref.name}`)).status, 404, `${ref.kind} ${ref.name} deleted`);
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/meshctl-sample-bookinfo`)).status, 404, 'the record too');
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/mine`)).status, 200, 'nothing else');
  const twice = await runCli(['sample', 'delete', 'bookinfo', '-n', ns], { env: cached });
  assert.equal(twice.code, 64);
  assert.match(twice.stderr, /is not deployed in namespace/);
});

test('sample delete leaves a Service that was there before the deploy (same name), and deletes what the deploy created', async () => {
  const ns = await createTestNamespace(cluster, 'preexisting');
  // the user's own Service, with the values the sample sets (different values would be a field conflict, exit 2)
  const theirs = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: ns, labels: { owner: 'me' } }, spec: { ports: [{ port: 8000, name: 'http', targetPort: 8080 }], selector: { app: 'httpbin' } } };
  assert.equal((await cluster.request('POST', `/api/v1/namespaces/${ns}/services`, theirs)).status, 201);
  const deploy = await runCli(['sample', 'deploy', 'httpbin', '-n', ns, '--timeout', '60s'], { env: cached, timeoutMs: 120_000 });
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.match(deploy.stderr, new RegExp(`Service ${ns}/httpbin exists already: it is updated, and left in place when the sample is deleted`));
  const del = await runCli(['sample', 'delete', 'httpbin', '-n', ns, '--timeout', '60s'], { env: cached, timeoutMs: 120_000 });
  assert.equal(del.code, 0, del.stderr);
  const svc = await get(`/api/v1/namespaces/${ns}/services/httpbin`);
  assert.equal(svc.status, 200, 'the Service that was there stays');
  assert.equal(svc.body.metadata.labels.owner, 'me');
  assert.equal((await get(`/apis/apps/v1/namespaces/${ns}/deployments/httpbin`)).status, 404, 'the Deployment the sample created is gone');
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/meshctl-sample-httpbin`)).status, 404, 'and the record');
});

test('without a cached release: bookinfo comes from meshctl\'s own samples, the others say what to download', async () => {
  const ns = await createTestNamespace(cluster, 'own');
  const r = await runCli(['sample', 'deploy', 'bookinfo', '-n', ns, '--timeout', '120s'], { env: empty, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /sample bookinfo from meshctl into namespace/);
  const httpbin = await runCli(['sample', 'deploy', 'httpbin', '-n', ns], { env: empty });
  assert.equal(httpbin.code, 64);
  assert.match(httpbin.stderr, /sample httpbin comes from an Istio release and no release is in meshctl's cache \(meshctl download --version V\)/);
  const unknown = await runCli(['sample', 'deploy', 'nope', '-n', ns], { env: empty });
  assert.equal(unknown.code, 64);
  assert.match(unknown.stderr, /no sample "nope" \(samples: bookinfo, httpbin, curl, sleep, helloworld\)/);
  const curl = await runCli(['sample', 'deploy', 'curl', '-n', ns, '--expose'], { env: cached });
  assert.equal(curl.code, 64, 'curl serves nothing to expose');
  await runCli(['sample', 'delete', 'bookinfo', '-n', ns], { env: empty });
});

test('addons install, list and remove: from the release\'s samples/addons into istio-system, waited for, removed exactly', async () => {
  const hadIstioSystem = (await get('/api/v1/namespaces/istio-system')).status === 200;
  const none = await runCli(['addons', 'install', 'kiali'], { env: empty });
  assert.equal(none.code, 64);
  assert.match(none.stderr, /no release is in meshctl's cache/);
  const r = await runCli(['addons', 'install', 'prometheus', 'kiali', '--timeout', '120s'], { env: cached, timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  for (const d of ['prometheus', 'kiali']) assert.equal((await get(`/apis/apps/v1/namespaces/istio-system/deployments/${d}`)).body.status?.availableReplicas, 1, `${d} available`);
  assert.equal((await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/kiali')).status, 200, 'cluster-scoped objects too');
  const list = await runCli(['addons', 'list', '-o', 'json'], { env: cached });
  assert.deepEqual(JSON.parse(list.stdout).map((a: any) => `${a.name}:${a.installed}`), ['prometheus:true', 'grafana:false', 'jaeger:false', 'kiali:true']);
  const removed = await runCli(['addons', 'remove', '--timeout', '60s'], { env: cached, timeoutMs: 120_000 });
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /addon prometheus: \d+ object\(s\) deleted/);
  assert.match(removed.stderr, /addon kiali: \d+ object\(s\) deleted/);
  assert.equal((await get('/apis/apps/v1/namespaces/istio-system/deployments/kiali')).status, 404);
  assert.equal((await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/kiali')).status, 404);
  if (!hadIstioSystem) {
    // leave the shared cluster as it was: the install tests start from no istio-system
    await cluster.request('DELETE', '/api/v1/namespaces/istio-system');
    await eventually('istio-system gone', async () => (await get('/api/v1/namespaces/istio-system')).status === 404, 120_000);
  }
});

test('images: what the demo install, the addons and bookinfo would pull, from the release\'s own rendering and manifests', async () => {
  const r = await runCli(['images', '--profile', 'demo', '--version', version, '--addons', '--sample', 'bookinfo', '-o', 'json'], { env: cached, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const images: { image: string; users: string[] }[] = JSON.parse(r.stdout);
  const find = (re: RegExp) => images.find((i) => re.test(i.image));
  assert.ok(find(new RegExp(`/pilot:${version.replace(/\./g, '\\.')}$`))?.users.includes('Deployment istio-system/istiod'));
  const proxy = find(new RegExp(`/proxyv2:${version.replace(/\./g, '\\.')}$`));
  assert.ok(proxy?.users.includes('sidecar injection') && proxy.users.includes('Deployment istio-system/istio-ingressgateway'), JSON.stringify(proxy));
  for (const addon of ['prometheus', 'grafana', 'jaeger', 'kiali']) assert.ok(images.some((i) => i.users.some((u) => u.startsWith(`addon ${addon}: `))), addon);
  assert.ok(find(/examples-bookinfo-productpage-v1/)?.users.includes('sample bookinfo: Deployment productpage-v1'));
  const text = await runCli(['images', '--profile', 'minimal', '--version', version], { env: cached, timeoutMs: 120_000 });
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout.trim().split('\n').length, 2, `minimal: istiod and the proxy only\n${text.stdout}`);
});

test('dashboard kiali: a local port on 127.0.0.1 forwarded through the apiserver and the node\'s kubelet (kwok) to the pod\'s port; Ctrl-C ends it; a missing addon is exit 2', async () => {
  const missing = await runCli(['dashboard', 'grafana', '--no-browser'], { env: cached });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /^Error: grafana is not installed in istio-system \(meshctl addons install grafana\)\n$/);
  const hadIstioSystem = (await get('/api/v1/namespaces/istio-system')).status === 200;
  const inst = await runCli(['addons', 'install', 'kiali', '--timeout', '120s'], { env: cached, timeoutMs: 300_000 });
  assert.equal(inst.code, 0, inst.stderr);
  // the pod is simulated (a kwok node) and nothing forwards its port yet: no URL that answers nothing, but why
  const simulated = await runCli(['dashboard', 'kiali', '--port', '0', '--no-browser'], { env: cached });
  assert.equal(simulated.code, 64, simulated.stderr);
  assert.match(simulated.stderr, /^Error: pod istio-system\/kiali-\S+ runs on \S+, a simulated \(kwok\) node: nothing serves its port 20001, so there is no kiali to open on this cluster \(meshctl status, meshctl analyze and meshctl images work here\)\n$/);
  assert.equal(simulated.stdout, '');
  const { createServer } = await import('node:http');
  const kiali = createServer((req, res) => res.end(`kiali stand-in: ${req.method} ${req.url}`));
  await new Promise<void>((r) => kiali.listen(0, '127.0.0.1', () => r()));
  const forward = await cluster.request('POST', '/apis/kwok.x-k8s.io/v1alpha1/clusterportforwards', {
    apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'ClusterPortForward', metadata: { name: 'kiali-stand-in' },
    spec: { selector: { matchNamespaces: ['istio-system'] }, forwards: [{ ports: [20001], target: { address: '127.0.0.1', port: (kiali.address() as any).port } }] },
  });
  assert.equal(forward.status, 201, JSON.stringify(forward.body));
  try {
    const { spawn } = await import('node:child_process');
    const { MESHCTL_BIN } = await import('../helpers/cli.js');
    const child = spawn(process.execPath, [MESHCTL_BIN, 'dashboard', 'kiali', '--port', '0', '--no-browser'], { env: { ...process.env, ...cached }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      await eventually('the dashboard URL', async () => /^http:\/\/localhost:\d+\/kiali\n$/.test(stdout), 20_000);
      assert.match(stderr, /kiali: forwarding 127\.0\.0\.1:\d+ to pod istio-system\/kiali-[a-z0-9-]+:20001; Ctrl-C to stop/);
      // the whole data path: local port → apiserver (the pod's portforward subresource, upgraded) → the fake node's
      // kubelet (kwok's server) → where the ClusterPortForward sends the pod's port 20001: a test server
      const res = await fetch(`${stdout.trim()}?from=test`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'kiali stand-in: GET /kiali?from=test');
      const again = await fetch(stdout.trim());
      assert.equal(await again.text(), 'kiali stand-in: GET /kiali', 'a second connection through the same forward');
      assert.doesNotMatch(stderr, /\n\s+at /);
      child.kill('SIGINT');
      const code = await Promise.race([closed, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
      assert.equal(code, 0, 'Ctrl-C ends it cleanly');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  } finally {
    kiali.close();
    await cluster.request('DELETE', '/apis/kwok.x-k8s.io/v1alpha1/clusterportforwards/kiali-stand-in');
    await runCli(['addons', 'remove', 'kiali'], { env: cached, timeoutMs: 120_000 });
    if (!hadIstioSystem) {
      await cluster.request('DELETE', '/api/v1/namespaces/istio-system');
      await eventually('istio-system gone', async () => (await get('/api/v1/namespaces/istio-system')).status === 404, 120_000);
    }
  }
});
