import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imagesOf, mergeImages, proxyImage } from '../../src/mesh/images.js';
import type { K8sObject } from '../../src/manifests/object.js';

const injector = (values: object): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system' }, data: { values: JSON.stringify(values) } } as any);
const deployment = (name: string, containers: string[], init: string[] = []): K8sObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'istio-system' },
  spec: { template: { spec: { containers: containers.map((image, i) => ({ name: `c${i}`, image })), initContainers: init.map((image) => ({ name: 'init', image })) } } },
});

test('images: every container and init container, `auto` resolved to the injected proxy, which injection also pulls', () => {
  const objects = [
    injector({ global: { hub: 'registry.invalid/istio', tag: '1.30.3', proxy: { image: 'proxyv2' } } }),
    deployment('istiod', ['registry.invalid/istio/pilot:1.30.3']),
    deployment('istio-ingressgateway', ['auto']),
    deployment('app', ['app:1'], ['init:1']),
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron', namespace: 'x' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'cron:1' }] } } } } } },
  ];
  assert.deepEqual(imagesOf(objects), [
    { image: 'app:1', users: ['Deployment istio-system/app'] },
    { image: 'cron:1', users: ['CronJob x/cron'] },
    { image: 'init:1', users: ['Deployment istio-system/app'] },
    { image: 'registry.invalid/istio/pilot:1.30.3', users: ['Deployment istio-system/istiod'] },
    { image: 'registry.invalid/istio/proxyv2:1.30.3', users: ['Deployment istio-system/istio-ingressgateway', 'sidecar injection'] },
  ]);
  assert.equal(proxyImage([injector({ global: { hub: 'h', tag: '1.30.3', variant: 'distroless' } })]), 'h/proxyv2:1.30.3-distroless');
  assert.equal(proxyImage([]), undefined);
  assert.deepEqual(mergeImages([{ image: 'a', users: ['x'] }], [{ image: 'a', users: ['y'] }, { image: 'b', users: ['z'] }]), [{ image: 'a', users: ['x', 'y'] }, { image: 'b', users: ['z'] }]);
});
