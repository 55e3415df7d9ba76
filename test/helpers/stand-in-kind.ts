/**
 * Stand-ins for the `kind`, `docker` and `podman` binaries, which cannot run here (no container engine). They
 * check what they are given as the real ones would and more strictly: `kind create cluster` refuses a config
 * kind would refuse or that lacks what meshctl promises (the ingress-ready label, the host port mappings, the
 * pinned image), and "creates" a cluster by writing a context `kind-NAME` that points at a real control plane
 * (the one in STANDIN_KIND_TARGET, a kubeconfig). Every call is logged to STATE/calls.log.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const KIND = String.raw`#!/usr/bin/env node
// stand-in kind (meshctl tests)
const fs = require('node:fs');
const path = require('node:path');
const YAML = require(process.env.STANDIN_YAML);
const state = process.env.STANDIN_KIND_STATE;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(state, 'calls.log'), JSON.stringify(args) + '\n');
const clustersFile = path.join(state, 'clusters.json');
const clusters = fs.existsSync(clustersFile) ? JSON.parse(fs.readFileSync(clustersFile, 'utf8')) : [];
const save = () => fs.writeFileSync(clustersFile, JSON.stringify(clusters));
const die = (msg) => { process.stderr.write('ERROR: ' + msg + '\n'); process.exit(1); };
const flag = (name) => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1]; };
const kubeconfigPath = () => flag('--kubeconfig') || (process.env.KUBECONFIG || '').split(':').find(Boolean) || path.join(process.env.HOME, '.kube', 'config');
const readKc = (p) => (fs.existsSync(p) ? YAML.parse(fs.readFileSync(p, 'utf8')) || {} : {});
const cmd = args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
if (args[0] === 'version') { console.log('kind ' + (process.env.STANDIN_KIND_VERSION || 'v0.32.0') + ' go1.26.0 linux/amd64'); process.exit(0); }
if (cmd === 'get clusters') {
  if (clusters.length === 0) process.stderr.write('No kind clusters found.\n'); else console.log(clusters.join('\n'));
  process.exit(0);
}
if (cmd === 'create cluster') {
  const known = new Set(['--name', '--config', '--kubeconfig', '--image', '--wait', '--retain']);
  for (const a of args.slice(2)) if (a.startsWith('-') && !known.has(a)) die('unknown flag: ' + a);
  const name = flag('--name') || 'kind';
  const file = flag('--config');
  if (!file) die('meshctl is expected to pass --config');
  const cfg = YAML.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(path.join(state, 'config-' + name + '.yaml'), fs.readFileSync(file));
  if (cfg.kind !== 'Cluster' || cfg.apiVersion !== 'kind.x-k8s.io/v1alpha4') die('failed to create cluster: unknown kind or apiVersion');
  const topKeys = ['kind', 'apiVersion', 'name', 'nodes', 'networking', 'featureGates', 'runtimeConfig', 'kubeadmConfigPatches', 'containerdConfigPatches'];
  for (const k of Object.keys(cfg)) if (!topKeys.includes(k)) die('failed to create cluster: unknown field "' + k + '"');
  if (cfg.name !== name) die('the config names cluster ' + cfg.name + ' and --name ' + name);
  const nodeKeys = ['role', 'image', 'extraMounts', 'extraPortMappings', 'labels', 'kubeadmConfigPatches', 'kubeadmConfigPatchesJSON6902'];
  for (const n of cfg.nodes) {
    for (const k of Object.keys(n)) if (!nodeKeys.includes(k)) die('failed to create cluster: unknown node field "' + k + '"');
    if (!['control-plane', 'worker'].includes(n.role)) die('failed to create cluster: unknown role ' + n.role);
    if (process.env.STANDIN_KIND_EXPECT_IMAGE && n.image !== process.env.STANDIN_KIND_EXPECT_IMAGE) die('node image ' + n.image + ', expected ' + process.env.STANDIN_KIND_EXPECT_IMAGE);
  }
  const cp = cfg.nodes[0];
  if (cp.role !== 'control-plane') die('the first node must be the control plane');
  if (!(cp.kubeadmConfigPatches || []).some((p) => /kind: InitConfiguration/.test(p) && /node-labels: "ingress-ready=true"/.test(p))) die('control plane not labelled ingress-ready=true');
  for (const [host, node] of [[80, 30080], [443, 30443]]) {
    if (!(cp.extraPortMappings || []).some((m) => m.hostPort === host && m.containerPort === node)) die('no extraPortMapping ' + host + ' -> ' + node);
  }
  if (clusters.includes(name)) die('failed to create cluster: node(s) already exist for a cluster with the name "' + name + '"');
  process.stderr.write('Creating cluster "' + name + '" ...\n \u2713 Ensuring node image (' + String(cp.image).split('@')[0] + ') \n \u2713 Preparing nodes \n \u2713 Starting control-plane \n');
  const target = YAML.parse(fs.readFileSync(process.env.STANDIN_KIND_TARGET, 'utf8'));
  const ctx = 'kind-' + name;
  const kc = readKc(kubeconfigPath());
  const drop = (l) => (l || []).filter((e) => e.name !== ctx);
  kc.apiVersion = 'v1'; kc.kind = 'Config';
  kc.clusters = [...drop(kc.clusters), { name: ctx, cluster: target.clusters[0].cluster }];
  kc.users = [...drop(kc.users), { name: ctx, user: target.users[0].user }];
  kc.contexts = [...drop(kc.contexts), { name: ctx, context: { cluster: ctx, user: ctx } }];
  kc['current-context'] = ctx;
  fs.mkdirSync(path.dirname(kubeconfigPath()), { recursive: true });
  fs.writeFileSync(kubeconfigPath(), YAML.stringify(kc));
  clusters.push(name); save();
  process.stderr.write('Set kubectl context to "' + ctx + '"\n');
  process.exit(0);
}
if (cmd === 'delete cluster') {
  const name = flag('--name') || 'kind';
  process.stderr.write('Deleting cluster "' + name + '" ...\n');
  const i = clusters.indexOf(name);
  if (i !== -1) { clusters.splice(i, 1); save(); }
  const p = kubeconfigPath();
  const kc = readKc(p);
  const ctx = 'kind-' + name;
  for (const k of ['clusters', 'users', 'contexts']) kc[k] = (kc[k] || []).filter((e) => e.name !== ctx);
  if (kc['current-context'] === ctx) kc['current-context'] = '';
  if (fs.existsSync(p)) fs.writeFileSync(p, YAML.stringify(kc));
  process.exit(0);
}
die('stand-in kind: unexpected arguments ' + JSON.stringify(args));
`;

const ENGINE_UP = '#!/bin/sh\n[ "$1" = info ] || { echo "stand-in: only info" >&2; exit 1; }\necho 29.0.0\n';
const ENGINE_DOWN = '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n';

export interface StandIns {
  /** A PATH with the stand-ins, node, and the system's directories (no real kind). */
  path: string;
  /** Environment for meshctl: PATH and the stand-in's settings. */
  env: NodeJS.ProcessEnv;
  state: string;
}

/**
 * A directory of stand-ins: `kind` when `kind` is set, `docker` running or not, `podman` running. A PATH
 * of that directory, node's and /usr/bin:/bin without /usr/local/bin (where this machine keeps a docker CLI).
 */
export function standIns(opts: { kind?: boolean; docker?: 'up' | 'down'; podman?: boolean; target?: string; kindVersion?: string; expectImage?: string }): StandIns {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-standin-'));
  const bin = join(dir, 'bin');
  const state = join(dir, 'state');
  mkdirSync(bin);
  mkdirSync(state);
  const write = (name: string, text: string) => {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  };
  if (opts.kind) write('kind', KIND);
  if (opts.docker) write('docker', opts.docker === 'up' ? ENGINE_UP : ENGINE_DOWN);
  if (opts.podman) write('podman', ENGINE_UP);
  const path = [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(':');
  return {
    path, state,
    env: {
      PATH: path, STANDIN_KIND_STATE: state, STANDIN_YAML: createRequire(join(REPO, 'package.json')).resolve('yaml'),
      ...(opts.target ? { STANDIN_KIND_TARGET: opts.target } : {}),
      ...(opts.kindVersion ? { STANDIN_KIND_VERSION: opts.kindVersion } : {}),
      ...(opts.expectImage ? { STANDIN_KIND_EXPECT_IMAGE: opts.expectImage } : {}),
    },
  };
}
