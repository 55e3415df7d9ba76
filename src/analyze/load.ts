/**
 * Loaders that build the snapshot: from files (with positions), from the live cluster, or both — files
 * overlay live resources with the same identity, and say they came from the file.
 */
import type { FieldPath, SourceSet } from '../manifests/documents.js';
import { apiGroup, type K8sObject } from '../manifests/object.js';
import { CORE_SHAPES } from '../manifests/core-shapes.js';
import { SchemaSet } from '../validate/schema.js';
import { crdsFromBundle } from '../validate/sources.js';
import type { Kube } from '../cluster/kube.js';
import { Snapshot, type Resource } from './snapshot.js';

/** The kinds analysis reads from a cluster: [apiVersion, kind]. */
export const LIVE_KINDS: [string, string][] = [
  ['v1', 'Namespace'], ['v1', 'Service'], ['v1', 'Pod'], ['v1', 'ServiceAccount'],
  ['networking.istio.io/v1', 'VirtualService'], ['networking.istio.io/v1', 'DestinationRule'], ['networking.istio.io/v1', 'Gateway'],
  ['networking.istio.io/v1', 'ServiceEntry'], ['networking.istio.io/v1', 'Sidecar'],
  ['security.istio.io/v1', 'PeerAuthentication'], ['security.istio.io/v1', 'AuthorizationPolicy'], ['security.istio.io/v1', 'RequestAuthentication'],
  ['telemetry.istio.io/v1', 'Telemetry'],
];

const ISTIO_OR_CORE = (apiVersion: string) => apiGroup(apiVersion) === '' || apiGroup(apiVersion).endsWith('istio.io') || apiGroup(apiVersion) === 'apps';

export function resourcesFromSources(set: SourceSet, defaultNamespace = 'default'): Resource[] {
  const out: Resource[] = [];
  for (const src of set.objects) {
    const o = src.object;
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || typeof o.metadata?.name !== 'string' || !ISTIO_OR_CORE(o.apiVersion)) continue;
    const clusterScoped = o.kind === 'Namespace';
    const namespace = clusterScoped ? '' : typeof o.metadata.namespace === 'string' ? o.metadata.namespace : defaultNamespace;
    out.push({ object: o, kind: o.kind, namespace, name: o.metadata.name, file: src.source, locate: src.locate });
  }
  return out;
}

/**
 * The type guard where resources from files enter analysis (the apiserver has checked live ones): each
 * field of a kind the bundled schemas know must have its schema's JSON type, and metadata its usual shape.
 * A resource that fails keeps its `typeErrors` and is reported instead of analyzed, so no analyzer meets
 * `hosts: reviews` or `http: [null]`.
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
    if (entry) errors.push(...(await schemas.typeErrors(r.object, entry)));
    if (errors.length > 0) r.typeErrors = errors;
  }
  return resources;
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

/** Lists every analyzed kind the cluster serves (all namespaces, or one). */
export async function resourcesFromCluster(kube: Kube, namespace?: string): Promise<Resource[]> {
  const lists = await Promise.all(LIVE_KINDS.map(async ([apiVersion, kind]) => {
    if (!(await kube.serves(apiVersion, kind))) return [];
    return kube.list(apiVersion, kind, { namespace: kind === 'Namespace' ? undefined : namespace });
  }));
  return lists.flat().map((o) => ({ object: o, kind: o.kind, namespace: o.kind === 'Namespace' ? '' : o.metadata.namespace ?? '', name: o.metadata.name }));
}

/** Files win over live resources with the same kind, namespace and name. */
export function overlay(live: Resource[], files: Resource[]): Resource[] {
  const key = (r: Resource) => `${r.kind}/${r.namespace}/${r.name}`;
  const fromFiles = new Set(files.map(key));
  return [...live.filter((r) => !fromFiles.has(key(r))), ...files];
}

/**
 * The snapshot. Files-only analysis assumes a default ingress gateway workload (istio: ingressgateway in
 * istio-system), so gateway checks do not misfire.
 */
export function buildSnapshot(resources: Resource[], filesOnly: boolean): Snapshot {
  return new Snapshot(resources, { filesOnly });
}
