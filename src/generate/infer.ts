/**
 * Which service a generator means when none is named (`meshctl split v1=90 v2=10`): the one service the `--from`
 * resources route, else the one Service of the namespace whose pods carry every named version. Pure: the caller
 * reads the resources, Services and Pods.
 */
import { labelsMatch, type K8sObject } from '../manifests/object.js';
import { UsageError } from '../ui/errors.js';

/** The short name of a host (`reviews`, `reviews.bookinfo.svc.cluster.local` → `reviews`); undefined for wildcards or external hosts. */
function shortName(host: unknown, namespace: string): string | undefined {
  if (typeof host !== 'string' || host.includes('*')) return undefined;
  const parts = host.split('.');
  if (parts.length === 1) return host;
  // NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local: a service of this namespace only
  if (parts[1] === namespace && (parts.length === 2 || parts[2] === 'svc')) return parts[0];
  return undefined;
}

/** The services the routing resources are about: VirtualService hosts, DestinationRule hosts, HTTPRoute Service parents. */
export function servicesRouted(objects: K8sObject[], namespace: string): string[] {
  const found = new Set<string>();
  for (const o of objects) {
    const ns = o.metadata?.namespace ?? namespace;
    if (o.kind === 'VirtualService') for (const h of o.spec?.hosts ?? []) { const s = shortName(h, ns); if (s) found.add(s); }
    if (o.kind === 'DestinationRule') { const s = shortName(o.spec?.host, ns); if (s) found.add(s); }
    if (o.kind === 'HTTPRoute') {
      for (const p of o.spec?.parentRefs ?? []) if (p?.kind === 'Service' && typeof p.name === 'string') found.add(p.name);
    }
  }
  return [...found].sort();
}

/** Whether a pod matches a Service's selector (a Service without one selects nothing). */
function selects(service: K8sObject, pod: K8sObject): boolean {
  const selector = service.spec?.selector as Record<string, string> | undefined;
  // a Service without a selector (or an empty one) has no pods of its own
  return Boolean(selector && Object.keys(selector).length > 0) && labelsMatch(selector, pod.metadata?.labels);
}

/** The Services whose pods carry every one of `versions` in label `labelKey`. */
export function servicesWithVersions(services: K8sObject[], pods: K8sObject[], versions: string[], labelKey: string): string[] {
  return services.filter((svc) => {
    const have = new Set(pods.filter((p) => selects(svc, p)).map((p) => p.metadata?.labels?.[labelKey]).filter(Boolean));
    return versions.every((v) => have.has(v));
  }).map((s) => s.metadata.name).sort();
}

/** The one candidate, or a usage error (exit 64) naming them all, or saying there is none and where it looked. */
export function theOne(candidates: string[], where: string, example: string): string {
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) throw new UsageError(`no service to infer from ${where}: name it (${example})`);
  throw new UsageError(`${candidates.length} services could be meant (${candidates.join(', ')}) in ${where}: name one (${example})`);
}
