/**
 * The install logic (plan, phases, waits, inventory, prune, interruption, uninstall) against an in-memory
 * KubeClient: seconds, no root, no control plane. The integration tests run the same logic against the real
 * apiserver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installIstio, readInventory, uninstallIstio, type InstallOptions } from '../../src/mesh/istio/install.js';
import { ExitCode, MeshctlError } from '../../src/ui/errors.js';
import type { K8sObject } from '../../src/manifests/object.js';
import { FakeKube, readyStatus } from '../helpers/fake-kube.js';

const NS = 'istio-system';
/** An object in istio-system (`cluster: true` for cluster-scoped kinds). */
interface ObjOptions { cluster?: boolean; labels?: Record<string, string>; spec?: any; data?: any }
function obj(apiVersion: string, kind: string, name: string, opts: ObjOptions = {}): K8sObject {
  const metadata = { name, ...(opts.cluster ? {} : { namespace: NS }), ...(opts.labels ? { labels: opts.labels } : {}) };
  return { apiVersion, kind, metadata, ...(opts.spec ? { spec: opts.spec } : {}), ...(opts.data ? { data: opts.data } : {}) };
}

/** A small rendered control plane: a CRD, config, istiod with its webhook, an ingress gateway. */
function rendered(opts: { gateway?: boolean; crds?: string[] } = {}): K8sObject[] {
  const crds = (opts.crds ?? ['virtualservices.networking.istio.io']).map((n) => obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', n, { cluster: true }));
  const out = [
    ...crds,
    obj('v1', 'ServiceAccount', 'istiod'),
    obj('v1', 'ConfigMap', 'istio', { data: { mesh: 'x' } }),
    obj('apps/v1', 'Deployment', 'istiod', { spec: { replicas: 1 } }),
    obj('v1', 'Service', 'istiod'),
    obj('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'istio-sidecar-injector', { cluster: true }),
  ];
  if (opts.gateway !== false) {
    out.push(obj('apps/v1', 'Deployment', 'istio-ingressgateway', { labels: { 'operator.istio.io/component': 'IngressGateways' }, spec: { replicas: 1 } }));
  }
  return out;
}

const release = { version: '1.30.3', dir: '/nonexistent', istioctl: '/nonexistent', downloaded: false } as any;
const options = (extra: Partial<InstallOptions> = {}): InstallOptions => ({ release, profile: 'demo', rendered: rendered(), timeoutMs: 5_000, pollMs: 20, ...extra });

test('install applies in phase order, records the inventory before the CRDs, and a re-run writes nothing', async () => {
  const kube = new FakeKube();
  const result = await installIstio(kube, options());
  assert.equal(result.applied, 8, 'the namespace and the 7 rendered objects');
  const applies = kube.writeLog.filter((w) => w.startsWith('apply '));
  const at = (what: string) => applies.indexOf(`apply ${what}`);
  assert.equal(at('Namespace istio-system'), 0);
  assert.ok(at('ConfigMap istio-system/meshctl-inventory') < at('CustomResourceDefinition virtualservices.networking.istio.io'), 'inventory first');
  assert.ok(at('CustomResourceDefinition virtualservices.networking.istio.io') < at('ServiceAccount istio-system/istiod'), 'CRDs before config');
  assert.ok(at('ServiceAccount istio-system/istiod') < at('Deployment istio-system/istiod'), 'config before istiod');
  assert.ok(at('Deployment istio-system/istiod') < at('Deployment istio-system/istio-ingressgateway'), 'istiod before gateways');
  assert.equal((await readInventory(kube))?.objects.length, 8);
  const before = kube.writeLog.length;
  const again = await installIstio(kube, options());
  assert.equal(again.applied, 0);
  assert.deepEqual(again.plan.items.map((i) => i.action).filter((a) => a !== 'unchanged'), []);
  assert.equal(kube.writeLog.length, before, 're-run makes no write');
});

test('a profile without the gateway prunes it; CRDs are pruned only with purge', async () => {
  const kube = new FakeKube();
  await installIstio(kube, options({ rendered: rendered({ crds: ['a.networking.istio.io', 'b.networking.istio.io'] }) }));
  const smaller = await installIstio(kube, options({ rendered: rendered({ gateway: false, crds: ['a.networking.istio.io'] }) }));
  assert.equal(smaller.pruned, 1);
  assert.ok(kube.writeLog.includes('delete Deployment istio-system/istio-ingressgateway'));
  assert.ok(!kube.writeLog.includes('delete CustomResourceDefinition b.networking.istio.io'), 'CRDs stay (users\' config lives in them)');
  await installIstio(kube, options({ rendered: rendered({ gateway: false, crds: [] }), purge: true }));
  // the inventory holds what the last install rendered: CRD a (b left it when the profile dropped it)
  assert.ok(kube.writeLog.includes('delete CustomResourceDefinition a.networking.istio.io'), 'purge deletes the CRDs no longer rendered');
});

test('an interrupt between steps stops the install with 130, and the inventory covers what may have been applied', async () => {
  const kube = new FakeKube();
  // Ctrl-C once a few objects are applied (the namespace, the inventory, the CRD, the first config object)
  const interrupted = () => kube.writeLog.filter((w) => w.startsWith('apply ')).length > 3;
  await assert.rejects(installIstio(kube, options({ interrupted })), (err: unknown) => err instanceof MeshctlError && err.exitCode === ExitCode.Interrupted);
  const inv = await readInventory(kube);
  assert.equal(inv?.objects.length, 8, 'every rendered object is in the inventory');
  assert.ok(!kube.writeLog.includes('apply Deployment istio-system/istio-ingressgateway'), 'stopped before the gateways');
  const rerun = await installIstio(kube, options());
  assert.ok(rerun.applied > 0 && rerun.applied < 8, `a re-run applies only the rest (${rerun.applied})`);
});

test('a Deployment that never becomes ready: the wait ends with exit 2 naming it and why', async () => {
  const kube = new FakeKube({ statusFor: (o) => (o.kind === 'Deployment' ? { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 0 } : readyStatus(o)) });
  await assert.rejects(installIstio(kube, options({ timeoutMs: 0 })), (err: unknown) =>
    err instanceof MeshctlError && err.exitCode === ExitCode.CheckFailed && /Deployment istiod \(0\/1 replicas available\)/.test(err.message));
});

test('preflight: too old a Kubernetes, or a user who may not create CRDs, stops the install before any write', async () => {
  const old = new FakeKube({ minor: 20 });
  await assert.rejects(installIstio(old, options()), /Kubernetes v1\.20\.0 is too old for Istio 1\.30\.3/);
  assert.deepEqual(old.writeLog, []);
  const limited = new FakeKube({ forbidden: ['customresourcedefinitions.apiextensions.k8s.io'] });
  await assert.rejects(installIstio(limited, options()), /you may not create customresourcedefinitions\.apiextensions\.k8s\.io/);
  assert.deepEqual(limited.writeLog, []);
});

test('dry-run and a declined confirmation change nothing', async () => {
  const kube = new FakeKube();
  const dry = await installIstio(kube, options({ dryRun: 'server' }));
  assert.equal(dry.applied, 0);
  assert.deepEqual(kube.writeLog, [], 'a dry run does not even take the install lease');
  const declined = await installIstio(kube, options({ confirm: async () => false }));
  assert.equal(declined.cancelled, true);
  assert.deepEqual(kube.writeLog, ['create Lease kube-system/meshctl-install-istio', 'delete Lease kube-system/meshctl-install-istio'], 'only the lease, taken and given back');
});

test('uninstall deletes exactly the inventory in reverse order, keeps CRDs unless purge, and removes the inventory', async () => {
  const kube = new FakeKube();
  await installIstio(kube, options());
  kube.objects.set('|ConfigMap|istio-system|users-own', obj('v1', 'ConfigMap', 'users-own'));
  const result = await uninstallIstio(kube, { timeoutMs: 5_000 });
  assert.deepEqual(result.kept.map((r) => r.name), ['virtualservices.networking.istio.io']);
  assert.equal(await readInventory(kube), undefined);
  const deletes = kube.writeLog.filter((w) => w.startsWith('delete ') && !w.includes(' Lease '));
  assert.ok(deletes.indexOf('delete Deployment istio-system/istio-ingressgateway') < deletes.indexOf('delete Deployment istio-system/istiod'), 'gateways before istiod');
  assert.equal(deletes.at(-1), 'delete Namespace istio-system', 'the namespace last');
  assert.ok(!kube.writeLog.includes('delete ConfigMap istio-system/users-own'), 'nothing outside the inventory');
  await assert.rejects(uninstallIstio(kube, { timeoutMs: 5_000 }), /no meshctl install found/);
});

test('the default tag: a default install always deploys it; a revisioned one only when no other install holds it', async () => {
  const { installsDefaultTag } = await import('../../src/mesh/istio/revision-tag.js');
  const kube = new FakeKube();
  assert.equal(await installsDefaultTag(kube, []), true);
  assert.equal(await installsDefaultTag(kube, ['revision=canary']), true, 'no tag yet: the revision takes it');
  await kube.apply(obj('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'istio-revision-tag-default', { cluster: true, labels: { app: 'sidecar-injector', 'istio.io/tag': 'default' } }));
  assert.equal(await installsDefaultTag(kube, ['revision=canary']), false, 'an existing tag is left alone');
  assert.equal(await installsDefaultTag(kube, []), true);
  assert.equal(await installsDefaultTag(kube, ['values.global.operatorManageWebhooks=true']), false);
});

/** A reporter that keeps every line it is given. */
function recordingReporter(lines: string[]) {
  const keep = (text: string) => { lines.push(text); };
  return { start: keep, succeed: keep, fail: keep, info: keep, warn: keep, progress: () => undefined };
}

test('two installs at once take turns on the install Lease: the second plans after the first, so nothing live is left unrecorded', async () => {
  const kube = new FakeKube();
  const lines: string[] = [];
  // the demo-like install has a gateway; the other does not, so whichever plans second must prune or keep it knowingly
  const [a, b] = await Promise.all([
    installIstio(kube, options({ reporter: recordingReporter(lines) })),
    installIstio(kube, options({ profile: 'minimal', rendered: rendered({ gateway: false }), reporter: recordingReporter(lines) })),
  ]);
  assert.equal(a.cancelled || b.cancelled, false);
  assert.ok(lines.some((l) => /^waiting for meshctl .* pid \d+ .*, which is changing the Istio install of this cluster \(Lease kube-system\/meshctl-install-istio\)$/.test(l)), lines.join('\n'));
  const inv = (await readInventory(kube))!;
  const listed = inv.objects.some((r) => r.kind === 'Deployment' && r.name === 'istio-ingressgateway');
  const live = Boolean(await kube.get(obj('apps/v1', 'Deployment', 'istio-ingressgateway')));
  assert.equal(live, listed, 'the gateway is live exactly when the inventory lists it');
  assert.equal(await kube.get(obj('coordination.k8s.io/v1', 'Lease', 'meshctl-install-istio', { cluster: true })), undefined);
  assert.equal(kube.objects.has('coordination.k8s.io|Lease|kube-system|meshctl-install-istio'), false, 'the lease is given back');
});

test('uninstall removes the addons in istio-system first, their cluster-wide RBAC too, and says so; its counts add up', async () => {
  const { deployRecorded } = await import('../../src/cluster/recorded.js');
  const kube = new FakeKube();
  await installIstio(kube, options());
  const lines: string[] = [];
  await deployRecorded(kube, {
    kind: 'addon', name: 'kiali', namespace: NS, timeoutMs: 5_000, reporter: recordingReporter([]),
    objects: [obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'kiali', { cluster: true }), obj('v1', 'ServiceAccount', 'kiali'), obj('apps/v1', 'Deployment', 'kiali', { spec: { replicas: 1 } })],
  });
  let asked: string[] = [];
  const confirm = async (_refs: unknown, addons: string[]) => { asked = addons; return true; };
  const result = await uninstallIstio(kube, { timeoutMs: 5_000, reporter: recordingReporter(lines), confirm });
  assert.deepEqual(asked, ['kiali'], 'the confirmation names the addons');
  const deletes = kube.writeLog.filter((w) => w.startsWith('delete '));
  assert.ok(deletes.includes('delete ClusterRole kiali'), 'the addon\'s cluster-wide role goes too');
  assert.ok(deletes.indexOf('delete Deployment istio-system/kiali') < deletes.indexOf('delete Deployment istio-system/istiod'), 'addons first');
  assert.ok(lines.includes('removing addon kiali first: it runs in istio-system'), lines.join('\n'));
  assert.ok(lines.includes('addon kiali: 3 object(s) deleted'), lines.join('\n'));
  assert.ok(lines.some((l) => /^deleted 7 of 7 objects; kept 1 CRDs/.test(l)), lines.join('\n'));
  assert.equal(result.deleted, 7);
});

test('Ctrl-C while planning an install that has nothing to change ends it with 130, nothing written (it used to finish with 0)', async () => {
  const kube = new FakeKube();
  await installIstio(kube, options());
  const before = kube.writeLog.length;
  let asked = 0;
  // the interrupt arrives while the plan is being made (after the third object is looked at)
  const interrupted = () => ++asked > 3;
  await assert.rejects(installIstio(kube, options({ interrupted })), (err: unknown) =>
    err instanceof MeshctlError && err.exitCode === ExitCode.Interrupted && err.message === 'interrupted while planning: nothing was changed');
  assert.equal(kube.writeLog.length, before);
});

test('each phase says what it wrote and what was already so', async () => {
  const kube = new FakeKube();
  await installIstio(kube, options());
  const lines: string[] = [];
  await installIstio(kube, options({ rendered: rendered({ gateway: false }), reporter: recordingReporter(lines), purge: false }));
  const again: string[] = [];
  const changed = rendered();
  changed[2] = obj('v1', 'ConfigMap', 'istio', { data: { mesh: 'y' } });
  await installIstio(kube, options({ rendered: changed, reporter: recordingReporter(again) }));
  assert.ok(again.includes('config: 2 objects in place (1 applied, 1 unchanged)'), again.join('\n'));
  assert.ok(again.some((l) => /^crds: 1 objects ready \(0 applied, 1 unchanged\)$/.test(l)), again.join('\n'));
});

test('the cluster refusing an object: a field conflict is exit 2 (re-run with --force), an admission denial exit 65; neither is "unexpected"', async () => {
  const { KubeApiError } = await import('../../src/cluster/kube.js');
  class Refusing extends FakeKube {
    constructor(private readonly status: number) { super(); }
    override async apply(o: K8sObject, opts: { dryRun?: boolean; force?: boolean } = {}): Promise<K8sObject> {
      if (o.kind === 'ConfigMap' && o.metadata.name === 'istio' && (await this.get(o))) {
        throw new KubeApiError(this.status, this.status === 409 ? 'Conflict' : 'Invalid', `PATCH configmaps/istio: ${this.status === 409 ? 'conflict with "helm"' : 'admission webhook denied the request'}`);
      }
      return super.apply(o, opts);
    }
  }
  for (const [status, code, said] of [
    [409, ExitCode.CheckFailed, /^ConfigMap istio-system\/istio: fields meshctl would change are owned by another field manager \(conflict with "helm"\); the install stopped there.*Rerun with --force/],
    [422, ExitCode.InvalidInput, /^ConfigMap istio-system\/istio was rejected by the cluster \(the install stopped there.*\): admission webhook denied/],
  ] as const) {
    const kube = new Refusing(status);
    await kube.apply(obj('v1', 'ConfigMap', 'istio', { data: { mesh: 'theirs' } }));
    await assert.rejects(installIstio(kube, options()), (err: unknown) => err instanceof MeshctlError && err.exitCode === code && said.test(err.message));
  }
});
