import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNamespace, eventually, testCluster } from '../harness/namespace.js';
import { runCli } from '../helpers/cli.js';

const cluster = testCluster();

async function labels(ns: string): Promise<Record<string, string>> {
  return (await cluster.request('GET', `/api/v1/namespaces/${ns}`)).body.metadata.labels ?? {};
}

test('inject enable|disable label the namespace as Istio reads it, removing the contradicting labels; status reports each namespace', async () => {
  const ns = await createTestNamespace(cluster, 'inject', { 'istio.io/rev': 'old', team: 'a' });
  const on = await runCli(['inject', 'enable', '-n', ns]);
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stderr, new RegExp(`namespace ${ns}: sidecar \\(istio-injection=enabled\\)`));
  assert.deepEqual(await labels(ns), { 'kubernetes.io/metadata.name': ns, team: 'a', 'istio-injection': 'enabled' });
  const again = await runCli(['inject', 'enable', '-n', ns]);
  assert.match(again.stderr, /already sidecar/);
  const rev = await runCli(['inject', 'enable', '-n', ns, '--revision', 'canary']);
  assert.equal(rev.code, 0, rev.stderr);
  assert.deepEqual(await labels(ns), { 'kubernetes.io/metadata.name': ns, team: 'a', 'istio.io/rev': 'canary' });
  const ambient = await runCli(['inject', 'enable', '-n', ns, '--ambient']);
  assert.equal(ambient.code, 0, ambient.stderr);
  assert.deepEqual(await labels(ns), { 'kubernetes.io/metadata.name': ns, team: 'a', 'istio.io/dataplane-mode': 'ambient' });
  const status = await runCli(['inject', 'status', '-n', ns, '-o', 'json']);
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(JSON.parse(status.stdout), [{ namespace: ns, mode: 'ambient', pods: 0, withoutSidecar: [] }]);
  const off = await runCli(['inject', 'disable', '-n', ns]);
  assert.equal(off.code, 0, off.stderr);
  assert.deepEqual(await labels(ns), { 'kubernetes.io/metadata.name': ns, team: 'a' });
  const missing = await runCli(['inject', 'disable', '-n', `${ns}-nope`]);
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /does not exist/);
  const both = await runCli(['inject', 'enable', '-n', ns, '--ambient', '--revision', 'x']);
  assert.equal(both.code, 64);
});

test('inject enable creates a missing namespace; --restart rolls its Deployment and waits; status names the pods without a sidecar', async () => {
  const ns = `${await createTestNamespace(cluster, 'inj')}-new`;
  const made = await runCli(['inject', 'enable', '-n', ns]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stderr, new RegExp(`namespace ${ns} created, sidecar`));
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
  };
  const res = await cluster.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  await eventually('the pod of web', async () => (await cluster.request('GET', `/api/v1/namespaces/${ns}/pods`)).body.items.length === 1);
  const status = await runCli(['inject', 'status', '-n', ns]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`^${ns}\\s+sidecar\\s+1\\s+1: web-`, 'm'), 'no istiod here: the pod has no sidecar');
  const restart = await runCli(['inject', 'enable', '-n', ns, '--restart', '--timeout', '90s']);
  assert.equal(restart.code, 0, restart.stderr);
  assert.match(restart.stderr, /1 workload\(s\) of .* restarted and rolled out/);
  const live = (await cluster.request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  assert.match(live.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], /^\d{4}-/);
  assert.equal(live.metadata.generation, 2, 'a new rollout');
  assert.equal(live.status.updatedReplicas, 1);
  await cluster.request('DELETE', `/api/v1/namespaces/${ns}`);
});
