import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeTraffic, isMeshVirtualServiceFor } from '../../src/generate/compose.js';
import { splitIstio } from '../../src/generate/split.js';
import { retry } from '../../src/generate/resilience.js';
import type { K8sObject } from '../../src/manifests/object.js';

const target = { service: 'reviews', namespace: 'default' };

test('split then retry on the same service keeps both in one VirtualService', () => {
  const split = splitIstio([], { ...target, weights: [{ version: 'v1', weight: 50 }, { version: 'v2', weight: 50 }], labelKey: 'version', appLabel: 'app' });
  const both = retry(split, { ...target, attempts: 3 });
  assert.equal(both.filter((o) => o.kind === 'VirtualService').length, 1);
  assert.deepEqual(both[0].spec.http[0], {
    route: [
      { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
      { destination: { host: 'reviews', subset: 'v2' }, weight: 50 },
    ],
    retries: { attempts: 3 },
  });
  assert.equal(both[1].kind, 'DestinationRule');
});

test('composition does not modify its input and keeps unrelated objects in order', () => {
  const other: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: '1' } };
  const input = [other, ...splitIstio([], { ...target, weights: [{ version: 'v1', weight: 100 }], labelKey: 'version', appLabel: 'app' })];
  const snapshot = structuredClone(input);
  const out = retry(input, { ...target, attempts: 5 });
  assert.deepEqual(input, snapshot, 'input unchanged');
  assert.deepEqual(out.map((o) => o.kind), ['ConfigMap', 'VirtualService', 'DestinationRule']);
  assert.equal(out[1].spec.http[0].retries.attempts, 5);
});

test('a VirtualService is found by any alias of the host, but not one bound only to a gateway or another namespace', () => {
  const vs = (hosts: string[], extra: any = {}, ns = 'default'): K8sObject =>
    ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'n', namespace: ns }, spec: { hosts, ...extra } });
  assert.ok(isMeshVirtualServiceFor(vs(['reviews.default.svc.cluster.local']), target));
  assert.ok(isMeshVirtualServiceFor(vs(['reviews'], { gateways: ['mesh', 'gw'] }), target));
  assert.ok(!isMeshVirtualServiceFor(vs(['reviews'], { gateways: ['gw'] }), target));
  assert.ok(!isMeshVirtualServiceFor(vs(['reviews'], {}, 'other'), target));
  assert.ok(!isMeshVirtualServiceFor(vs(['ratings']), target));
});

test('an existing VirtualService under another name is edited rather than a second one created', () => {
  const existing: K8sObject[] = [{
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews-route', namespace: 'default' },
    spec: { hosts: ['reviews.default.svc.cluster.local'], http: [{ route: [{ destination: { host: 'reviews.default.svc.cluster.local' } }] }] },
  }];
  const out = composeTraffic(existing, target, { virtualService: (s) => ({ ...s, edited: true }) });
  assert.equal(out.length, 1);
  assert.equal(out[0].metadata.name, 'reviews-route');
  assert.equal(out[0].spec.edited, true);
});

test('route --clear removes the route of exactly those conditions and the subset meshctl added for it alone; nothing else', async () => {
  const { routeByMatch, hasRouteFor } = await import('../../src/generate/route.js');
  const target = { service: 'reviews', namespace: 'bookinfo' };
  const jason = { headers: { 'end-user': { exact: 'jason' } } };
  const split = splitIstio([], { ...target, weights: [{ version: 'v1', weight: 100 }], labelKey: 'version', appLabel: 'app' });
  const routed = routeByMatch(split, { ...target, match: jason, to: 'v3', labelKey: 'version' });
  const vs = (objs: K8sObject[]) => objs.find((o) => o.kind === 'VirtualService')!;
  const dr = (objs: K8sObject[]) => objs.find((o) => o.kind === 'DestinationRule')!;
  assert.deepEqual(dr(routed).spec.subsets.map((s: any) => s.name), ['v1', 'v3']);
  assert.ok(hasRouteFor(routed, { ...target, match: jason }));
  assert.ok(!hasRouteFor(routed, { ...target, match: { headers: { 'end-user': { exact: 'bob' } } } }));
  const cleared = routeByMatch(routed, { ...target, match: jason, labelKey: 'version', clear: true });
  assert.deepEqual(vs(cleared).spec.http.map((h: any) => h.match ?? 'default'), ['default']);
  assert.deepEqual(dr(cleared).spec.subsets.map((s: any) => s.name), ['v1'], 'v3 went with its route');
  // a subset the user wrote stays even when no route uses it
  const own = structuredClone(routed);
  delete dr(own).metadata.annotations;
  assert.deepEqual(dr(routeByMatch(own, { ...target, match: jason, labelKey: 'version', clear: true })).spec.subsets.map((s: any) => s.name), ['v1', 'v3']);
  // nothing to clear: the input comes back as it was, no DestinationRule made up
  assert.deepEqual(routeByMatch([], { ...target, match: jason, labelKey: 'version', clear: true }), []);
});
