/**
 * The samples and addons meshctl deploys, and where their manifests come from: the samples/ directory of an
 * Istio release in meshctl's cache (the release the cluster runs, else the version asked for, else the newest
 * cached), or meshctl's own samples/ when no cached release has them. Nothing is downloaded here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '../cluster/client.js';
import { parseSource } from '../manifests/documents.js';
import type { K8sObject } from '../manifests/object.js';
import { cacheRoot, cachedRelease, cachedReleases, type Release } from '../release/download.js';
import { hostPlatform } from '../release/source.js';
import type { AppliedChange } from '../cluster/live-apply.js';
import { InputError, UsageError } from '../ui/errors.js';
import type { Reporter } from '../ui/progress.js';
import { readInventory } from './istio/install.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';

export interface SampleSpec {
  name: string;
  description: string;
  /** Its manifests under a release's samples/. */
  releaseFiles: string[];
  /** Its manifests under meshctl's own samples/, when meshctl has a copy. */
  ownFiles?: string[];
  /** How `--expose` puts it behind the ingress gateway. */
  expose?: { service: string; port: number; exactPaths: string[]; pathPrefixes: string[] };
}

export const SAMPLES: SampleSpec[] = [
  {
    name: 'bookinfo', description: 'productpage, details, ratings and three versions of reviews (the canary demo)',
    releaseFiles: ['bookinfo/platform/kube/bookinfo.yaml'], ownFiles: ['bookinfo/bookinfo.yaml'],
    expose: { service: 'productpage', port: 9080, exactPaths: ['/productpage', '/login', '/logout'], pathPrefixes: ['/static', '/api/v1/products'] },
  },
  { name: 'httpbin', description: 'an HTTP request and response service', releaseFiles: ['httpbin/httpbin.yaml'], expose: { service: 'httpbin', port: 8000, exactPaths: [], pathPrefixes: [] } },
  { name: 'curl', description: 'a pod with curl, to send requests from inside the mesh', releaseFiles: ['curl/curl.yaml'] },
  { name: 'sleep', description: 'a pod with curl (the older name of curl)', releaseFiles: ['sleep/sleep.yaml'] },
  {
    name: 'helloworld', description: 'two versions of a hello service (v1 and v2)', releaseFiles: ['helloworld/helloworld.yaml'],
    expose: { service: 'helloworld', port: 5000, exactPaths: ['/hello'], pathPrefixes: [] },
  },
];

export const ADDONS = ['prometheus', 'grafana', 'jaeger', 'kiali'] as const;
export const ADDON_NAMESPACE = ISTIO_NAMESPACE;

/** An addon's name, checked. */
export function checkAddon(name: string): string {
  if (!(ADDONS as readonly string[]).includes(name)) throw new UsageError(`no addon "${name}" (addons: ${ADDONS.join(', ')})`);
  return name;
}

export function sampleSpec(name: string): SampleSpec {
  const spec = SAMPLES.find((s) => s.name === name);
  if (!spec) throw new UsageError(`no sample "${name}" (samples: ${SAMPLES.map((s) => s.name).join(', ')})`);
  return spec;
}

/**
 * The cached release to take samples and addons from: `version` when given (it must be cached), else the
 * one the cluster runs (meshctl's install inventory), else the newest in the cache; undefined when none.
 */
export async function localRelease(kube: KubeClient | undefined, version?: string): Promise<Release | undefined> {
  const root = cacheRoot();
  const { os, arch } = hostPlatform();
  if (version) {
    const r = await cachedRelease(root, version, os, arch);
    if (!r) throw new UsageError(`Istio ${version} is not in meshctl's cache (meshctl download --version ${version})`);
    return r;
  }
  const installed = kube ? (await readInventory(kube).catch(() => undefined))?.version : undefined;
  if (installed) {
    const r = await cachedRelease(root, installed, os, arch);
    if (r) return r;
  }
  return (await cachedReleases(root))[0];
}

export interface Manifests {
  objects: K8sObject[];
  /** Where they came from: "Istio 1.30.3 release" or "meshctl". */
  from: string;
}

/** Parses manifest files; any problem is an InputError naming the file. */
async function readManifests(files: { path: string; text: string }[]): Promise<K8sObject[]> {
  const out: K8sObject[] = [];
  for (const f of files) {
    const set = await parseSource(Buffer.from(f.text), f.path);
    if (set.problems.length > 0) throw new InputError(`${f.path}:${set.problems[0].line}: ${set.problems[0].message}`);
    for (const o of set.objects) if (o.object.kind && o.object.apiVersion) out.push(o.object);
  }
  return out;
}

/** A sample's manifests, from the release when it has them, else from meshctl's own samples. */
export async function sampleManifests(spec: SampleSpec, release: Release | undefined): Promise<Manifests> {
  if (release) {
    const paths = spec.releaseFiles.map((f) => join(release.dir, 'samples', f));
    const texts = await Promise.all(paths.map((p) => readFile(p, 'utf8').catch(() => undefined)));
    if (texts.every((t) => t !== undefined)) return { objects: await readManifests(paths.map((path, i) => ({ path, text: texts[i]! }))), from: `Istio ${release.version} release` };
  }
  if (!spec.ownFiles) {
    throw new UsageError(`sample ${spec.name} comes from an Istio release and ${release ? `Istio ${release.version} in the cache has no samples/${spec.releaseFiles[0]}` : 'no release is in meshctl\'s cache'} (meshctl download --version V)`);
  }
  const { readAsset } = await import('../assets.js');
  return { objects: await readManifests(spec.ownFiles.map((f) => ({ path: `samples/${f}`, text: readAsset(`samples/${f}`) }))), from: 'meshctl' };
}

/** An addon's manifests, from the release's samples/addons (meshctl has no copies of its own). */
export async function addonManifests(name: string, release: Release | undefined): Promise<Manifests> {
  checkAddon(name);
  if (!release) throw new UsageError(`addons come from an Istio release's samples/addons and no release is in meshctl's cache (meshctl download --version V)`);
  const path = join(release.dir, 'samples', 'addons', `${name}.yaml`);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`Istio ${release.version} in the cache has no samples/addons/${name}.yaml`);
  });
  return { objects: await readManifests([{ path, text }]), from: `Istio ${release.version} release` };
}

/**
 * Namespaced objects without a namespace are put in `namespace`; whether a kind is namespaced is the cluster's
 * answer (discovery), as kubectl decides it.
 */
export async function inNamespace(kube: KubeClient, objects: K8sObject[], namespace: string): Promise<K8sObject[]> {
  const out: K8sObject[] = [];
  for (const o of objects) {
    const namespaced = !o.metadata.namespace && (await kube.resourceFor(o.apiVersion, o.kind)).namespaced;
    out.push(namespaced ? { ...o, metadata: { ...o.metadata, namespace } } : o);
  }
  return out;
}

export interface DeploySampleOptions {
  spec: SampleSpec;
  namespace: string;
  /** Also route the ingress gateway to it (a Gateway and a VirtualService). */
  expose: boolean;
  version?: string;
  timeoutMs: number;
  reporter: Reporter;
}

/** Deploys a sample (recorded, waited for), optionally exposed; returns what changed. */
export async function deploySample(kube: KubeClient, opts: DeploySampleOptions): Promise<AppliedChange[]> {
  const { spec, namespace, reporter } = opts;
  const manifests = await sampleManifests(spec, await localRelease(kube, opts.version));
  const objects = await inNamespace(kube, manifests.objects, namespace);
  if (opts.expose && spec.expose) {
    const { expose } = await import('../generate/expose.js');
    objects.push(...expose({
      ...spec.expose, namespace, hosts: ['*'], gatewayPort: 80, gatewaySelector: { istio: 'ingressgateway' }, gatewayName: `${spec.name}-gateway`, createGateway: true,
    }));
  }
  reporter.info(`sample ${spec.name} from ${manifests.from} into namespace ${namespace}`);
  const { deployRecorded } = await import('../cluster/recorded.js');
  const changes = await deployRecorded(kube, { kind: 'sample', name: spec.name, namespace, objects, timeoutMs: opts.timeoutMs, reporter, facts: { from: manifests.from } });
  if (opts.expose && spec.expose) {
    const path = spec.expose.exactPaths[0] ?? '/';
    reporter.info(`exposed through the ingress gateway (port 80): http://INGRESS${path} (on a Kind cluster made by meshctl: http://localhost${path})`);
  }
  return changes;
}

/** Installs addons (all manifests read before any is applied), recorded in istio-system; returns what changed. */
export async function installAddons(
  kube: KubeClient, opts: { names: string[]; version?: string; timeoutMs: number; reporter: Reporter },
): Promise<AppliedChange[]> {
  const release = await localRelease(kube, opts.version);
  // every addon's manifests are read before any is applied: a missing one stops the whole command
  const manifests = await Promise.all(opts.names.map((n) => addonManifests(n, release)));
  const { deployRecorded } = await import('../cluster/recorded.js');
  const changes: AppliedChange[] = [];
  for (const [i, name] of opts.names.entries()) {
    const objects = await inNamespace(kube, manifests[i].objects, ADDON_NAMESPACE);
    for (const c of await deployRecorded(kube, { kind: 'addon', name, namespace: ADDON_NAMESPACE, objects, timeoutMs: opts.timeoutMs, reporter: opts.reporter, facts: { from: manifests[i].from } })) changes.push(c);
  }
  return changes;
}
