/**
 * Loaders that build the snapshot: from files (with positions), from the live cluster, or both — files
 * overlay live resources with the same identity, and say they came from the file.
 */
import type { FieldPath, SourceSet } from '../manifests/documents.js';
import { apiGroup, type K8sObject } from '../manifests/object.js';
import { CORE_SHAPES } from '../schema/core-shapes.js';
import { SchemaSet } from '../schema/schema.js';
import { crdsFromBundle } from '../schema/bundled.js';
import { lineOf, MULTI_CLUSTER_SECRET_LABEL, originOf, Snapshot, type MeshConfig, type Resource } from './snapshot.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import type { KubeClient } from '../cluster/client.js';

/** Stands for the istio namespace (`--istioNamespace`, istio-system by default) in LIVE_SOURCES. */
const THE_ISTIO_NAMESPACE = '<istio namespace>';

/**
 * Where each kind an analyzer may read is listed in a cluster: [apiVersion, namespace to list (default: all)].
 * The live listing is the kinds the selected analyzers declare they read (`Analyzer.reads`), so a cluster is
 * asked for what analysis uses and nothing more.
 */
export const LIVE_SOURCES: Record<string, [string, string?]> = {
  Namespace: ['v1'], Service: ['v1'], Pod: ['v1'], ServiceAccount: ['v1'], Secret: ['v1'], Node: ['v1'],
  // the injector's and the mesh's ConfigMaps live in the istio namespace
  ConfigMap: ['v1', THE_ISTIO_NAMESPACE],
  Deployment: ['apps/v1'],
  MutatingWebhookConfiguration: ['admissionregistration.k8s.io/v1'], ValidatingWebhookConfiguration: ['admissionregistration.k8s.io/v1'],
  CustomResourceDefinition: ['apiextensions.k8s.io/v1'],
  VirtualService: ['networking.istio.io/v1'], DestinationRule: ['networking.istio.io/v1'], Gateway: ['networking.istio.io/v1'],
  ServiceEntry: ['networking.istio.io/v1'], Sidecar: ['networking.istio.io/v1'], WorkloadEntry: ['networking.istio.io/v1'],
  EnvoyFilter: ['networking.istio.io/v1alpha3'], ProxyConfig: ['networking.istio.io/v1beta1'], WasmPlugin: ['extensions.istio.io/v1alpha1'],
  PeerAuthentication: ['security.istio.io/v1'], AuthorizationPolicy: ['security.istio.io/v1'], RequestAuthentication: ['security.istio.io/v1'],
  Telemetry: ['telemetry.istio.io/v1'],
  'gateway.networking.k8s.io/Gateway': ['gateway.networking.k8s.io/v1'], 'gateway.networking.k8s.io/HTTPRoute': ['gateway.networking.k8s.io/v1'],
  'gateway.networking.k8s.io/GRPCRoute': ['gateway.networking.k8s.io/v1'],
};

/** What `reads` may name besides listed kinds: the mesh config and mesh networks (read from their ConfigMap) and every resource. */
export const READ_WITHOUT_LISTING = ['MeshConfig', 'MeshNetworks', '*'];

/** The [apiVersion, kind, namespace] listings for analyzers that read `reads` (every listed kind for `*`). */
export function liveKinds(reads: string[], istioNamespace = ISTIO_NAMESPACE): [string, string, string?][] {
  const wanted = reads.includes('*') ? Object.keys(LIVE_SOURCES) : [...new Set(reads.filter((k) => k in LIVE_SOURCES).concat('ConfigMap', 'Namespace'))];
  return wanted.map((k) => {
    const [apiVersion, only] = LIVE_SOURCES[k];
    return [apiVersion, k.includes('/') ? k.slice(k.lastIndexOf('/') + 1) : k, only === THE_ISTIO_NAMESPACE ? istioNamespace : only];
  });
}

/** The groups analysis reads: core, apps, Istio's, the Gateway API's, webhooks and CRDs. */
const ANALYZED_GROUPS = ['', 'apps', 'gateway.networking.k8s.io', 'gateway.networking.x-k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io'];
const ISTIO_OR_CORE = (apiVersion: string) => ANALYZED_GROUPS.includes(apiGroup(apiVersion)) || apiGroup(apiVersion).endsWith('istio.io');

const CLUSTER_SCOPED = ['Namespace', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'CustomResourceDefinition', 'GatewayClass', 'Node'];

/** Objects held in memory (what a generator is about to apply), as resources with no file. */
export function resourcesFromObjects(objects: K8sObject[], defaultNamespace = 'default'): Resource[] {
  return objects.map((o) => ({
    object: o, kind: o.kind, name: o.metadata.name,
    namespace: CLUSTER_SCOPED.includes(o.kind) ? '' : typeof o.metadata.namespace === 'string' ? o.metadata.namespace : defaultNamespace,
  }));
}

export function resourcesFromSources(set: SourceSet, defaultNamespace = 'default'): Resource[] {
  const out: Resource[] = [];
  for (const src of set.objects) {
    const o = src.object;
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || typeof o.metadata?.name !== 'string' || !ISTIO_OR_CORE(o.apiVersion)) continue;
    const clusterScoped = CLUSTER_SCOPED.includes(o.kind);
    const namespace = clusterScoped ? '' : typeof o.metadata.namespace === 'string' ? o.metadata.namespace : defaultNamespace;
    out.push({ object: o, kind: o.kind, namespace, name: o.metadata.name, file: src.source, locate: src.locate, line: src.line });
  }
  return out;
}

/**
 * The type guard where resources from files enter analysis (the apiserver has checked live ones): each
 * field of a kind the bundled schemas know must have its schema's JSON type, and metadata its usual shape.
 * A resource that fails keeps its `typeErrors` and is reported instead of analyzed, so no analyzer meets
 * `hosts: reviews` or `http: [null]`. A well-typed resource of a mesh kind is also checked against the whole
 * schema as `meshctl validate` checks it (one rule, one home): its errors are kept as `schemaErrors`.
 */
export async function checkTypes(resources: Resource[]): Promise<Resource[]> {
  const core = new SchemaSet(CORE_SHAPES);
  let bundled: SchemaSet | undefined;
  for (const r of resources) {
    const errors = metadataTypeErrors(r.object);
    let entry = core.find(r.object.apiVersion, r.kind);
    let schemas = core;
    if (!entry && apiGroup(r.object.apiVersion) !== '' && apiGroup(r.object.apiVersion) !== 'apps') {
      schemas = bundled ??= new SchemaSet(await crdsFromBundle('experimental'));
      entry = schemas.find(r.object.apiVersion, r.kind);
    }
    // a null field is the field left unset (the apiserver prunes it), not a field of the wrong type; a null list item is wrong
    const unset = (e: { path: FieldPath }) => typeof e.path[e.path.length - 1] === 'string' && valueAt(r.object, e.path) === null;
    if (entry) errors.push(...(await schemas.typeErrors(r.object, entry)).filter((e) => !unset(e)));
    if (errors.length > 0) r.typeErrors = errors;
    else if (entry && schemas !== core) {
      const invalid = (await schemas.validate(r.object, entry)).filter((f) => f.severity === 'error');
      if (invalid.length > 0) r.schemaErrors = invalid.map(({ path, message }) => ({ path, message }));
    }
  }
  return resources;
}

function valueAt(o: unknown, path: FieldPath): unknown {
  return path.reduce<any>((v, k) => (v === null || v === undefined ? undefined : v[k]), o);
}

/** Labels and annotations are maps of strings; the name and namespace strings (checked when read). */
function metadataTypeErrors(o: K8sObject): { path: FieldPath; message: string }[] {
  const out: { path: FieldPath; message: string }[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const map = o.metadata[field];
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Array.isArray(map)) out.push({ path: ['metadata', field], message: 'must be an object' });
    else for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') out.push({ path: ['metadata', field, k], message: 'must be a string' });
  }
  return out;
}

/**
 * What analysis keeps of a live object: CRDs without their schemas, Secrets with only the certificate keys
 * (nothing else of a Secret is read, and keys and tokens should not sit in memory for nothing).
 */
function slim(o: K8sObject): K8sObject {
  if (o.kind === 'CustomResourceDefinition') return { ...o, spec: { group: o.spec?.group, names: o.spec?.names, scope: o.spec?.scope } };
  if (o.kind === 'Secret') {
    // a remote cluster's secret: its keys name the cluster registries (the kubeconfigs are not kept)
    const remote = o.metadata.labels?.[MULTI_CLUSTER_SECRET_LABEL] === 'true';
    const data = Object.fromEntries(Object.entries(o.data ?? {})
      .filter(([k]) => remote || ['tls.crt', 'tls.key', 'cert', 'key'].includes(k))
      .map(([k, v]) => [k, remote ? '' : v]));
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, type: o.type, data };
  }
  return o;
}

/** Lists the kinds analyzers that read `reads` need, where the cluster serves them (all namespaces, or the istio namespace). */
export async function resourcesFromCluster(kube: KubeClient, reads: string[] = ['*'], istioNamespace = ISTIO_NAMESPACE): Promise<Resource[]> {
  const lists = await Promise.all(liveKinds(reads, istioNamespace).map(async ([apiVersion, kind, only]) => {
    if (!(await kube.serves(apiVersion, kind))) return [];
    const clusterScoped = CLUSTER_SCOPED.includes(kind);
    return (await kube.list(apiVersion, kind, { namespace: clusterScoped ? undefined : only })).map(slim);
  }));
  return lists.flat().map((o) => ({ object: o, kind: o.kind, namespace: CLUSTER_SCOPED.includes(o.kind) ? '' : o.metadata.namespace ?? '', name: o.metadata.name }));
}

/** Files win over live resources with the same kind, namespace and name. */
export function overlay(live: Resource[], files: Resource[]): Resource[] {
  const fromFiles = new Set(files.map(identity));
  return [...live.filter((r) => !fromFiles.has(identity(r))), ...files];
}

/** Which object a resource is: API group, kind, namespace, name. */
const identity = (r: Resource): string => `${apiGroup(r.object.apiVersion ?? '')}/${r.kind}/${r.namespace}/${r.name}`;

/** An object that the input defines more than once: where, in input order (the last is the one analyzed). */
export interface Redefined {
  origin: string;
  sources: string[];
}

/**
 * One resource per object, as applying the files in order would leave it: a later definition of the same object
 * replaces the earlier one (istioctl keeps one as well: "item already exists"). The objects defined more than
 * once are returned too, so that it is said rather than silently dropped.
 */
export function lastDefinitions(resources: Resource[]): { resources: Resource[]; redefined: Redefined[] } {
  const last = new Map<string, Resource>();
  const seen = new Map<string, Resource[]>();
  for (const r of resources) {
    const key = identity(r);
    last.delete(key); // re-inserted: the object takes the place of its last definition
    last.set(key, r);
    seen.set(key, [...(seen.get(key) ?? []), r]);
  }
  const where = (r: Resource) => (r.file ? `${r.file}:${lineOf(r, [])}` : '(pending change)');
  const redefined = [...seen.values()].filter((rs) => rs.length > 1).map((rs) => ({ origin: originOf(rs[0]), sources: rs.map(where) }));
  return { resources: [...last.values()], redefined };
}

/**
 * The default ingress gateway istioctl assumes in file analysis (a Service and a pod labelled istio=ingressgateway
 * in the istio namespace, ports 80, 443, 31400, 15443), so that Gateways selecting it do not misfire. Assumed,
 * never reported on; not added when the files hold that Service.
 */
export function defaultIngressGateway(meshConfig: MeshConfig, resources: Resource[], ns = ISTIO_NAMESPACE): Resource[] {
  const name = meshConfig.ingressService;
  if (resources.some((r) => r.kind === 'Service' && r.namespace === ns && r.name === name)) return [];
  const labels = { istio: 'ingressgateway' };
  const ports = [['http2', 80], ['https', 443], ['tcp', 31400], ['tls', 15443]].map(([n, p]) => ({ name: n, port: p, protocol: 'TCP', targetPort: p }));
  const pod: K8sObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${name}-dummypod`, namespace: ns, labels }, spec: { containers: [{ name: 'istio-proxy' }] } };
  const svc: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports, selector: labels } };
  return [pod, svc].map((o) => ({ object: o, kind: o.kind, namespace: ns, name: o.metadata.name, synthetic: true }));
}

type MeshConfigFields = Partial<MeshConfig>;

/** The ConfigMap `istio` of the istio namespace (it holds the mesh config and the mesh networks), if present. */
const istioConfigMap = (resources: Resource[], istioNamespace: string) =>
  resources.find((r) => r.kind === 'ConfigMap' && r.name === 'istio' && r.namespace === istioNamespace);

/** The mesh config from the ConfigMap `istio` of the istio namespace, if the resources hold it. */
export async function meshConfigFromResources(resources: Resource[], istioNamespace = ISTIO_NAMESPACE): Promise<MeshConfigFields | undefined> {
  const text = (istioConfigMap(resources, istioNamespace)?.object.data as Record<string, unknown> | undefined)?.mesh;
  return typeof text === 'string' ? parseMeshConfig(text, `ConfigMap ${istioNamespace}/istio`) : undefined;
}

/** A YAML document that must be a mapping (an empty document is an empty mapping); an error names where it came from and what it should be. */
async function parseMapping(text: string, source: string, what: string): Promise<Record<string, unknown>> {
  const { parse } = await import('yaml');
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new Error(`${source}: not a ${what}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${source}: not a ${what}: expected a mapping of its fields`);
  return parsed as Record<string, unknown>;
}

/** A mesh config document (YAML); an error names where it came from. */
export async function parseMeshConfig(text: string, source: string): Promise<Partial<MeshConfig>> {
  return parseMapping(text, source, 'mesh config') as Promise<Partial<MeshConfig>>;
}

/**
 * The mesh networks as the resource Istio's analysis has (MeshNetworks istio-system/meshnetworks), from a parsed
 * document: `networks` must map names to networks, each with a list of `endpoints`. `at` gives it the position of
 * its source: the document's own file, or the ConfigMap that holds it.
 */
export function meshNetworksResource(
  doc: Record<string, unknown>, source: string, at: Pick<Resource, 'file' | 'locate' | 'line'> = {}, istioNamespace = ISTIO_NAMESPACE,
): Resource {
  const networks = doc.networks ?? {};
  const wrong = (why: string) => new Error(`${source}: not a mesh networks config: ${why}`);
  if (typeof networks !== 'object' || Array.isArray(networks)) throw wrong('networks must map network names to networks');
  for (const [name, n] of Object.entries(networks as Record<string, unknown>)) {
    if (n === null) continue;
    if (typeof n !== 'object' || Array.isArray(n)) throw wrong(`network ${name} must be a mapping`);
    const endpoints = (n as Record<string, unknown>).endpoints;
    if (endpoints !== undefined && endpoints !== null && !Array.isArray(endpoints)) throw wrong(`network ${name}: endpoints must be a list`);
  }
  const object: K8sObject = { ...doc, apiVersion: 'mesh.istio.io/v1alpha1', kind: 'MeshNetworks', metadata: { name: 'meshnetworks', namespace: istioNamespace } };
  return { object, kind: 'MeshNetworks', namespace: istioNamespace, name: 'meshnetworks', ...at };
}

/** The mesh networks from the ConfigMap `istio` of the istio namespace, if the resources hold them; positions are the ConfigMap's key. */
export async function meshNetworksFromResources(resources: Resource[], istioNamespace = ISTIO_NAMESPACE): Promise<Resource | undefined> {
  const cm = istioConfigMap(resources, istioNamespace);
  const text = (cm?.object.data as Record<string, unknown> | undefined)?.meshNetworks;
  if (typeof text !== 'string' || !cm) return undefined;
  const key = ['data', 'meshNetworks'];
  const at = cm.file ? { file: cm.file, locate: cm.locate && (() => cm.locate!(key)), line: cm.line && (() => cm.line!(key)) } : {};
  const source = `ConfigMap ${istioNamespace}/istio`;
  return meshNetworksResource(await parseMapping(text, source, 'mesh networks config'), source, at, istioNamespace);
}

export function buildSnapshot(resources: Resource[], meshConfig?: Partial<MeshConfig>): Snapshot {
  return new Snapshot(resources, { meshConfig });
}
