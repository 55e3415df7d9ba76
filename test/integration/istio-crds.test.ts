import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCrds, istioCrds } from '../harness/crds.js';
import { createTestNamespace, testCluster } from '../harness/namespace.js';

const cluster = testCluster();

test('the CRDs rendered by the built istioctl apply and become Established', async () => {
  const crds = istioCrds();
  assert.equal(crds.length, 15, 'the base chart has 15 CRDs');
  const names = await applyCrds(cluster, crds);
  assert.ok(names.includes('virtualservices.networking.istio.io'));
  assert.ok(names.includes('peerauthentications.security.istio.io'));
});

test('what the apiserver does with VirtualServices: unknown fields pruned with a warning, rejected when strict; schema violations rejected', async () => {
  await applyCrds(cluster, istioCrds());
  const ns = await createTestNamespace(cluster, 'crd-vs');
  const base = `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices`;
  const vs = (name: string, spec: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec });
  const withTypo = (name: string) => vs(name, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }], retrys: { attempts: 3 } }] });

  const strict = await cluster.request('POST', `${base}?fieldValidation=Strict`, withTypo('strict'));
  assert.equal(strict.status, 400);
  assert.match(strict.body.message, /unknown field "spec\.http\[0\]\.retrys"/);

  const warn = await cluster.request('POST', `${base}?fieldValidation=Warn`, withTypo('warn'));
  assert.equal(warn.status, 201);
  assert.match(String(warn.headers.warning), /^299 - "unknown field \\"spec\.http\[0\]\.retrys\\""$/);
  assert.equal(warn.body.spec.http[0].retrys, undefined, 'the field is pruned from what is stored');

  const ignored = await cluster.request('POST', `${base}?fieldValidation=Ignore`, withTypo('ignore'));
  assert.equal(ignored.status, 201);
  assert.equal(ignored.headers.warning, undefined, 'silently dropped');
  assert.equal(ignored.body.spec.http[0].retrys, undefined);

  const wrongType = await cluster.request('POST', base, vs('wrong-type', { hosts: 'reviews' }));
  assert.equal(wrongType.status, 422);
  assert.match(wrongType.body.message, /spec\.hosts: Invalid value: "string"/);

  const badWeight = await cluster.request('POST', base, vs('bad-weight', { hosts: ['r'], http: [{ route: [{ destination: { host: 'r' }, weight: 'ninety' }] }] }));
  assert.equal(badWeight.status, 422);
  assert.match(badWeight.body.message, /weight/);
});
