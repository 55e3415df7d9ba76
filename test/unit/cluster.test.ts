import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KIND_DEFAULT_IMAGES, kindConfig, nodeImage, parseKindVersion } from '../../src/providers/kind.js';
import { clusterFlavour } from '../../src/cluster/flavour.js';
import { addToKubeconfig, kubeconfigPath, removeFromKubeconfig, withEntry, withoutEntry } from '../../src/cluster/kubeconfig.js';
import { meshctl } from '../helpers/cli.js';
import { standIns } from '../helpers/stand-in-kind.js';

test('kind config: the control plane labelled ingress-ready, host 80/443/15021 mapped to the ingress node ports, workers, the image on every node', () => {
  const cfg = parse(kindConfig({ name: 'mesh', workers: 2, image: KIND_DEFAULT_IMAGES['v0.32.0'] }));
  assert.equal(cfg.kind, 'Cluster');
  assert.equal(cfg.apiVersion, 'kind.x-k8s.io/v1alpha4');
  assert.equal(cfg.name, 'mesh');
  assert.deepEqual(cfg.nodes.map((n: any) => n.role), ['control-plane', 'worker', 'worker']);
  for (const n of cfg.nodes) assert.equal(n.image, KIND_DEFAULT_IMAGES['v0.32.0']);
  assert.match(cfg.nodes[0].kubeadmConfigPatches[0], /kind: InitConfiguration[\s\S]*node-labels: "ingress-ready=true"/);
  assert.deepEqual(cfg.nodes[0].extraPortMappings, [
    { containerPort: 30080, hostPort: 80, protocol: 'TCP' },
    { containerPort: 30443, hostPort: 443, protocol: 'TCP' },
    { containerPort: 30021, hostPort: 15021, protocol: 'TCP' },
  ]);
  const plain = parse(kindConfig({ name: 'x', workers: 0 }));
  assert.equal(plain.nodes.length, 1);
  assert.equal(plain.nodes[0].image, undefined, 'no image: kind\'s own default');
});

test('node image: the kind release\'s default pinned by digest; another Kubernetes version by tag, said to be unpinned', () => {
  assert.equal(parseKindVersion('kind v0.32.0 go1.26.0 linux/amd64'), 'v0.32.0');
  assert.equal(parseKindVersion('something else'), undefined);
  const dflt = nodeImage('v0.32.0');
  assert.equal(dflt.pinned, true);
  assert.match(dflt.image!, /^kindest\/node:v1\.36\.1@sha256:[0-9a-f]{64}$/);
  assert.deepEqual(nodeImage('v0.32.0', '1.36.1'), dflt, 'the same version, with or without v');
  const other = nodeImage('v0.32.0', '1.35.0');
  assert.equal(other.image, 'kindest/node:v1.35.0');
  assert.equal(other.pinned, false);
  assert.match(other.note, /not pinned: kind v0\.32\.0's own image is v1\.36\.1/);
  const unknownKind = nodeImage('v0.99.0');
  assert.equal(unknownKind.image, undefined);
  assert.match(unknownKind.note, /knows no digest/);
  assert.throws(() => nodeImage('v0.32.0', 'latest'), /--kubernetes-version "latest": expected a release such as 1\.36\.1/);
});

test('cluster flavour: Kind by node providerID or context, local by context or kwok nodes, anything else is other', () => {
  const node = (name: string, extra: any = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) }, spec: extra.spec ?? {} });
  assert.equal(clusterFlavour('prod', [node('n', { spec: { providerID: 'kind://docker/mesh/mesh-control-plane' } })]).flavour, 'kind');
  assert.equal(clusterFlavour('kind-mesh', []).flavour, 'kind');
  assert.equal(clusterFlavour('meshctl-local-mesh', []).flavour, 'local');
  assert.equal(clusterFlavour('ci', [node('k', { annotations: { 'kwok.x-k8s.io/node': 'fake' } })]).flavour, 'local');
  const other = clusterFlavour('gke_prod', [node('n', { spec: { providerID: 'gce://p/z/n' } })]);
  assert.equal(other.flavour, 'other');
  assert.match(other.why, /neither Kind nor local/);
});

test('kubeconfig: an entry is added beside the others and made current; removing it keeps the others and unsets current', async () => {
  const doc = { apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'prod', cluster: { server: 'https://prod' } }], users: [{ name: 'prod', user: { token: 't' } }],
    contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'prod' } }], 'current-context': 'prod', preferences: { colors: true } };
  const entry = { name: 'meshctl-local-a', server: 'https://127.0.0.1:1234', ca: 'CA', cert: 'CERT', key: 'KEY', namespace: 'default' };
  const added = withEntry(doc, entry);
  assert.equal(added['current-context'], 'meshctl-local-a');
  assert.deepEqual(added.contexts!.map((c) => c.name), ['prod', 'meshctl-local-a']);
  assert.deepEqual((added.clusters![1] as any).cluster, { server: 'https://127.0.0.1:1234', 'certificate-authority-data': Buffer.from('CA').toString('base64') });
  assert.deepEqual(added.preferences, { colors: true });
  assert.equal(withEntry(added, { ...entry, server: 'https://127.0.0.1:9' }).clusters!.length, 2, 'the same name is replaced, not repeated');
  const removed = withoutEntry(added, 'meshctl-local-a');
  assert.deepEqual(removed.contexts!.map((c) => c.name), ['prod']);
  assert.equal(removed['current-context'], '');
  assert.equal(withoutEntry(doc, 'other')['current-context'], 'prod');

  const dir = mkdtempSync(join(tmpdir(), 'meshctl-kc-'));
  assert.equal(kubeconfigPath(undefined, { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'b')}`, HOME: dir }), join(dir, 'a'), '$KUBECONFIG\'s first file, as kind');
  assert.equal(kubeconfigPath(undefined, { HOME: dir }), join(dir, '.kube', 'config'));
  const file = join(dir, '.kube', 'config');
  await addToKubeconfig(file, entry);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only: it holds a client key');
  assert.equal(parse(readFileSync(file, 'utf8'))['current-context'], 'meshctl-local-a');
  assert.equal(await removeFromKubeconfig(file, 'meshctl-local-a'), true);
  assert.equal(await removeFromKubeconfig(file, 'meshctl-local-a'), false);
  writeFileSync(join(dir, 'bad'), 'clusters: [\n  token: secret-value\n');
  await assert.rejects(addToKubeconfig(join(dir, 'bad'), entry), (err: Error) => /is not valid YAML/.test(err.message) && !err.message.includes('secret-value'));
  assert.equal(existsSync(join(dir, 'nope')), false);
});

test('cluster create --provider kind: a missing kind, a missing or stopped container engine each end with a hint (exit 64)', async () => {
  const noKind = standIns({ docker: 'up' });
  const r1 = await meshctl(['cluster', 'create'], { env: noKind.env });
  assert.equal(r1.code, 64, r1.stderr);
  assert.match(r1.stderr, /kind is not installed: see https:\/\/kind\.sigs\.k8s\.io\/.*use --provider local/);
  const noEngine = standIns({ kind: true });
  const r2 = await meshctl(['cluster', 'create'], { env: noEngine.env });
  assert.equal(r2.code, 64, r2.stderr);
  assert.match(r2.stderr, /neither docker nor podman is installed/);
  const stopped = standIns({ kind: true, docker: 'down' });
  const r3 = await meshctl(['cluster', 'create'], { env: stopped.env });
  assert.equal(r3.code, 64, r3.stderr);
  assert.match(r3.stderr, /docker is installed but not running \(docker info: Cannot connect to the Docker daemon.*\): start it, or use --provider local/);
  for (const r of [r1, r2, r3]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(readFileSync(join(stopped.state, 'calls.log'), 'utf8').split('\n').filter(Boolean).every((l) => !l.includes('create')), true, 'kind create never ran');
});

test('cluster and up refuse bad flags before touching anything', async () => {
  const s = standIns({ kind: true, docker: 'up' });
  for (const [args, re] of [
    [['cluster', 'create', 'Bad_Name'], /cluster name "Bad_Name" is not a valid DNS-1123 label/],
    [['cluster', 'create', '--workers', 'many'], /--workers "many": expected a number from 0 to 10/],
    [['cluster', 'create', '--provider', 'minikube'], /argument 'minikube' is invalid/],
    [['cluster', 'create', '--provider', 'local', '--kubernetes-version', '1.35.0'], /--kubernetes-version is for --provider kind/],
    [['up', '--sample', 'nope'], /no sample "nope"/],
    [['up', '--addons', 'grafana,loki'], /loki/],
    [['up', '--profile', 'huge'], /unknown profile "huge"/],
  ] as [string[], RegExp][]) {
    const r = await meshctl(args, { env: { ...s.env, MESHCTL_STATE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-state-')) } });
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.equal(existsSync(join(s.state, 'calls.log')) ? readFileSync(join(s.state, 'calls.log'), 'utf8').includes('create') : false, false, 'kind create never ran');
});

test('cluster list without kind and without local clusters says there are none; -o json is an empty list', async () => {
  const s = standIns({});
  const env = { ...s.env, MESHCTL_STATE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-state-')) };
  const table = await meshctl(['cluster', 'list'], { env });
  assert.equal(table.code, 0);
  assert.match(table.stderr, /no clusters \(meshctl cluster create\)/);
  const json = await meshctl(['cluster', 'list', '-o', 'json'], { env });
  assert.deepEqual(JSON.parse(json.stdout), []);
  const down = await meshctl(['down'], { env });
  assert.equal(down.code, 0);
  assert.match(down.stderr, /meshctl up has not run for kind cluster mesh: nothing to remove/);
});
