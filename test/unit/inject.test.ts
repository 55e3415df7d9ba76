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
  assert.deepEqual(kube.writeLog.filter((w) => w.startsWith('patch')).length, 3, 'the other namespace is not touched');
});

test('status: why a pod is not ready, from its conditions, container states and newest warning event', async () => {
  const { unreadyPods } = await import('../../src/mesh/istio/status.js');
  const p = (name: string, status: any): K8sObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'istio-system' }, status });
  const ev = (name: string, reason: string, message: string, at: string): K8sObject =>
    ({ apiVersion: 'v1', kind: 'Event', metadata: { name: `${name}.${at}`, namespace: 'istio-system' }, type: 'Warning', reason, message, lastTimestamp: at, involvedObject: { kind: 'Pod', name } });
  assert.deepEqual(unreadyPods([
    p('ready', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }),
    p('pending', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }] }),
    p('pulling', { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }], containerStatuses: [{ name: 'discovery', ready: false, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] }),
    p('crashed', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [discovery]' }] }),
    p('new', {}),
  ], [ev('crashed', 'BackOff', 'old', '2026-01-01T00:00:00Z'), ev('crashed', 'Unhealthy', 'Readiness probe failed', '2026-01-01T00:01:00Z')]), [
    'pod istio-system/pending: not scheduled: 0/1 nodes are available',
    'pod istio-system/pulling: container discovery ImagePullBackOff (Back-off pulling image)',
    'pod istio-system/crashed: ContainersNotReady: containers with unready status: [discovery]; event Unhealthy: Readiness probe failed',
    'pod istio-system/new: no status yet',
  ]);
});

test('a Deployment mid-rollout is not ready while old replicas run, as kubectl rollout status judges it', async () => {
  const { notReadyReason } = await import('../../src/cluster/wait.js');
  const d = (status: any): K8sObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', generation: 2 } as any, spec: { replicas: 1 }, status: { observedGeneration: 2, ...status } });
  // the new pod cannot be scheduled: one updated replica exists, the old one still serves
  assert.equal(notReadyReason(d({ replicas: 2, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 })), '1 old replica(s) pending termination');
  assert.equal(notReadyReason(d({ replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 })), undefined);
});
