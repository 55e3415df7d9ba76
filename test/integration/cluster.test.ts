/**
 * `meshctl cluster` and `meshctl up/down`: the local provider for real (its control plane in a network namespace
 * of its own inside the test's, reached from here through the relay), and the kind provider with stand-in `kind`
 * and `docker` binaries (test/helpers/stand-in-kind.ts) that check their arguments and config and "create" a
 * cluster by pointing context kind-NAME at a fresh real control plane.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KIND_DEFAULT_IMAGES } from '../../src/providers/kind.js';
import { processesInNamespace } from '../../src/cluster/processes.js';
import { startControlPlane, kubeRequesterFromKubeconfig } from '../harness/control-plane.js';
import { assembleRelease, mirrorVersion, serveMirror, type Mirror } from '../harness/mirror.js';
import { MESHCTL_BIN, runCli } from '../helpers/cli.js';
import { standIns } from '../helpers/stand-in-kind.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const readYaml = (p: string) => parse(readFileSync(p, 'utf8'));
/** Whether the process runs (a zombie does not: the test runner, pid 1 of its namespace, reaps no orphans). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Processes whose command line names `text` (the cluster's state directory). */
const processesNaming = (text: string) => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
  try {
    return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
  } catch {
    return false;
  }
});

/** A request to the apiserver with nothing but the kubeconfig's embedded credentials (no kubectl, no meshctl). */
function apiWithKubeconfig(
  kubeconfig: string, context: string, method: string, path: string, body?: unknown, token?: string,
): Promise<{ status: number; body: any }> {
  const kc = readYaml(kubeconfig);
  const ctx = kc.contexts.find((c: any) => c.name === context).context;
  const cluster = kc.clusters.find((c: any) => c.name === ctx.cluster).cluster;
  const user = kc.users.find((u: any) => u.name === ctx.user).user;
  const b = (s: string) => Buffer.from(s, 'base64');
  // with a token, the token alone is the credential
  const tls = { ca: b(cluster['certificate-authority-data']), ...(token ? {} : { cert: b(user['client-certificate-data']), key: b(user['client-key-data']) }) };
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.server}${path}`, { method, ...tls, headers, timeout: 20_000 }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
const getWithKubeconfig = (kubeconfig: string, context: string, path: string) => apiWithKubeconfig(kubeconfig, context, 'GET', path);

const refused = (port: number) => new Promise<boolean>((resolve) => {
  const s = connect(port, '127.0.0.1');
  s.on('connect', () => {
    s.destroy();
    resolve(false);
  });
  s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
});

test('local provider: create from nothing, the API from the host side with the kubeconfig alone, list, delete leaves nothing behind', async () => {
  const state = tmp('meshctl-state-');
  const kubeconfig = join(tmp('meshctl-kc-'), 'config');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: prod, cluster: {server: "https://prod.invalid"}}]\nusers: [{name: prod, user: {token: t}}]\n' +
    'contexts: [{name: prod, context: {cluster: prod, user: prod}}]\ncurrent-context: prod\n');
  const env = { MESHCTL_STATE_DIR: state, KUBECONFIG: kubeconfig, MESHCTL_CACHE_DIR: tmp('meshctl-cache-') };
  // two creates of one name at once: one creates, the other waits for it and then finds the cluster there
  const [create, rival] = await Promise.all([
    runCli(['cluster', 'create', 'lc1', '--provider', 'local', '--workers', '1'], { env, timeoutMs: 300_000 }),
    new Promise((r) => setTimeout(r, 300)).then(() => runCli(['cluster', 'create', 'lc1', '--provider', 'local', '--workers', '1'], { env, timeoutMs: 300_000 })),
  ]);
  assert.equal(create.code, 0, create.stderr);
  assert.equal(rival.code, 64, rival.stderr);
  assert.match(rival.stderr, /local cluster lc1 already exists/);
  assert.match(create.stderr, /local cluster lc1 is up: apiserver https:\/\/127\.0\.0\.1:\d+, context meshctl-local-lc1/);
  const kc = readYaml(kubeconfig);
  assert.equal(kc['current-context'], 'meshctl-local-lc1');
  assert.deepEqual(kc.contexts.map((c: any) => c.name), ['prod', 'meshctl-local-lc1'], 'the other context is kept');

  const nodes = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc1', '/api/v1/nodes');
  assert.equal(nodes.status, 200);
  assert.equal(nodes.body.items.length, 2, 'the control-plane node and one worker');
  // the apiserver itself listens in the cluster's own network namespace: from here only the relay reaches it
  const dir = join(state, 'local-clusters', 'lc1');
  const inside = Number(new URL(JSON.parse(readFileSync(join(dir, 'plane.json'), 'utf8')).server).port);
  assert.equal(await refused(inside), true, `the apiserver's own port ${inside} is not reachable from the host side`);

  const list = await runCli(['cluster', 'list', '-o', 'json'], { env });
  const row = JSON.parse(list.stdout).find((r: any) => r.name === 'lc1');
  assert.deepEqual({ ...row, server: undefined }, { name: 'lc1', provider: 'local', status: 'running', context: 'meshctl-local-lc1', server: undefined });
  const again = await runCli(['cluster', 'create', 'lc1', '--provider', 'local'], { env, timeoutMs: 60_000 });
  assert.equal(again.code, 64);
  assert.match(again.stderr, /local cluster lc1 already exists/);

  // private: nothing under the state dir is readable or writable by anyone but its owner, and a second user
  // (nobody) cannot read the service-account signing key or the logs
  const loose: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) continue;
      if ((lstatSync(p).mode & 0o077) !== 0) loose.push(`${p} ${(lstatSync(p).mode & 0o777).toString(8)}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(state);
  assert.deepEqual(loose, [], 'every file and directory under the state dir is its owner\'s alone');
  for (const f of [join(dir, 'control-plane', 'sa.key'), join(dir, 'control-plane', 'logs', 'kube-apiserver.log'), join(dir, 'supervisor.log')]) {
    const cat = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'cat', f]);
    assert.notEqual(cat.status, 0, `nobody cannot read ${f}`);
  }

  // a token of a service account that was deleted and made again: the apiserver refuses it and logs both UIDs, which
  // the log file must not keep (the real one is what a forged token needs)
  const api = (method: string, path: string, body?: unknown, token?: string) => apiWithKubeconfig(kubeconfig, 'meshctl-local-lc1', method, path, body, token);
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'probe', namespace: 'default' } };
  assert.equal((await api('POST', '/api/v1/namespaces/default/serviceaccounts', sa)).status, 201);
  const token = (await api('POST', '/api/v1/namespaces/default/serviceaccounts/probe/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })).body.status.token;
  assert.equal((await api('DELETE', '/api/v1/namespaces/default/serviceaccounts/probe')).status, 200);
  const remade = (await api('POST', '/api/v1/namespaces/default/serviceaccounts', sa)).body.metadata.uid;
  assert.equal((await api('GET', '/api/v1/namespaces', undefined, token)).status, 401);
  const apiserverLog = join(dir, 'control-plane', 'logs', 'kube-apiserver.log');
  let logged = '';
  for (let i = 0; i < 20 && !/does not match claim/.test(logged); i++) {
    await new Promise((r) => setTimeout(r, 250));
    logged = readFileSync(apiserverLog, 'utf8');
  }
  assert.match(logged, /service account UID \(<uid>\) does not match claim \(<uid>\)/, 'the refusal is logged, without the UIDs');
  assert.equal(logged.includes(remade), false, 'the service account\'s real UID is not in the log');
  assert.equal(logged.includes(token.split('.')[2]), false, 'nor the token');

  // the release mirror answers anyone on the machine: a request that does not decode must not end the supervisor
  const { mirror: mirrorUrl } = JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8'));
  assert.equal((await fetch(`${mirrorUrl}/%`)).status, 400);
  assert.equal((await fetch(`${mirrorUrl}/releases.json`)).status, 200, 'the mirror still serves');

  // a component that dies is started again by the plane: the apiserver, killed, answers again through the relay
  const ready = JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8'));
  const apiserver = processesInNamespace(ready.plane.pidNamespace).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'kube-apiserver');
  assert.ok(apiserver, 'the apiserver runs in the cluster\'s own PID namespace');
  // a stopped apiserver: the processes run but the cluster does not answer, and the list says so (measured, not recorded)
  process.kill(apiserver, 'SIGSTOP');
  try {
    const stalled = JSON.parse((await runCli(['cluster', 'list', '-o', 'json'], { env })).stdout).find((r: any) => r.name === 'lc1');
    assert.equal(stalled.status, 'unhealthy');
  } finally {
    process.kill(apiserver, 'SIGCONT');
  }
  process.kill(apiserver, 'SIGKILL');
  let status = '';
  for (let i = 0; i < 90 && status !== 'running'; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    status = JSON.parse((await runCli(['cluster', 'list', '-o', 'json'], { env })).stdout).find((r: any) => r.name === 'lc1')?.status;
  }
  assert.equal(status, 'running', 'the apiserver was restarted');
  assert.match(readFileSync(join(dir, 'supervisor.log'), 'utf8'), /kube-apiserver ended \(SIGKILL\); starting it again \(1 of 5\)/);
  assert.equal((await getWithKubeconfig(kubeconfig, 'meshctl-local-lc1', '/api/v1/nodes')).status, 200, 'the same credentials work after the restart');

  const supervisor = ready.supervisor.pid;
  assert.ok(processesNaming(dir).length >= 3, 'supervisor, unshare and the plane run');
  const del = await runCli(['cluster', 'delete', 'lc1'], { env, timeoutMs: 120_000 });
  assert.equal(del.code, 0, del.stderr);
  assert.match(del.stderr, /local cluster lc1 deleted, with its context/);
  assert.equal(alive(supervisor), false);
  const left = processesNaming(dir).map((p) => `${readFileSync(`/proc/${p}/stat`, 'utf8').slice(0, 60)} ${readFileSync(`/proc/${p}/cmdline`, 'utf8').slice(0, 200)}`);
  assert.deepEqual(left, [], 'no process of the cluster is left');
  assert.equal(existsSync(dir), false, 'its state is removed');
  const after = readYaml(kubeconfig);
  assert.deepEqual(after.contexts.map((c: any) => c.name), ['prod']);
  assert.equal(after['current-context'], '');
  const gone = await runCli(['cluster', 'delete', 'lc1', '--provider', 'local'], { env });
  assert.equal(gone.code, 0);
  assert.match(gone.stderr, /no cluster named lc1 \(provider local\): nothing to delete/);
});

test('local provider on a full disk: create says so (exit 2), stops what it started, and leaves nothing on the disk', async () => {
  // the state directory is a small tmpfs in a mount namespace of the command's own: 2 MiB has no room for the
  // cluster's release (29 MB), 45 MiB has room for it but not for etcd's write-ahead log (64 MB preallocated)
  for (const [size, expected] of [
    ['2m', /^Error: cannot assemble the local cluster's release in \S+: no space left on the device \(free some space, or set MESHCTL_STATE_DIR to a disk with room\); nothing was kept$/m],
    ['45m', /^Error: local cluster full did not start: no space left on the device for \S+ \(etcd alone needs about 64 MB; free some space, or set MESHCTL_STATE_DIR to a disk with room\); nothing was kept$/m],
  ] as const) {
    const small = tmp('meshctl-smallfs-');
    const script = `mount -t tmpfs -o size=${size},mode=700 tmpfs "$0" && "$1" "$2" cluster create full --provider local; rc=$?; ` +
      'echo "clusters: $(find "$0/local-clusters" -mindepth 1 2>/dev/null | wc -l) running: $(ps -eo args | grep -c "[s]tate $0/")"; exit $rc';
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script, small, process.execPath, MESHCTL_BIN], {
      env: { ...process.env, MESHCTL_STATE_DIR: small, KUBECONFIG: join(tmp('meshctl-kc-'), 'config'), NO_COLOR: '1' }, encoding: 'utf8', timeout: 240_000,
    });
    assert.equal(r.status, 2, `${size}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.match(r.stdout, /^clusters: 0 running: 0$/m, `${size}: nothing of the cluster left, nothing of it running`);
  }
});

test('up --provider local: from nothing to a healthy mesh with bookinfo; a re-run changes nothing; down removes the cluster', async () => {
  const state = tmp('meshctl-state-');
  const kubeconfig = join(tmp('meshctl-kc-'), 'config');
  const env = { MESHCTL_STATE_DIR: state, KUBECONFIG: kubeconfig, MESHCTL_CACHE_DIR: tmp('meshctl-cache-') };
  const first = await runCli(['up', '--provider', 'local', '--name', 'lc2', '--timeout', '3m'], { env, timeoutMs: 600_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^changed: cluster, install, injection, sample$/m);
  assert.match(first.stdout, /meshctl split v1=90 v2=10 -n bookinfo --apply/);
  assert.match(first.stderr, /release: Istio .* from the local cluster's mirror http:\/\/127\.0\.0\.1:\d+/);
  assert.match(first.stderr, /ingress gateway: NodePort Service .*: a local cluster \(context meshctl-local-lc2\)/);
  assert.match(first.stderr, /status: mesh healthy/);
  const ingress = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/api/v1/namespaces/istio-system/services/istio-ingressgateway');
  assert.equal(ingress.body.spec.type, 'NodePort');
  const productpage = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/apis/apps/v1/namespaces/bookinfo/deployments/productpage-v1');
  assert.equal(productpage.body.status.readyReplicas, 1);
  // the cluster's real istiod injected the sidecar through its webhook
  const pods = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/api/v1/namespaces/bookinfo/pods?labelSelector=app%3Dproductpage');
  const containers = pods.body.items[0].spec.containers.map((c: any) => c.name);
  assert.ok(containers.includes('istio-proxy'), `productpage has istio's sidecar: ${containers.join(', ')}`);
  // and its validating webhook refuses what istiod refuses, with istiod's message
  const badGateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'empty', namespace: 'bookinfo' }, spec: { selector: { istio: 'ingressgateway' } } };
  let refusal = { status: 0, body: {} as any };
  for (let i = 0; i < 60 && refusal.status !== 400; i++) {
    refusal = await apiWithKubeconfig(kubeconfig, 'meshctl-local-lc2', 'POST', '/apis/networking.istio.io/v1/namespaces/bookinfo/gateways?dryRun=All', badGateway);
    if (refusal.status !== 400) await new Promise((r) => setTimeout(r, 1000));
  }
  assert.equal(refusal.status, 400, JSON.stringify(refusal.body));
  assert.match(refusal.body.message, /admission webhook "[^"]*validation\.istio\.io" denied the request: .*gateway must have at least one server/);
  const vs = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/productpage-ingress');
  assert.deepEqual(vs.body.spec.gateways, ['bookinfo-gateway'], 'exposed through the ingress gateway');

  const second = await runCli(['up', '--provider', 'local', '--name', 'lc2', '-o', 'json'], { env, timeoutMs: 300_000 });
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  assert.deepEqual(summary.changed, [], 'a second run changes nothing');
  assert.equal(summary.healthy, true);
  assert.match(second.stderr, /plan: 0 to create, 0 to update, \d+ unchanged, 0 to prune/);
  assert.match(second.stderr, /sample bookinfo: 0 created, 0 configured, 16 unchanged/);

  // install, images and profile diff take the release the cluster serves (offline here: the network has only loopback),
  // as sample and up do; with an empty cache too, from the local cluster's mirror
  const fresh = { ...env, MESHCTL_CACHE_DIR: tmp('meshctl-cache-') };
  const images = await runCli(['images', '--profile', 'demo'], { env: fresh, timeoutMs: 120_000 });
  assert.equal(images.code, 0, images.stderr);
  assert.match(images.stderr, /^release: Istio \S+, the local cluster lc2's mirror \(--version chooses another\)$/m);
  assert.match(images.stdout, /pilot/);
  const pdiff = await runCli(['profile', 'diff', 'default', 'demo'], { env, timeoutMs: 120_000 });
  assert.equal(pdiff.code, 0, pdiff.stderr);
  const reinstall = await runCli(['install', '--profile', 'demo', '-y'], { env, timeoutMs: 300_000 });
  assert.equal(reinstall.code, 0, reinstall.stderr);
  assert.match(reinstall.stderr, /nothing to change: the installed control plane matches the profile/);

  // the card's command, as up suggests it: the service is the one whose pods are v1 and v2 (reviews), and the
  // analyzers, run on the change over the live cluster before it is written, find nothing it would bring
  const split = await runCli(['split', 'v1=90', 'v2=10', '-n', 'bookinfo', '--apply'], { env });
  assert.equal(split.code, 0, split.stderr);
  assert.equal(split.stdout, 'virtualservice.networking.istio.io/reviews created\ndestinationrule.networking.istio.io/reviews created\n');
  const reviews = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews');
  assert.deepEqual(reviews.body.spec.http[0].route.map((d: any) => `${d.destination.subset}=${d.weight}`), ['v1=90', 'v2=10']);

  // the study workflow on bookinfo, each step applied after the analyzers found nothing it would bring
  const steps = [
    ['split', 'v1=50', 'v2=50'],
    ['route', 'reviews', '--match', 'header:end-user=jason', '--to', 'v2', '--default', 'v1'],
    ['retry', 'reviews', '--attempts', '3', '--per-try-timeout', '2s'],
    ['timeout', 'reviews', '10s'],
    ['fault', 'ratings', '--delay', '7s', '--percent', '100', '--match', 'header:end-user=jason'],
    ['fault', 'ratings', '--abort', '500', '--percent', '10'],
    ['mirror', 'reviews', '--to', 'v3', '--percent', '20'],
    ['circuit-break', 'reviews'],
    ['mtls', 'strict'],
    ['authz', 'deny-all'],
    ['authz', 'allow', '--to', 'app=productpage', '--from-namespace', 'istio-system', '--methods', 'GET'],
    // the README's expose: attached to bookinfo's own Gateway, bookinfo's routes kept (it used to make a second
    // Gateway on port 80 and move the routes onto it: /login and /logout gone, IST0145 twice)
    ['expose', 'productpage', '--port', '9080', '--exact-path', '/productpage', '--path', '/static', '--path', '/api/v1/products'],
  ];
  for (const step of steps) {
    const r = await runCli([...step, '-n', 'bookinfo', '--apply'], { env });
    assert.equal(r.code, 0, `${step.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /^Error \[/m, `${step.join(' ')}: no error the change would bring`);
  }
  const ratings = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/ratings');
  assert.deepEqual(ratings.body.spec.http.at(-1).fault, { abort: { httpStatus: 500, percentage: { value: 10 } } });
  assert.deepEqual(ratings.body.spec.http[0].fault, { delay: { fixedDelay: '7s', percentage: { value: 100 } }, abort: { httpStatus: 500, percentage: { value: 10 } } },
    'the abort is added to every route, and the jason route keeps its delay');
  const gateways = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/apis/networking.istio.io/v1/namespaces/bookinfo/gateways');
  assert.deepEqual(gateways.body.items.map((g: any) => g.metadata.name), ['bookinfo-gateway'], 'no second Gateway');
  const exposed = await getWithKubeconfig(kubeconfig, 'meshctl-local-lc2', '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/productpage-ingress');
  assert.deepEqual(exposed.body.spec.gateways, ['bookinfo-gateway']);
  const paths = exposed.body.spec.http.flatMap((r: any) => (r.match ?? []).map((m: any) => m.uri?.exact ?? m.uri?.prefix));
  for (const p of ['/productpage', '/static', '/login', '/logout', '/api/v1/products']) assert.ok(paths.includes(p), `${p} is still routed: ${paths.join(' ')}`);
  const analyzed = await runCli(['analyze', '-n', 'bookinfo', '--failure-threshold', 'Error'], { env });
  assert.equal(analyzed.code, 0, `analyze finds no error after the workflow: ${analyzed.stderr}`);

  const dir = join(state, 'local-clusters', 'lc2');
  const down = await runCli(['down', '--provider', 'local', '--name', 'lc2'], { env, timeoutMs: 120_000 });
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, /removed: local cluster lc2/);
  const described = (pids: string[]) => pids.map((p) => {
    try {
      return `${readFileSync(`/proc/${p}/stat`, 'utf8').slice(0, 60)} ${readFileSync(`/proc/${p}/cmdline`, 'utf8').slice(0, 200)}`;
    } catch {
      return `${p} (ended while being described)`;
    }
  });
  assert.deepEqual(described(processesNaming(dir)), [], 'no process of the cluster is left');
  assert.equal(existsSync(dir), false);
  assert.deepEqual(readYaml(kubeconfig).contexts, []);
  const list = await runCli(['cluster', 'list', '-o', 'json'], { env });
  assert.deepEqual(JSON.parse(list.stdout), []);
});

let mirror: Mirror;
before(async () => {
  const root = tmp('meshctl-mirror-');
  await assembleRelease(root);
  mirror = await serveMirror(root);
});
after(() => mirror.close());

test('kind provider (stand-in kind and docker): create with meshctl\'s config, up installs with a NodePort ingress, a re-run changes nothing, down deletes', async () => {
  const cp = await startControlPlane({ nodes: 1 });
  try {
    const s = standIns({ kind: true, docker: 'up', target: cp.kubeconfig, expectImage: KIND_DEFAULT_IMAGES['v0.32.0'] });
    const kubeconfig = join(tmp('meshctl-kc-'), 'config');
    const env = {
      ...s.env, KUBECONFIG: kubeconfig, MESHCTL_STATE_DIR: tmp('meshctl-state-'), MESHCTL_CACHE_DIR: tmp('meshctl-cache-'),
      MESHCTL_MIRROR: mirror.url, MESHCTL_ISTIO_VERSION: mirrorVersion(),
    };
    const up = await runCli(['up', '--name', 'k1', '--no-sample', '--addons', 'prometheus', '--timeout', '3m'], { env, timeoutMs: 600_000 });
    assert.equal(up.code, 0, up.stderr);
    const calls = readFileSync(join(s.state, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const create = calls.find((c) => c[0] === 'create');
    assert.deepEqual(create.slice(0, 4), ['create', 'cluster', '--name', 'k1']);
    assert.equal(create[4], '--config');
    const config = readYaml(join(s.state, 'config-k1.yaml'));
    assert.equal(config.nodes[0].image, KIND_DEFAULT_IMAGES['v0.32.0'], 'kind v0.32.0\'s own image, pinned by digest');
    assert.match(up.stderr, /kind: Ensuring node image \(kindest\/node:v1\.36\.1\)/, 'kind\'s progress shown');
    assert.match(up.stderr, /kind cluster k1 is up: context kind-k1/);
    assert.match(up.stderr, /ingress gateway: NodePort Service with node ports 30080 \(http\), 30443 \(https\), 30021 \(status\): a Kind cluster \(context kind-k1\)/);
    assert.match(up.stdout, /^changed: cluster, install, addons$/m);
    assert.equal(readYaml(kubeconfig)['current-context'], 'kind-k1');
    const api = kubeRequesterFromKubeconfig(cp.kubeconfig).request;
    const svc = await api('GET', '/api/v1/namespaces/istio-system/services/istio-ingressgateway');
    assert.equal(svc.body.spec.type, 'NodePort');
    assert.equal(svc.body.spec.ports.find((p: any) => p.port === 80).nodePort, 30080, 'the node port kind maps to localhost:80');
    assert.equal((await api('GET', '/apis/apps/v1/namespaces/istio-system/deployments/prometheus')).status, 200);

    const list = await runCli(['cluster', 'list', '-o', 'json'], { env });
    assert.deepEqual(JSON.parse(list.stdout), [{ name: 'k1', provider: 'kind', status: 'running', context: 'kind-k1' }]);
    const second = await runCli(['up', '--name', 'k1', '--no-sample', '--addons', 'prometheus'], { env, timeoutMs: 300_000 });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^nothing changed: everything was already up$/m);
    assert.match(second.stderr, /cluster: kind cluster k1 exists \(context kind-k1\)/);
    assert.equal(readFileSync(join(s.state, 'calls.log'), 'utf8').split('\n').filter((l) => l.includes('"create"')).length, 1, 'kind create ran once');
    const exists = await runCli(['cluster', 'create', 'k1'], { env });
    assert.equal(exists.code, 64);
    assert.match(exists.stderr, /kind cluster k1 already exists/);

    // up's record names the cluster by its identity: a cluster of that name made since (another kube-system UID) is
    // never deleted by it
    const recordFile = join(env.MESHCTL_STATE_DIR, 'up', 'kind-k1.json');
    const record = readFileSync(recordFile, 'utf8');
    assert.match(JSON.parse(record).clusterUid, /^[0-9a-f-]{36}$/, 'up recorded the cluster\'s UID');
    writeFileSync(recordFile, JSON.stringify({ ...JSON.parse(record), clusterUid: '00000000-0000-0000-0000-000000000000' }));
    const refused = await runCli(['down', '--name', 'k1'], { env, timeoutMs: 120_000 });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /kind cluster k1 was made after up's \(another cluster UID\): nothing removed/);
    assert.ok(!readFileSync(join(s.state, 'calls.log'), 'utf8').includes('"delete"'), 'kind delete was not called');
    assert.equal((await api('GET', '/apis/apps/v1/namespaces/istio-system/deployments/prometheus')).status, 200, 'nothing in it was removed');
    writeFileSync(recordFile, record);

    const down = await runCli(['down', '--name', 'k1'], { env, timeoutMs: 120_000 });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /kind cluster k1 deleted, with its context kind-k1/);
    assert.ok(readFileSync(join(s.state, 'calls.log'), 'utf8').includes('["delete","cluster","--name","k1"]'));
    assert.deepEqual(readYaml(kubeconfig).contexts, []);

    // another Kubernetes version: kind gets that tag, and meshctl says it is not pinned
    const other = standIns({ kind: true, docker: 'up', target: cp.kubeconfig });
    const r = await runCli(['cluster', 'create', 'k2', '--workers', '2', '--kubernetes-version', '1.35.0'], { env: { ...env, ...other.env, STANDIN_KIND_EXPECT_IMAGE: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /node image kindest\/node:v1\.35\.0 by tag, not pinned/);
    const cfg = readYaml(join(other.state, 'config-k2.yaml'));
    assert.deepEqual(cfg.nodes.map((n: any) => `${n.role} ${n.image}`), ['control-plane kindest/node:v1.35.0', 'worker kindest/node:v1.35.0', 'worker kindest/node:v1.35.0']);
  } finally {
    await cp.stop();
  }
});
