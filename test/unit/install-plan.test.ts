import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryObject, leaveControllerFields, parseInventory, phaseOf, inventoryRef, reverseByPhase, toPrune, unchangedByApply, unionRefs } from '../../src/mesh/istio/plan.js';
import { manifestGenerateArgs } from '../../src/mesh/istio/render.js';
import { minKubernetesMinor } from '../../src/mesh/istio/versions.js';
import { evaluateStatus, parseIstiodVersion, type StatusSnapshot } from '../../src/mesh/istio/status.js';
import { notReadyReason } from '../../src/cluster/wait.js';
import type { K8sObject } from '../../src/manifests/object.js';

const obj = (kind: string, name: string, extra: Partial<K8sObject> & { labels?: Record<string, string>; namespace?: string } = {}): K8sObject => ({
  apiVersion: kind === 'CustomResourceDefinition' ? 'apiextensions.k8s.io/v1' : kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), ...(extra.labels ? { labels: extra.labels } : {}) },
  ...(extra.spec ? { spec: extra.spec } : {}),
  ...(extra.status ? { status: extra.status } : {}),
});

test('phases: namespace, CRDs, config, istiod (workloads and webhooks), gateways by component label', () => {
  assert.equal(phaseOf(obj('Namespace', 'istio-system')), 'namespace');
  assert.equal(phaseOf(obj('CustomResourceDefinition', 'virtualservices.networking.istio.io')), 'crds');
  assert.equal(phaseOf(obj('ServiceAccount', 'istiod', { namespace: 'istio-system' })), 'config');
  assert.equal(phaseOf(obj('Deployment', 'istiod', { namespace: 'istio-system', labels: { 'operator.istio.io/component': 'Pilot' } })), 'istiod');
  assert.equal(phaseOf(obj('MutatingWebhookConfiguration', 'istio-sidecar-injector')), 'istiod');
  assert.equal(phaseOf(obj('Deployment', 'istio-ingressgateway', { labels: { 'operator.istio.io/component': 'IngressGateways' } })), 'gateways');
  assert.equal(phaseOf(obj('Role', 'istio-egressgateway-sds', { labels: { 'operator.istio.io/component': 'EgressGateways' } })), 'gateways');
  assert.equal(phaseOf({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ztunnel', namespace: 'istio-system' } }), 'dataplane');
});

test('prune: what the previous inventory had and the new one lacks, never CRDs unless purge, gateways before namespace', () => {
  const ns = inventoryRef(obj('Namespace', 'istio-system'));
  const crd = inventoryRef(obj('CustomResourceDefinition', 'wasmplugins.extensions.istio.io'));
  const egress = inventoryRef(obj('Deployment', 'istio-egressgateway', { namespace: 'istio-system', labels: { 'operator.istio.io/component': 'EgressGateways' } }));
  const istiod = inventoryRef(obj('Deployment', 'istiod', { namespace: 'istio-system', labels: { 'operator.istio.io/component': 'Pilot' } }));
  assert.deepEqual(toPrune([ns, crd, istiod, egress], [ns, istiod], false), [egress]);
  assert.deepEqual(toPrune([ns, crd, istiod, egress], [ns, istiod], true), [egress, crd]);
  assert.deepEqual(reverseByPhase([ns, crd, istiod, egress]), [egress, istiod, crd, ns]);
  assert.deepEqual(unionRefs([ns, istiod], [istiod, egress]), [ns, istiod, egress]);
});

test('inventory round-trips through its ConfigMap', () => {
  const inv = { mesh: 'istio' as const, version: '1.30.3', profile: 'demo', objects: [inventoryRef(obj('Namespace', 'istio-system'))] };
  const cm = inventoryObject(inv);
  assert.equal(cm.metadata.name, 'meshctl-inventory');
  assert.equal(cm.metadata.namespace, 'istio-system');
  assert.deepEqual(parseInventory(cm), inv);
  assert.equal(parseInventory(undefined), undefined);
  assert.equal(parseInventory({ ...cm, data: { objects: '{not json' } }), undefined);
});

test('an apply result equal to the live object but for managedFields and resourceVersion is unchanged', () => {
  const live: any = { ...obj('ConfigMap', 'x'), data: { a: '1' } };
  live.metadata.resourceVersion = '5';
  live.metadata.managedFields = [{ manager: 'meshctl' }];
  const dry: any = structuredClone(live);
  dry.metadata.resourceVersion = '6';
  dry.metadata.managedFields = [{ manager: 'meshctl', time: 'later' }];
  assert.ok(unchangedByApply(live, dry));
  dry.data.a = '2';
  assert.ok(!unchangedByApply(live, dry));
});

test('render arguments pin hub and tag to the release, overlays and --set last', () => {
  const args = manifestGenerateArgs({ version: '1.30.3' }, { profile: { name: 'demo', path: '/p/demo.yaml', description: '', text: '' }, overlays: ['o.yaml'], sets: ['values.global.logging.level=debug'] });
  assert.deepEqual(args, ['manifest', 'generate', '-f', '/p/demo.yaml', '--set', 'hub=docker.io/istio', '--set', 'tag=1.30.3', '-f', 'o.yaml', '--set', 'values.global.logging.level=debug']);
});

test('minimum Kubernetes per Istio version', () => {
  assert.equal(minKubernetesMinor('1.24.0'), 28);
  assert.equal(minKubernetesMinor('1.28.0'), 30);
  assert.equal(minKubernetesMinor('1.30.3'), 32);
  assert.equal(minKubernetesMinor('1.31-dev'), 32);
});

test('readiness: CRDs Established, Deployments with every replica available in the observed generation', () => {
  assert.equal(notReadyReason(undefined), 'not found');
  assert.equal(notReadyReason(obj('CustomResourceDefinition', 'x', { status: { conditions: [{ type: 'Established', status: 'True' }] } })), undefined);
  assert.equal(notReadyReason(obj('CustomResourceDefinition', 'x', { status: {} })), 'not Established');
  const d = (status: any, generation = 2): K8sObject => ({ ...obj('Deployment', 'd', { spec: { replicas: 2 }, status }), metadata: { name: 'd', generation } as any });
  assert.equal(notReadyReason(d({ observedGeneration: 1 })), 'rollout not observed yet');
  assert.equal(notReadyReason(d({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 1 })), '1/2 replicas available');
  assert.equal(notReadyReason(d({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 })), undefined);
});

test('status: healthy snapshot passes; missing sidecars and version skew fail', () => {
  const istiod: any = { ...obj('Deployment', 'istiod', { namespace: 'istio-system', spec: { replicas: 1, template: { spec: { containers: [{ image: 'docker.io/istio/pilot:1.30.3' }] } } }, status: { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 } }) };
  istiod.metadata.generation = 1;
  const snapshot: StatusSnapshot = {
    inventory: inventoryObject({ mesh: 'istio', version: '1.30.3', profile: 'demo', objects: [] }),
    crds: [{ ...obj('CustomResourceDefinition', 'virtualservices.networking.istio.io', { status: { conditions: [{ type: 'Established', status: 'True' }] } }), spec: { group: 'networking.istio.io' } }],
    deployments: [istiod],
    daemonSets: [{ ...obj('DaemonSet', 'ztunnel', { namespace: 'istio-system', status: { desiredNumberScheduled: 2, numberAvailable: 2, updatedNumberScheduled: 2 } }) }],
    webhooks: [
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'istio-sidecar-injector' }, webhooks: [{ clientConfig: { service: { name: 'istiod', namespace: 'istio-system' } } }] } as any,
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'istio-revision-tag-default', labels: { 'istio.io/tag': 'default', 'istio.io/rev': 'default' } }, webhooks: [{ clientConfig: { service: { name: 'istiod', namespace: 'istio-system' } } }] } as any,
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'istiod-default-validator' }, webhooks: [{ clientConfig: { service: { name: 'istiod', namespace: 'istio-system' } } }] } as any,
    ],
    services: [obj('Service', 'istiod', { namespace: 'istio-system' })],
    endpointSlices: [{ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'istiod-x', labels: { 'kubernetes.io/service-name': 'istiod' } }, endpoints: [{ conditions: { ready: true } }] } as any],
    namespaces: [obj('Namespace', 'bookinfo', { labels: { 'istio-injection': 'enabled' } })],
    injectedPods: [{ ...obj('Pod', 'ok', { namespace: 'bookinfo' }), spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.30.3-distroless' }] } }],
  };
  const good = evaluateStatus(snapshot);
  assert.equal(good.healthy, true, JSON.stringify(good.checks));
  assert.equal(good.version, '1.30.3');
  assert.equal(good.checks.find((c) => c.name === 'node agent ztunnel')?.detail, '2/2 nodes ready');
  assert.equal(good.checks.find((c) => c.name === 'sidecar versions')?.detail, 'all 1 sidecar(s) match the control plane 1.30.3');
  // after an uninstall: sidecars, but no istiod to compare them with, is not "they match"
  const gone = evaluateStatus({ ...snapshot, deployments: snapshot.deployments.filter((d: any) => d.metadata.name !== 'istiod') });
  assert.equal(gone.checks.find((c) => c.name === 'sidecar versions')?.detail, 'not compared: no control plane version to compare 1 sidecar(s) with');
  assert.equal(gone.checks.find((c) => c.name === 'sidecar versions')?.ok, false, 'a check not made is not passed');
  assert.equal(gone.healthy, false, 'and the mesh is not healthy');
  const bad = evaluateStatus({
    ...snapshot,
    daemonSets: [{ ...obj('DaemonSet', 'ztunnel', { namespace: 'istio-system', status: { desiredNumberScheduled: 2, numberAvailable: 1, updatedNumberScheduled: 2 } }) }],
    endpointSlices: [],
    injectedPods: [
      { ...obj('Pod', 'bare', { namespace: 'bookinfo' }), spec: { containers: [{ name: 'app' }] } },
      { ...obj('Pod', 'old', { namespace: 'bookinfo' }), spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.29.0' }] } },
    ],
  });
  assert.equal(bad.healthy, false);
  const failed = Object.fromEntries(bad.checks.filter((c) => !c.ok).map((c) => [c.name, c.detail]));
  assert.match(failed.sidecars, /1 pod\(s\) without a sidecar .*bookinfo\/bare/);
  assert.match(failed['sidecar versions'], /bookinfo\/old \(1\.29\.0\)/);
  assert.match(failed['webhook istio-sidecar-injector'], /no ready endpoints/);
  assert.match(failed['node agent ztunnel'], /1\/2 pods available/);
  const untagged = evaluateStatus({ ...snapshot, webhooks: [snapshot.webhooks[0]] });
  const missing = Object.fromEntries(untagged.checks.filter((c) => !c.ok).map((c) => [c.name, c.detail]));
  assert.match(missing['default validator'], /bypasses istiod's validation/);
  assert.match(missing['default tag'], /no default revision tag/);
});

test('status and inject give one answer for the same pods: the injection webhook\'s rule (podTakesSidecar)', async () => {
  const { injectionReport } = await import('../../src/mesh/istio/inject.js');
  const { podTakesSidecar } = await import('../../src/mesh/istio/sidecars.js');
  const namespaces = [obj('Namespace', 'bookinfo', { labels: { 'istio-injection': 'enabled' } })];
  type Extra = { labels?: Record<string, string>; annotations?: Record<string, string>; hostNetwork?: boolean; phase?: string };
  const pod = (name: string, extra: Extra = {}): any => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'bookinfo', labels: extra.labels, annotations: extra.annotations },
    spec: { hostNetwork: extra.hostNetwork, containers: [{ name: 'app' }] }, status: { phase: extra.phase ?? 'Running' },
  });
  const pods = [
    pod('plain'),
    pod('label-true', { labels: { 'sidecar.istio.io/inject': 'TRUE' } }),
    pod('label-false', { labels: { 'sidecar.istio.io/inject': 'false' } }),
    pod('label-no', { labels: { 'sidecar.istio.io/inject': 'no' } }),
    pod('annotation-false', { annotations: { 'sidecar.istio.io/inject': 'false' } }),
    pod('label-over-annotation', { labels: { 'sidecar.istio.io/inject': 'true' }, annotations: { 'sidecar.istio.io/inject': 'false' } }),
    pod('host-network', { hostNetwork: true }),
    pod('finished', { phase: 'Succeeded' }),
  ];
  assert.deepEqual(pods.filter(podTakesSidecar).map((p) => p.metadata.name), ['plain', 'label-true', 'label-over-annotation', 'finished']);
  const fromInject = injectionReport(namespaces, pods)[0].withoutSidecar;
  assert.deepEqual(fromInject, ['plain', 'label-true', 'label-over-annotation']);
  const status = evaluateStatus({
    inventory: undefined, crds: [], deployments: [], daemonSets: [], webhooks: [], services: [], endpointSlices: [], namespaces, injectedPods: pods,
  } as unknown as StatusSnapshot);
  const sidecars = status.checks.find((c) => c.name === 'sidecars')!;
  assert.equal(sidecars.ok, false);
  assert.equal(sidecars.detail, `3 pod(s) without a sidecar in injected namespaces: ${fromInject.map((n) => `bookinfo/${n}`).join(', ')} (restart them after enabling injection)`);
});

test('default revision tag: when Istio deploys it, and the untagged injector turned off as istioctl does', async () => {
  const { needsDefaultTag, revisionOf, asIstioctlLeavesThem, NEVER_MATCH } = await import('../../src/mesh/istio/revision-tag.js');
  assert.equal(revisionOf([]), '');
  assert.equal(revisionOf(['values.revision=canary']), 'canary');
  assert.equal(revisionOf(['revision=default']), '');
  assert.equal(needsDefaultTag({ revision: '', operatorManagesWebhooks: false, defaultTagExists: true }), true, 'a default install always holds the tag');
  assert.equal(needsDefaultTag({ revision: 'canary', operatorManagesWebhooks: false, defaultTagExists: true }), false, 'a revision leaves an existing tag alone');
  assert.equal(needsDefaultTag({ revision: 'canary', operatorManagesWebhooks: false, defaultTagExists: false }), true);
  assert.equal(needsDefaultTag({ revision: '', operatorManagesWebhooks: true, defaultTagExists: false }), false);
  const injector = (name: string, labels: Record<string, string>) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name, labels }, webhooks: [{ name: 'a', namespaceSelector: { x: 1 }, objectSelector: {} }] } as any);
  const [untagged, tag, other] = asIstioctlLeavesThem([
    injector('istio-sidecar-injector', { app: 'sidecar-injector', 'istio.io/rev': 'default' }),
    injector('istio-revision-tag-default', { app: 'sidecar-injector', 'istio.io/rev': 'default', 'istio.io/tag': 'default' }),
    injector('istio-sidecar-injector-canary', { app: 'sidecar-injector', 'istio.io/rev': 'canary' }),
  ]) as any[];
  assert.deepEqual(untagged.webhooks[0].namespaceSelector, NEVER_MATCH);
  assert.deepEqual(untagged.webhooks[0].objectSelector, NEVER_MATCH);
  assert.deepEqual(tag.webhooks[0].namespaceSelector, { x: 1 }, 'the tag injects');
  assert.deepEqual(other.webhooks[0].namespaceSelector, { x: 1 }, 'other revisions are untouched');
});

test('webhook fields istiod has taken over (failurePolicy, caBundle) are left to it; others, and other kinds, are applied as rendered', () => {
  const rendered: K8sObject = {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'istio-validator-istio-system' },
    webhooks: [
      { name: 'rev.validation.istio.io', failurePolicy: 'Ignore', clientConfig: { service: { name: 'istiod', namespace: 'istio-system' }, caBundle: '' } },
      { name: 'other.validation.istio.io', failurePolicy: 'Ignore', clientConfig: { caBundle: '' } },
    ],
  } as K8sObject;
  const fields = (o: Record<string, unknown>) => ({ 'f:webhooks': { [`k:${JSON.stringify({ name: 'rev.validation.istio.io' })}`]: o } });
  const live = {
    ...rendered,
    metadata: {
      name: 'istio-validator-istio-system',
      managedFields: [
        { manager: 'meshctl', operation: 'Apply', fieldsV1: fields({ 'f:failurePolicy': {}, 'f:clientConfig': { 'f:caBundle': {} } }) },
        { manager: 'pilot-discovery', operation: 'Update', fieldsV1: fields({ 'f:failurePolicy': {}, 'f:clientConfig': { 'f:caBundle': {} } }) },
      ],
    },
  } as unknown as K8sObject;
  const applied = leaveControllerFields(rendered, live, 'meshctl') as any;
  assert.equal(applied.webhooks[0].failurePolicy, undefined, 'istiod switched it to Fail: meshctl does not switch it back');
  assert.deepEqual(applied.webhooks[0].clientConfig, { service: { name: 'istiod', namespace: 'istio-system' } }, 'the CA istiod generated stays');
  assert.equal(applied.webhooks[1].failurePolicy, 'Ignore', 'a webhook istiod has not touched is applied as rendered');
  assert.equal((rendered as any).webhooks[0].failurePolicy, 'Ignore', 'the rendered object is not modified');
  assert.equal(leaveControllerFields(rendered, undefined, 'meshctl'), rendered, 'first install: everything as rendered');
  const onlyMine = { ...live, metadata: { ...live.metadata, managedFields: [(live.metadata as any).managedFields[0]] } } as K8sObject;
  assert.equal((leaveControllerFields(rendered, onlyMine, 'meshctl') as any).webhooks[0].failurePolicy, 'Ignore');
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istiod' } } as K8sObject;
  assert.equal(leaveControllerFields(svc, svc, 'meshctl'), svc);
});

test('istiod\'s own /version answer is parsed; anything else is no answer', () => {
  assert.equal(parseIstiodVersion('version.BuildInfo{Version:"1.31-dev", GitRevision:"eed52ebb66ad", GolangVersion:"go1.26.0", BuildStatus:"Clean", GitTag:"1.31-dev"}'), '1.31-dev');
  assert.equal(parseIstiodVersion('1.31-dev-eed52ebb66ad-Clean\n'), '1.31-dev', 'the short form istiod answers (seen from the built pilot-discovery)');
  assert.equal(parseIstiodVersion('1.30.3-unknown-Modified'), '1.30.3');
  assert.equal(parseIstiodVersion('<html>502 Bad Gateway</html>'), undefined);
  assert.equal(parseIstiodVersion({ kind: 'Status' }), undefined);
});

test('one wait for a healthy mesh (status --wait, up): looks until healthy, or until the time is up, saying which look is the last', async () => {
  const { waitUntilHealthy } = await import('../../src/mesh/istio/status.js');
  const answers = [false, false, true];
  let looks = 0;
  const look = async () => ({ status: { healthy: answers[looks++] } });
  const told: boolean[] = [];
  const healthy = await waitUntilHealthy(look, { timeoutMs: 10_000, intervalMs: 1, onLook: (_l, last) => told.push(last) });
  assert.deepEqual({ looks, timedOut: healthy.timedOut, told }, { looks: 3, timedOut: false, told: [false, false] });
  const never = await waitUntilHealthy(async () => ({ status: { healthy: false } }), { timeoutMs: 0, onLook: (_l, last) => told.push(last) });
  assert.equal(never.timedOut, true);
  assert.deepEqual(told.slice(2), [true], 'a look past the deadline is the last, and no sleep follows it');
});
