/**
 * What the apiserver's service proxy says when istiod cannot answer, as `askIstiod` reads it (the wait for istiod's
 * webhooks gives up at once on `unreachable` and waits through `silent`): the real apiserver's wording, on the
 * shared control plane, whose pods (kwok's) have addresses nothing routes to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kube } from '../../src/cluster/kube.js';
import { askIstiod } from '../../src/mesh/istio/status.js';
import { createTestNamespace, eventually, testCluster } from '../harness/namespace.js';

const cluster = testCluster();

test('askIstiod on the real apiserver: no Service or one without endpoints is silent, a pod nothing routes to is unreachable', async () => {
  const ns = await createTestNamespace(cluster, 'istiod-reach');
  const kube = await Kube.connect({ kubeconfig: cluster.kubeconfig });
  const service = (name: string, app: string) => kube.apply({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { selector: { app }, ports: [{ name: 'http-monitoring', port: 15014 }] },
  } as any);

  assert.deepEqual(await askIstiod(kube, 'istiod', ns), { answer: 'silent' }, 'no Service (the proxy sees a new one a moment after it is created)');

  await service('empty', 'nobody');
  const none = await kube.request('GET', `/api/v1/namespaces/${ns}/services/http:empty:15014/proxy/version`, { timeoutMs: 10_000 });
  assert.deepEqual(await askIstiod(kube, 'empty', ns), { answer: 'silent' }, `a Service without endpoints (a pod may join it a moment later); the apiserver said: ${none.status} ${JSON.stringify(none.body)}`);

  await service('istiod', 'istiod');
  await kube.apply({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: ns },
    spec: {
      replicas: 1, selector: { matchLabels: { app: 'istiod' } },
      template: { metadata: { labels: { app: 'istiod' } }, spec: { containers: [{ name: 'discovery', image: 'example.invalid/pilot:1', ports: [{ containerPort: 15014 }] }] } },
    },
  } as any);
  await eventually('the pod in the Service\'s endpoints', async () => {
    const eps = await kube.get({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'istiod', namespace: ns } }) as any;
    return (eps?.subsets ?? []).some((s: any) => s.addresses?.length);
  });
  const res = await kube.request('GET', `/api/v1/namespaces/${ns}/services/http:istiod:15014/proxy/version`, { timeoutMs: 10_000 });
  assert.deepEqual(await askIstiod(kube, 'istiod', ns), { answer: 'unreachable' }, `the apiserver said: ${res.status} ${JSON.stringify(res.body)}`);
});
