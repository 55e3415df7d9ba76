/**
 * Differential test: `istioctl install` and `meshctl install` of the same profile, each on a fresh control plane,
 * must leave the same objects (kind, namespace, name) and the same webhook configurations (each webhook's
 * selectors and rules). istioctl is given meshctl's profile file (`-f profiles/P.yaml`, an IstioOperator overlay on
 * Istio's profile of the same name) with the same hub and tag, so the inputs are the same; every remaining
 * difference is listed in EXPECTED_DIFFERENCES with its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { assembleRelease, mirrorVersion, serveMirror } from '../harness/mirror.js';
import { REPO_ROOT, requireIstioctl } from '../harness/upstream.js';
import { runCli } from '../helpers/cli.js';

/** Objects only one installer leaves, as `+meshctl Kind ns/name` or `+istioctl Kind ns/name`, with the reason. */
const EXPECTED_DIFFERENCES: Record<string, string> = {
  '+meshctl ConfigMap istio-system/meshctl-inventory': 'meshctl records what it applied, so that a re-run prunes and uninstall removes exactly that',
};

/** The kinds compared (what Istio's installers create), with their API paths. */
const KINDS: [string, string, boolean][] = [
  ['Namespace', '/api/v1/namespaces', false],
  ['CustomResourceDefinition', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', false],
  ['ClusterRole', '/apis/rbac.authorization.k8s.io/v1/clusterroles', false],
  ['ClusterRoleBinding', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', false],
  ['MutatingWebhookConfiguration', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', false],
  ['ValidatingWebhookConfiguration', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', false],
  ['ServiceAccount', '/api/v1/serviceaccounts', true],
  ['Role', '/apis/rbac.authorization.k8s.io/v1/roles', true],
  ['RoleBinding', '/apis/rbac.authorization.k8s.io/v1/rolebindings', true],
  ['ConfigMap', '/api/v1/configmaps', true],
  ['Secret', '/api/v1/secrets', true],
  ['Service', '/api/v1/services', true],
  ['Deployment', '/apis/apps/v1/deployments', true],
  ['DaemonSet', '/apis/apps/v1/daemonsets', true],
  ['PodDisruptionBudget', '/apis/policy/v1/poddisruptionbudgets', true],
  ['HorizontalPodAutoscaler', '/apis/autoscaling/v2/horizontalpodautoscalers', true],
];

interface Snapshot {
  objects: Set<string>;
  /** Webhook configuration name → its webhooks' name, selectors and rules. */
  webhooks: Map<string, unknown>;
}

async function snapshot(cp: ControlPlane): Promise<Snapshot> {
  const objects = new Set<string>();
  const webhooks = new Map<string, unknown>();
  for (const [kind, path, namespaced] of KINDS) {
    const res = await cp.request('GET', path);
    assert.equal(res.status, 200, `list ${kind}`);
    for (const o of res.body.items) {
      // what any fresh control plane has is not the installers' doing
      if (namespaced && ['kube-system', 'kube-public', 'kube-node-lease', 'default'].includes(o.metadata.namespace)) continue;
      if (kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt') continue;
      if (kind === 'ServiceAccount' && o.metadata.name === 'default') continue;
      objects.add(`${kind} ${namespaced ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
      if (kind.endsWith('WebhookConfiguration')) {
        webhooks.set(`${kind} ${o.metadata.name}`, (o.webhooks ?? []).map((w: any) => ({
          name: w.name, namespaceSelector: w.namespaceSelector ?? {}, objectSelector: w.objectSelector ?? {}, rules: w.rules,
        })));
      }
    }
  }
  return { objects, webhooks };
}

async function withControlPlane<T>(fn: (cp: ControlPlane) => Promise<T>): Promise<T> {
  const cp = await startControlPlane({ nodes: 1 });
  try {
    const before = await snapshot(cp);
    const result = await fn(cp);
    return Object.assign(result as object, { before }) as T;
  } finally {
    await cp.stop();
  }
}

for (const profile of ['minimal', 'default', 'demo', 'ambient']) {
  test(`${profile}: istioctl install and meshctl install leave the same objects and webhooks`, async () => {
    const istioctl = requireIstioctl();
    const version = mirrorVersion();
    const profileFile = join(REPO_ROOT, 'profiles', `${profile}.yaml`);
    // meshctl adds its NodePort overlay for the profile's ingress gateway on a local cluster: istioctl is given it too
    const overlay = readFileSync(profileFile, 'utf8').includes('meshctl.io/ingress-gateway:') ? ['-f', join(REPO_ROOT, 'profiles', 'overlays', 'nodeport-ingress.yaml')] : [];
    const theirs = await withControlPlane(async (cp) => {
      const r = spawnSync(istioctl, ['install', '-f', profileFile, ...overlay, '--set', 'hub=docker.io/istio', '--set', `tag=${version}`, '-y', '--kubeconfig', cp.kubeconfig], { encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, `istioctl install: ${r.stdout}\n${r.stderr}`);
      return snapshot(cp);
    }) as Snapshot & { before: Snapshot };
    const root = mkdtempSync(join(tmpdir(), 'meshctl-mirror-'));
    await assembleRelease(root);
    const mirror = await serveMirror(root);
    let mine: Snapshot & { before: Snapshot };
    try {
      mine = await withControlPlane(async (cp) => {
        const r = await runCli(['install', '--profile', profile, '-y'], {
          env: { KUBECONFIG: cp.kubeconfig, MESHCTL_MIRROR: mirror.url, MESHCTL_ISTIO_VERSION: version, MESHCTL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-cache-')) }, timeoutMs: 300_000,
        });
        assert.equal(r.code, 0, `meshctl install: ${r.stderr}`);
        return snapshot(cp);
      }) as Snapshot & { before: Snapshot };
    } finally {
      await mirror.close();
    }
    const added = (s: Snapshot & { before: Snapshot }) => new Set([...s.objects].filter((o) => !s.before.objects.has(o)));
    const a = added(theirs);
    const b = added(mine);
    const differences = [...[...b].filter((o) => !a.has(o)).map((o) => `+meshctl ${o}`), ...[...a].filter((o) => !b.has(o)).map((o) => `+istioctl ${o}`)].sort();
    const unexplained = differences.filter((d) => !(d in EXPECTED_DIFFERENCES));
    process.stderr.write(`${profile}: istioctl ${a.size} objects, meshctl ${b.size}; differences: ${differences.join('; ') || 'none'}\n`);
    assert.deepEqual(unexplained, [], 'differences without a written reason');
    for (const [name, hooks] of theirs.webhooks) {
      if (!mine.webhooks.has(name)) continue; // reported above as an object difference
      assert.deepEqual(mine.webhooks.get(name), hooks, `${name}: webhooks' selectors and rules`);
    }
  });
}
