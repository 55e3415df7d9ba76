import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestNamespace, eventually, testCluster } from '../harness/namespace.js';
import { startControlPlane } from '../harness/control-plane.js';

const cluster = testCluster();

function deployment(ns: string, name: string, replicas = 2): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example.invalid/app:1', ports: [{ containerPort: 8080 }] }] } },
    },
  };
}

test('a Namespace and Deployment become Available, with pods Running and Ready on kwok nodes', async () => {
  const ns = await createTestNamespace(cluster, 'cp-deploy');
  const res = await cluster.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment(ns, 'web'));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  await eventually('deployment Available', async () => {
    const { body } = await cluster.request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    return body.status?.availableReplicas === 2 && body.status.conditions.some((c: any) => c.type === 'Available' && c.status === 'True');
  });
  const { body: pods } = await cluster.request('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
  assert.equal(pods.items.length, 2);
  for (const pod of pods.items) {
    assert.equal(pod.status.phase, 'Running');
    assert.match(pod.spec.nodeName, /^kwok-node-/, 'scheduled by kube-scheduler onto a kwok node');
    assert.ok(pod.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    assert.ok(pod.status.podIP, 'kwok gives the pod a (fake) IP');
  }
});

test('pod logs through the apiserver come from kwok\'s server (a ClusterLogs resource names the file, in CRI log format)', async () => {
  const ns = await createTestNamespace(cluster, 'cp-logs');
  await cluster.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment(ns, 'quiet', 1));
  const file = join(mkdtempSync(join(tmpdir(), 'meshctl-logs-')), 'quiet.log');
  writeFileSync(file, '2026-11-26T06:00:00.000000000Z stdout F listening on :8080\n2026-11-26T06:00:01.000000000Z stderr F a warning\n');
  const logs = await cluster.request('POST', '/apis/kwok.x-k8s.io/v1alpha1/clusterlogs', {
    apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'ClusterLogs', metadata: { name: ns }, spec: { selector: { matchNamespaces: [ns] }, logs: [{ logsFile: file }] },
  });
  assert.equal(logs.status, 201, JSON.stringify(logs.body));
  try {
    let podName = '';
    await eventually('pod running', async () => {
      const { body } = await cluster.request('GET', `/api/v1/namespaces/${ns}/pods`);
      podName = body.items.find((p: any) => p.status.phase === 'Running')?.metadata.name ?? '';
      return podName !== '';
    });
    let res = { status: 0, body: '' as any };
    await eventually('the logs', async () => {
      res = await cluster.request('GET', `/api/v1/namespaces/${ns}/pods/${podName}/log`);
      return res.status === 200;
    }, 20_000);
    assert.equal(res.body, 'listening on :8080\na warning\n');
  } finally {
    await cluster.request('DELETE', `/apis/kwok.x-k8s.io/v1alpha1/clusterlogs/${ns}`);
  }
});

test('known limit: a webhook backed by a kwok pod cannot be reached — Fail blocks admission, Ignore admits', async () => {
  const ns = await createTestNamespace(cluster, 'cp-webhook');
  await cluster.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment(ns, 'hook', 1));
  const svc = await cluster.request('POST', `/api/v1/namespaces/${ns}/services`, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook', namespace: ns },
    spec: { selector: { app: 'hook' }, ports: [{ port: 443, targetPort: 8080 }] },
  });
  assert.equal(svc.status, 201);
  const webhook = (policy: 'Fail' | 'Ignore') => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: `${ns}-${policy.toLowerCase()}` },
    webhooks: [{
      name: `check.${ns}.example.com`, admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: policy, timeoutSeconds: 3,
      clientConfig: { service: { name: 'hook', namespace: ns, path: '/validate', port: 443 } },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
    }],
  });
  const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: '1' } });

  const fail = await cluster.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', webhook('Fail'));
  assert.equal(fail.status, 201);
  let blocked: { status: number; body: any } = { status: 0, body: null };
  await eventually('the webhook takes effect', async () => {
    blocked = await cluster.request('POST', `/api/v1/namespaces/${ns}/configmaps`, cm(`probe-${Date.now()}`));
    return blocked.status >= 500;
  }, 30_000);
  assert.match(blocked.body.message, /failed calling webhook/);
  await cluster.request('DELETE', `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${ns}-fail`);

  const ignore = await cluster.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', webhook('Ignore'));
  assert.equal(ignore.status, 201);
  await eventually('the Fail webhook is gone and Ignore admits', async () =>
    (await cluster.request('POST', `/api/v1/namespaces/${ns}/configmaps`, cm(`ok-${Date.now()}`))).status === 201, 30_000);
  await cluster.request('DELETE', `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${ns}-ignore`);
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('stopping a control plane leaves no listening port and no process', async () => {
  const cp = await startControlPlane({ nodes: 1 });
  assert.equal(cp.pids.length, 5);
  assert.ok(await portOpen(Number(new URL(cp.server).port)), 'the apiserver listened while up');
  await cp.stop();
  for (const port of cp.ports) assert.equal(await portOpen(port), false, `port ${port} closed`);
  for (const pid of cp.pids) assert.equal(alive(pid), false, `process ${pid} gone`);
});
