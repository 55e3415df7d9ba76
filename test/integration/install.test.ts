import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleRelease, mirrorVersion, serveMirror, type Mirror } from '../harness/mirror.js';
import { eventually, testCluster } from '../harness/namespace.js';
import { MESHCTL_BIN, runCli } from '../helpers/cli.js';

const cluster = testCluster();
const version = mirrorVersion();
let mirror: Mirror;
let env: NodeJS.ProcessEnv;

before(async () => {
  const root = mkdtempSync(join(tmpdir(), 'meshctl-mirror-'));
  await assembleRelease(root);
  mirror = await serveMirror(root);
  env = { MESHCTL_MIRROR: mirror.url, MESHCTL_ISTIO_VERSION: version, MESHCTL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-cache-')) };
});
after(() => mirror.close());

const meshctl = (args: string[]) => runCli(args, { env, timeoutMs: 600_000 });

async function inventory(): Promise<any[] | undefined> {
  const res = await cluster.request('GET', '/api/v1/namespaces/istio-system/configmaps/meshctl-inventory');
  return res.status === 200 ? JSON.parse(res.body.data.objects) : undefined;
}

function objectPath(ref: any): string {
  const plural: Record<string, string> = {
    Namespace: 'namespaces', CustomResourceDefinition: 'customresourcedefinitions', ServiceAccount: 'serviceaccounts', ClusterRole: 'clusterroles',
    ClusterRoleBinding: 'clusterrolebindings', Role: 'roles', RoleBinding: 'rolebindings', ConfigMap: 'configmaps', Service: 'services',
    Deployment: 'deployments', MutatingWebhookConfiguration: 'mutatingwebhookconfigurations', ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
    PodDisruptionBudget: 'poddisruptionbudgets', HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  };
  const base = ref.apiVersion === 'v1' ? '/api/v1' : `/apis/${ref.apiVersion}`;
  return `${base}${ref.namespace ? `/namespaces/${ref.namespace}` : ''}/${plural[ref.kind] ?? `${ref.kind.toLowerCase()}s`}/${ref.name}`;
}

async function resourceVersions(refs: any[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const ref of refs) out[objectPath(ref)] = (await cluster.request('GET', objectPath(ref))).body.metadata?.resourceVersion;
  return out;
}

function events(stdout: string): any[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('bad input changes nothing: unknown profile, bad --set, no TTY without -y, unreachable cluster', async () => {
  const unknown = await meshctl(['install', '--profile', 'nope', '-y']);
  assert.equal(unknown.code, 64);
  assert.match(unknown.stderr, /unknown profile "nope" \(known profiles: ambient, default, demo, minimal\)/);
  const badSet = await meshctl(['install', '--profile', 'demo', '--set', 'values.global.nosuch=1', '-y']);
  assert.equal(badSet.code, 64, badSet.stderr);
  assert.match(badSet.stderr, /istioctl rejected the settings: .*nosuch/);
  const noTty = await meshctl(['install', '--profile', 'demo']);
  assert.equal(noTty.code, 1);
  assert.match(noTty.stderr, /no terminal to confirm on \(pass -y/);
  assert.equal((await cluster.request('GET', '/api/v1/namespaces/istio-system')).status, 404, 'nothing applied');
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'meshctl-kc-')), 'config');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9' } }], users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x',
  }));
  const unreachable = await meshctl(['install', '--profile', 'demo', '-y', '--kubeconfig', kubeconfig]);
  assert.equal(unreachable.code, 2, unreachable.stderr);
  assert.match(unreachable.stderr, /cannot reach the cluster at https:\/\/127\.0\.0\.1:9 \(context x\)/);
  assert.doesNotMatch(unreachable.stderr, /\n\s+at /);
  const dry = await meshctl(['install', '--profile', 'demo', '--dry-run=server']);
  assert.equal(dry.code, 0, dry.stderr);
  // other test files may have applied Istio's CRDs already: those are "unchanged", the rest is to create
  const plan = /plan: (\d+) to create, (\d+) to update, (\d+) unchanged, 0 to prune/.exec(dry.stderr);
  assert.ok(plan, dry.stderr);
  assert.equal(Number(plan[1]) + Number(plan[3]), 46, 'namespace + 45 rendered objects planned (42 of the profile, 3 of the default revision tag)');
  assert.ok(Number(plan[1]) >= 28, 'at least everything but the CRDs is to create');
  assert.equal((await cluster.request('GET', '/api/v1/namespaces/istio-system')).status, 404, '--dry-run changes nothing');
});

test('install demo, re-run with zero writes, status, switch to minimal (egress pruned), uninstall', async () => {
  const install = await meshctl(['install', '--profile', 'demo', '-y', '-o', 'json']);
  assert.equal(install.code, 0, install.stderr);
  const ev = events(install.stdout);
  assert.ok(ev.some((e) => e.event === 'succeed' && e.phase === 'gateways'), 'gateways phase reported');
  const inv = (await inventory())!;
  assert.equal(inv.length, 46, 'namespace + 45 rendered objects (the default revision tag included)');
  for (const ref of inv) assert.equal((await cluster.request('GET', objectPath(ref))).status, 200, `${ref.kind} ${ref.name} exists`);
  for (const d of ['istiod', 'istio-ingressgateway', 'istio-egressgateway']) {
    const { body } = await cluster.request('GET', `/apis/apps/v1/namespaces/istio-system/deployments/${d}`);
    assert.ok(body.status.conditions.some((c: any) => c.type === 'Available' && c.status === 'True'), `${d} Available`);
    assert.match(body.spec.template.spec.containers[0].image, new RegExp(`:${version}$`), 'image tag pinned to the release');
    assert.equal(body.metadata.managedFields.some((m: any) => m.manager === 'meshctl' && m.operation === 'Apply'), true, 'server-side applied by meshctl');
  }
  for (const [path, what] of [
    ['/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istiod-default-validator', 'the default validator'],
    ['/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-default', 'the default revision tag'],
  ]) assert.equal((await cluster.request('GET', path)).status, 200, `${what} is installed, as istioctl install does`);
  const ingress = (await cluster.request('GET', '/api/v1/namespaces/istio-system/services/istio-ingressgateway')).body;
  assert.equal(ingress.spec.type, 'NodePort');
  assert.equal(ingress.spec.ports.find((p: any) => p.port === 80).nodePort, 30080, 'fixed node port for Kind');

  const before = await resourceVersions(inv);
  const again = await meshctl(['install', '--profile', 'demo', '-y', '-o', 'json']);
  assert.equal(again.code, 0, again.stderr);
  const done = events(again.stdout).at(-1);
  assert.equal(done.writes, 0, 're-run makes no writes');
  assert.equal(done.applied, 0);
  assert.deepEqual(await resourceVersions(inv), before, 'no resourceVersion changed');

  const healthy = await meshctl(['status', '-o', 'json']);
  assert.equal(healthy.code, 0, healthy.stdout);
  const ver = await meshctl(['version', '-o', 'json']);
  assert.equal(ver.code, 0, ver.stderr);
  const versions = JSON.parse(ver.stdout);
  assert.match(versions.kubernetes, /^v1\.\d+\.\d+/, 'the apiserver\'s version');
  assert.deepEqual(versions.controlPlane, [{ name: 'istiod', revision: 'default', version }], 'istiod\'s version from its image');
  const st = JSON.parse(healthy.stdout);
  assert.equal(st.healthy, true);
  assert.equal(st.version, version);
  assert.equal(st.profile, 'demo');
  const scale = (n: number) => cluster.request('PATCH', '/apis/apps/v1/namespaces/istio-system/deployments/istiod/scale', { spec: { replicas: n } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal((await scale(0)).status, 200);
  const table = await meshctl(['status']);
  assert.equal(table.code, 2, 'unhealthy: exit 2');
  assert.match(table.stdout, /✘ istiod\s+scaled to 0 replicas/);
  assert.match(table.stdout, /mesh unhealthy/);
  await scale(1);
  await eventually('istiod back', async () => (await meshctl(['status'])).code === 0);
  // --wait: a pod that cannot be scheduled is named with the scheduler's reason; the wait ends at its timeout
  // with exit 2, and ends healthy (exit 0) once the pod can run
  const placeIstiod = (nodeSelector: Record<string, string> | null) => cluster.request('PATCH', '/apis/apps/v1/namespaces/istio-system/deployments/istiod',
    { spec: { template: { spec: { nodeSelector } } } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal((await placeIstiod({ 'meshctl-test': 'nowhere' })).status, 200);
  const stuck = await meshctl(['status', '--wait', '--timeout', '6s']);
  assert.equal(stuck.code, 2, stuck.stdout);
  assert.match(stuck.stderr, /^waiting: istiod: /m);
  assert.match(stuck.stderr, /timed out after 6s waiting for the mesh to be healthy/);
  assert.match(stuck.stdout, /pod istio-system\/istiod-\S+: not scheduled: 0\/\d+ nodes are available/);
  assert.equal((await placeIstiod(null)).status, 200);
  const waited = await meshctl(['status', '--wait', '--timeout', '90s']);
  assert.equal(waited.code, 0, waited.stdout + waited.stderr);
  assert.match(waited.stdout, /mesh healthy\n$/);

  const minimal = await meshctl(['install', '--profile', 'minimal', '-y']);
  assert.equal(minimal.code, 0, minimal.stderr);
  assert.match(minimal.stderr, /pruned \d+ objects/);
  assert.equal((await cluster.request('GET', '/apis/apps/v1/namespaces/istio-system/deployments/istio-egressgateway')).status, 404, 'egress gateway pruned');
  assert.equal((await cluster.request('GET', '/apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway')).status, 404, 'ingress gateway pruned');
  assert.equal((await cluster.request('GET', '/apis/apps/v1/namespaces/istio-system/deployments/istiod')).status, 200);
  assert.ok((await inventory())!.every((r) => r.name !== 'istio-egressgateway'));

  const all = (await inventory())!;
  // the Istio CRDs were applied to this shared control plane by other test files before meshctl installed: the
  // inventory records them as pre-existing, and not even --purge deletes what meshctl did not create
  const cm = (await cluster.request('GET', '/api/v1/namespaces/istio-system/configmaps/meshctl-inventory')).body;
  const preexisting: any[] = JSON.parse(cm.data.preexisting ?? '[]');
  const key = (r: any) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
  const uninstall = await meshctl(['uninstall', '--purge', '-y']);
  assert.equal(uninstall.code, 0, uninstall.stderr);
  for (const ref of all) {
    const kept = preexisting.some((p) => key(p) === key(ref));
    assert.equal((await cluster.request('GET', objectPath(ref))).status, kept ? 200 : 404, `${ref.kind} ${ref.name} ${kept ? 'kept (it was there before)' : 'gone'}`);
  }
  assert.ok(preexisting.every((r) => r.kind === 'CustomResourceDefinition'), `only the harness's CRDs were there before: ${preexisting.map(key).join(', ')}`);
  assert.equal(await inventory(), undefined);
  const none = await meshctl(['uninstall', '-y']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no meshctl install found/);
});

test('profile diff renders both profiles with the release\'s istioctl and compares what they install', async () => {
  const diff = await meshctl(['profile', 'diff', 'demo', 'minimal', '-o', 'json']);
  assert.equal(diff.code, 0, diff.stderr);
  const d = JSON.parse(diff.stdout);
  assert.equal(d.version, version);
  for (const gw of ['Deployment istio-system/istio-ingressgateway', 'Deployment istio-system/istio-egressgateway', 'Service istio-system/istio-ingressgateway']) {
    assert.ok(d.onlyInA.includes(gw), `${gw} only in demo: ${JSON.stringify(d.onlyInA)}`);
  }
  // demo turns istiod's autoscaling off; minimal keeps Istio's default HorizontalPodAutoscaler
  assert.deepEqual(d.onlyInB, ['HorizontalPodAutoscaler istio-system/istiod']);
  assert.ok(d.same > 0, 'CRDs and more are the same');
  const text = await meshctl(['profile', 'diff', 'default', 'demo']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^only in demo: Deployment istio-system\/istio-egressgateway$/m);
  assert.match(text.stdout, /^changed: ConfigMap istio-system\/istio$/m, 'demo turns on access logs in the mesh config');
});

test('Ctrl-C in the middle of an install leaves an inventory that covers what was applied; a re-run converges', async () => {
  if (await inventory()) assert.equal((await meshctl(['uninstall', '--purge', '-y'])).code, 0, 'start from no install');
  const child = spawn(process.execPath, [MESHCTL_BIN, 'install', '--profile', 'demo', '-y', '-o', 'json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let signalled = false;
  child.stdout.on('data', (d) => {
    out += d;
    if (!signalled && /"phase":"crds"/.test(out)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const code: number = await new Promise((r) => child.on('close', (c) => r(c ?? -1)));
  assert.ok(signalled, 'interrupted after the CRD phase');
  assert.equal(code, 130, 'an interrupted install exits 130, as a shell reports Ctrl-C');
  const inv = (await inventory())!;
  assert.equal(inv.length, 46, 'the inventory lists every object that may have been applied');
  const rerun = await meshctl(['install', '--profile', 'demo', '-y']);
  assert.equal(rerun.code, 0, rerun.stderr);
  const status = await meshctl(['status']);
  assert.equal(status.code, 0, status.stdout);
  // not --purge: deleting CRDs seconds after creating them can leave them Terminating for good in this
  // kube-apiserver ("could not list instances: storage is (re)initializing"), which is not what this tests
  const uninstall = await meshctl(['uninstall', '-y']);
  assert.equal(uninstall.code, 0, uninstall.stderr);
});

test('the apiserver killed in the middle of an install: the install fails clearly, and a re-run after it is back converges', async () => {
  const { startControlPlane } = await import('../harness/control-plane.js');
  const cp = await startControlPlane({ nodes: 1 });
  try {
    const own = { ...env, KUBECONFIG: cp.kubeconfig };
    const child = spawn(process.execPath, [MESHCTL_BIN, 'install', '--profile', 'demo', '-y', '-o', 'json'], { env: { ...process.env, ...own }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed: Promise<void> | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      if (!killed && /"phase":"crds"/.test(out)) killed = cp.killApiserver();
    });
    child.stderr.on('data', (d) => (err += d));
    const code: number = await new Promise((r) => child.on('close', (c) => r(c ?? -1)));
    assert.ok(killed, 'the apiserver was killed after the CRD phase');
    await killed;
    assert.equal(code, 2, `exit 2 (cluster unreachable): ${err}`);
    assert.match(err, /^Error: cannot reach the cluster at https:\/\/127\.0\.0\.1:\d+ \(context meshctl-test\)/m);
    await cp.startApiserver();
    const rerun = await runCli(['install', '--profile', 'demo', '-y'], { env: own, timeoutMs: 600_000 });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /plan: \d+ to create, \d+ to update, 1[5-9] unchanged|plan: \d+ to create, \d+ to update, [2-9]\d unchanged/, 'what was applied before the crash is unchanged');
    const status = await runCli(['status'], { env: own });
    assert.equal(status.code, 0, status.stdout);
    const again = await runCli(['install', '--profile', 'demo', '-y', '-o', 'json'], { env: own });
    assert.equal(events(again.stdout).at(-1).writes, 0, 'converged: a third run writes nothing');
  } finally {
    await cp.stop();
  }
});

test('a user who may not create what the install needs is stopped before anything is applied', async () => {
  // the harness writes a kubeconfig for kube-scheduler beside the admin one: a real, limited identity
  const { dirname } = await import('node:path');
  const limited = join(dirname(cluster.kubeconfig), 'scheduler.kubeconfig');
  if (await inventory()) assert.equal((await meshctl(['uninstall', '-y'])).code, 0);
  const r = await meshctl(['install', '--profile', 'minimal', '-y', '--kubeconfig', limited]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^Error: you may not create .*customresourcedefinitions\.apiextensions\.k8s\.io.*: ask for cluster-admin rights or use another --context$/m);
  assert.equal((await cluster.request('GET', '/api/v1/namespaces/istio-system')).status === 404 || (await inventory()) === undefined, true, 'nothing applied');
  assert.equal(await inventory(), undefined);
});

test('the ambient profile: the CNI node agent and ztunnel DaemonSets are applied after istiod and become ready on every node', async () => {
  if (await inventory()) assert.equal((await meshctl(['uninstall', '-y'])).code, 0, 'start from no install');
  const install = await meshctl(['install', '--profile', 'ambient', '-y', '-o', 'json']);
  assert.equal(install.code, 0, install.stderr);
  const phases = events(install.stdout).filter((e) => e.event === 'succeed' && e.phase).map((e) => e.phase);
  assert.deepEqual(phases, ['namespace', 'crds', 'config', 'istiod', 'dataplane']);
  const status = JSON.parse((await meshctl(['status', '-o', 'json'])).stdout);
  assert.equal(status.healthy, true, JSON.stringify(status.checks));
  const nodes = (await cluster.request('GET', '/api/v1/nodes')).body.items.length;
  for (const agent of ['istio-cni-node', 'ztunnel']) {
    assert.equal(status.checks.find((c: any) => c.name === `node agent ${agent}`)?.detail, `${nodes}/${nodes} nodes ready`);
  }
  assert.equal((await meshctl(['uninstall', '-y'])).code, 0);
});

test('uninstall leaves what it did not create: a user\'s own istio-system namespace and their cacerts Secret stay, with a notice', async () => {
  if (await inventory()) assert.equal((await meshctl(['uninstall', '--purge', '-y'])).code, 0, 'start from no install');
  for (let i = 0; i < 60 && (await cluster.request('GET', '/api/v1/namespaces/istio-system')).status !== 404; i++) await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await cluster.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } })).status, 201);
  const cacerts = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData: { 'root-cert.pem': 'the user\'s own CA' } };
  assert.equal((await cluster.request('POST', '/api/v1/namespaces/istio-system/secrets', cacerts)).status, 201);
  try {
    const install = await meshctl(['install', '--profile', 'minimal', '-y']);
    assert.equal(install.code, 0, install.stderr);
    const uninstall = await meshctl(['uninstall', '-y']);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    assert.match(uninstall.stderr, /keeping Namespace istio-system: it existed before meshctl installed Istio/);
    assert.match(uninstall.stderr, /deleted (\d+) of \1 objects|deleted \d+ of \d+ objects \(\d+ had gone already/);
    assert.equal((await cluster.request('GET', '/api/v1/namespaces/istio-system')).body.status?.phase, 'Active', 'the namespace stays');
    assert.equal((await cluster.request('GET', '/api/v1/namespaces/istio-system/secrets/cacerts')).status, 200, 'the user\'s cacerts stays');
    assert.equal((await cluster.request('GET', '/apis/apps/v1/namespaces/istio-system/deployments/istiod')).status, 404, 'what meshctl made is gone');
  } finally {
    await cluster.request('DELETE', '/api/v1/namespaces/istio-system');
    for (let i = 0; i < 60 && (await cluster.request('GET', '/api/v1/namespaces/istio-system')).status !== 404; i++) await new Promise((r) => setTimeout(r, 1000));
  }
});

test('two installs at once (demo and minimal) take turns on the install Lease: every live gateway is in the inventory', async () => {
  if (await inventory()) assert.equal((await meshctl(['uninstall', '-y'])).code, 0, 'start from no install');
  for (let i = 0; i < 60 && (await cluster.request('GET', '/api/v1/namespaces/istio-system')).status !== 404; i++) await new Promise((r) => setTimeout(r, 1000));
  const [demo, minimal] = await Promise.all([
    meshctl(['install', '--profile', 'demo', '-y']),
    meshctl(['install', '--profile', 'minimal', '-y']),
  ]);
  assert.equal(demo.code, 0, demo.stderr);
  assert.equal(minimal.code, 0, minimal.stderr);
  assert.match(demo.stderr + minimal.stderr, /waiting for meshctl \S+ pid \d+ [0-9a-f]+, which is changing the Istio install of this cluster \(Lease kube-system\/meshctl-install-istio\)/);
  const inv = (await inventory())!;
  for (const gateway of ['istio-ingressgateway', 'istio-egressgateway']) {
    const live = (await cluster.request('GET', `/apis/apps/v1/namespaces/istio-system/deployments/${gateway}`)).status === 200;
    const listed = inv.some((r: any) => r.kind === 'Deployment' && r.name === gateway);
    assert.equal(live, listed, `${gateway}: live exactly when the inventory lists it`);
  }
  assert.equal((await cluster.request('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/meshctl-install-istio')).status, 404, 'the lease is given back');

  // an addon in istio-system goes first, by its own record, cluster-wide RBAC included (once it went silently with
  // the namespace and its ClusterRole stayed)
  const addon = await meshctl(['addons', 'install', 'prometheus', '--timeout', '120s']);
  assert.equal(addon.code, 0, addon.stderr);
  assert.equal((await cluster.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/prometheus')).status, 200);
  const uninstall = await meshctl(['uninstall', '-y']);
  assert.equal(uninstall.code, 0, uninstall.stderr);
  assert.match(uninstall.stderr, /^- removing addon prometheus first: it runs in istio-system\n✔ addon prometheus: \d+ object\(s\) deleted\n/m);
  assert.match(uninstall.stderr, /^✔ deleted (\d+) of \1 objects; kept \d+ CRDs/m, 'the counts add up');
  assert.equal((await cluster.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/prometheus')).status, 404, 'the addon\'s ClusterRole is gone too');
  assert.equal((await cluster.request('GET', '/api/v1/namespaces/istio-system/configmaps/meshctl-addon-prometheus')).status, 404, 'and its record');
});
