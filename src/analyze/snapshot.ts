/**
 * The resource snapshot every analyzer reads, the same for files and the live cluster: resources indexed
 * once by kind, namespace and host, so that analysis cost grows about linearly with the number of resources.
 */
import type { FieldPath, Position } from '../manifests/documents.js';
import { asList, type K8sObject } from '../manifests/object.js';

export interface Resource {
  object: K8sObject;
  kind: string;
  namespace: string;
  name: string;
  /** File it was read from (undefined for live resources). */
  file?: string;
  locate?: (path: FieldPath) => Position;
  /** Fields of the wrong JSON type (from a file): such a resource is reported, and no analyzer reads it. */
  typeErrors?: { path: FieldPath; message: string }[];
}

export const CLUSTER_DOMAIN = 'svc.cluster.local';

export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

/** A label selector match (all selector labels equal). */
export function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

/** The FQDN of a host as written in `namespace` (short names and name.ns forms complete to the cluster domain). */
export function fqdn(host: string, namespace: string): string {
  if (host.includes('*')) return host;
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${host}.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

/** Whether a (possibly wildcard) host pattern covers a host. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) || (host.startsWith('*.') && host.endsWith(pattern.slice(1)));
  return pattern === host;
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class Snapshot {
  /** The resources analyzers read: every one whose fields have the types their schema gives. */
  readonly resources: Resource[];
  /** Resources with fields of the wrong type, kept apart so that no analyzer walks them. */
  readonly illTyped: Resource[];
  private readonly byKind = new Map<string, Resource[]>();
  private readonly servicesByHost = new Map<string, Resource>();
  private readonly serviceEntryExact = new Map<string, Resource>();
  private readonly serviceEntryWildcards: { host: string; resource: Resource }[] = [];
  private readonly podsByNamespace = new Map<string, Resource[]>();
  private readonly destinationRulesByHost = new Map<string, Resource[]>();
  /** True when built from files only: an ingress gateway workload is then assumed to exist. */
  readonly filesOnly: boolean;

  constructor(resources: Resource[], opts: { filesOnly: boolean }) {
    this.resources = resources.filter((r) => !r.typeErrors);
    this.illTyped = resources.filter((r) => r.typeErrors);
    this.filesOnly = opts.filesOnly;
    for (const r of this.resources) {
      appendTo(this.byKind, r.kind, r);
      if (r.kind === 'Service') this.servicesByHost.set(`${r.name}.${r.namespace}.${CLUSTER_DOMAIN}`, r);
      if (r.kind === 'ServiceEntry') {
        for (const h of asList(r.object.spec?.hosts)) {
          if (typeof h !== 'string') continue;
          if (h.includes('*')) this.serviceEntryWildcards.push({ host: h, resource: r });
          else if (!this.serviceEntryExact.has(h)) this.serviceEntryExact.set(h, r);
        }
      }
      if (r.kind === 'Pod') appendTo(this.podsByNamespace, r.namespace, r);
      if (r.kind === 'DestinationRule' && typeof r.object.spec?.host === 'string') {
        const host = fqdn(r.object.spec.host, r.namespace);
        appendTo(this.destinationRulesByHost, host, r);
      }
    }
  }

  kinds(): Set<string> {
    return new Set(this.byKind.keys());
  }

  of(kind: string): Resource[] {
    return this.byKind.get(kind) ?? [];
  }

  /** The Service or ServiceEntry for a host written in `namespace`, if any. */
  lookupHost(host: string, namespace: string): Resource | undefined {
    const full = fqdn(host, namespace);
    const svc = this.servicesByHost.get(full);
    if (svc) return svc;
    const exact = this.serviceEntryExact.get(full) ?? this.serviceEntryExact.get(host);
    if (exact) return exact;
    return this.serviceEntryWildcards.find((e) => hostMatches(e.host, full) || hostMatches(e.host, host))?.resource;
  }

  /** Pods of a namespace. */
  podsIn(namespace: string): Resource[] {
    return this.podsByNamespace.get(namespace) ?? [];
  }

  /** Pods in `namespace` whose labels match the selector. */
  podsMatching(namespace: string, selector: Record<string, string>): Resource[] {
    return this.podsIn(namespace).filter((p) => labelsMatch(selector, p.object.metadata.labels));
  }

  /** DestinationRules whose host (completed to an FQDN) is exactly `host`. */
  destinationRulesFor(host: string): Resource[] {
    return this.destinationRulesByHost.get(host) ?? [];
  }

  namespaceObject(name: string): Resource | undefined {
    return this.of('Namespace').find((n) => n.name === name);
  }
}
