/**
 * Loaders that build the snapshot: from files (with positions), from the live cluster, or both — files
 * overlay live resources with the same identity, and say they came from the file.
 */
import type { SourceSet } from '../manifests/documents.js';
import { apiGroup } from '../manifests/object.js';
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
