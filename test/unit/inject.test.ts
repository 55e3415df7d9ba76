/** Injection labels and reports (pure), and the rolling restart against the in-memory client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMode, injectionLabels, injectionReport, labelsHold, restartWorkloads } from '../../src/mesh/istio/inject.js';
import type { K8sObject } from '../../src/manifests/object.js';
import { FakeKube } from '../helpers/fake-kube.js';

const ns = (name: string, labels: Record<string, string> = {}): K8sObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (namespace: string, name: string, containers: string[], extra: Partial<K8sObject> = {}): K8sObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: containers.map((c) => ({ name: c })) }, status: { phase: 'Running' }, ...extra });

test('each mode sets its label and removes the ones that would contradict it', () => {
  assert.deepEqual(injectionLabels({ mode: 'sidecar' }), { 'istio-injection': 'enabled', 'istio.io/rev': null, 'istio.io/dataplane-mode': null });
  assert.deepEqual(injectionLabels({ mode: 'sidecar', revision: 'canary' }), { 'istio.io/rev': 'canary', 'istio-injection': null, 'istio.io/dataplane-mode': null });
  assert.deepEqual(injectionLabels({ mode: 'ambient' }), { 'istio.io/dataplane-mode': 'ambient', 'istio-injection': null, 'istio.io/rev': null });
  assert.deepEqual(injectionLabels({ mode: 'off' }), { 'istio.io/dataplane-mode': null, 'istio-injection': null, 'istio.io/rev': null });
  assert.equal(labelsHold(ns('a', { 'istio-injection': 'enabled', team: 'x' }), injectionLabels({ mode: 'sidecar' })), true);
  assert.equal(labelsHold(ns('a', { 'istio-injection': 'enabled', 'istio.io/rev': 'x' }), injectionLabels({ mode: 'sidecar' })), false);
});

test('modes as Istio reads the labels', () => {
  assert.equal(describeMode(ns('a', { 'istio-injection': 'enabled' })), 'sidecar');
  assert.equal(describeMode(ns('a', { 'istio.io/rev': 'canary' })), 'sidecar (rev canary)');
  assert.equal(describeMode(ns('a', { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' })), 'disabled');
  assert.equal(describeMode(ns('a', { 'istio.io/dataplane-mode': 'ambient' })), 'ambient');
  assert.equal(describeMode(ns('a')), 'off');
});

test('the report names pods without a sidecar in sidecar namespaces only, leaving out finished, opted-out and host-network pods', () => {
  const report = injectionReport([ns('b', { 'istio-injection': 'enabled' }), ns('a'), ns('c', { 'istio.io/dataplane-mode': 'ambient' })], [
    pod('b', 'with', ['app', 'istio-proxy']),
    pod('b', 'without', ['app']),
    pod('b', 'done', ['app'], { status: { phase: 'Succeeded' } }),
    pod('b', 'opted-out', ['app'], { metadata: { name: 'opted-out', namespace: 'b', labels: { 'sidecar.istio.io/inject': 'false' } } }),
    pod('b', 'host', ['app'], { spec: { hostNetwork: true, containers: [{ name: 'app' }] } }),
    pod('a', 'plain', ['app']),
    pod('c', 'ambient', ['app']),
  ]);
  assert.deepEqual(report, [
    { namespace: 'a', mode: 'off', pods: 1, withoutSidecar: [] },
    { namespace: 'b', mode: 'sidecar', pods: 4, withoutSidecar: ['without'] },
    { namespace: 'c', mode: 'ambient', pods: 1, withoutSidecar: [] },
  ]);
});

test('restart: every workload kind of the namespace gets the restartedAt annotation and is waited for', async () => {
  const kube = new FakeKube();
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet']) {
    await kube.apply({ apiVersion: 'apps/v1', kind, metadata: { name: kind.toLowerCase(), namespace: 'b' }, spec: { template: { metadata: { labels: { app: 'x' } } } } });
  }
  await kube.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'elsewhere', namespace: 'other' }, spec: {} });
  const restarted = await restartWorkloads(kube, 'b', 5_000);
  assert.deepEqual(restarted.map((w) => w.kind).sort(), ['DaemonSet', 'Deployment', 'StatefulSet']);
  for (const w of restarted) {
    assert.match(w.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(w.spec.template.metadata.labels, { app: 'x' }, 'the rest of the template is kept');
  }
  assert.deepEqual(kube.writes.filter((w) => w.startsWith('patch')).length, 3, 'the other namespace is not touched');
});
