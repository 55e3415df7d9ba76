/**
 * The resource snapshot every analyzer reads, the same for files and the live cluster: resources indexed
 * once by kind, namespace and host, so that analysis cost grows about linearly with the number of resources.
 */
import type { FieldPath, Position } from '../manifests/documents.js';
import { asList, labelsMatch, objectRef, type K8sObject } from '../manifests/object.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';

export interface Resource {
  object: K8sObject;
  kind: string;
  namespace: string;
  name: string;
  /** File it was read from (undefined for live resources). */
  file?: string;
  locate?: (path: FieldPath) => Position;
  /** The line of a field (cheaper than `locate` where the file's layout allows). */
  line?: (path: FieldPath) => number;
  /** Assumed rather than read (file analysis's default ingress gateway): never reported on. */
  synthetic?: boolean;
  /** Fields of the wrong JSON type (from a file): such a resource is reported, and no analyzer reads it. */
  typeErrors?: { path: FieldPath; message: string }[];
  /**
   * What `meshctl validate` finds against the kind's schema on a well-typed resource from a file (a required field
   * missing, an enum, a pattern, a CEL rule): reported by the schema analyzer; the resource is still analyzed.
   */
  schemaErrors?: { path: FieldPath; message: string }[];
}

/** `Kind ns/name` (`Kind name` for cluster-scoped resources), as messages name a resource. */
export function originOf(r: Resource): string {
  return objectRef(r);
}

/**
 * The line of a field of a resource read from a file. A field the resource does not have (a message about what is
 * missing, such as a DestinationRule's absent caCertificates) is at the resource's first line, as Istio's analyzers
 * place it.
 */
export function lineOf(r: Resource, path: FieldPath): number {
  const at = hasPath(r.object, path) ? path : [];
  return r.line?.(at) ?? r.locate?.(at).line ?? 1;
}

function hasPath(o: unknown, path: FieldPath): boolean {
  let v: any = o;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return false;
    v = v[k];
  }
  return true;
}

export const CLUSTER_DOMAIN = 'svc.cluster.local';

/** The label of a remote cluster's secret (its keys name the clusters, each a service registry). */
export const MULTI_CLUSTER_SECRET_LABEL = 'istio/multiCluster';

export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

export { labelsMatch };

/** Istio's ConvertHostToFQDN: a name without a dot completes in the namespace; anything with a dot is taken as written. */
export function istioFqdn(host: string, namespace: string): string {
  return host.startsWith('*') || host.includes('.') ? host : `${host}.${namespace}.${CLUSTER_DOMAIN}`;
}

/** Whether a (possibly wildcard) host pattern covers a host. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) || (host.startsWith('*.') && host.endsWith(pattern.slice(1)));
  return pattern === host;
}

/** A pod redirected to ztunnel (Istio's ambient.istio.io/redirection annotation). */
export function podInAmbientMode(pod: Resource | undefined): boolean {
  return pod?.object.metadata.annotations?.['ambient.istio.io/redirection'] === 'enabled';
}

/** A namespace in ambient mode: dataplane-mode ambient, and no sidecar-injection label that takes precedence. */
export function namespaceInAmbientMode(ns: Resource | undefined): boolean {
  const l = ns?.object.metadata.labels ?? {};
  if (l['istio-injection'] === 'enabled' || (l['istio.io/rev'] ?? '') !== '') return false;
  return l['istio.io/dataplane-mode'] === 'ambient';
}

/** The fields of Istio's mesh config analysis reads, with Istio's defaults. */
export interface MeshConfig {
  rootNamespace: string;
  ingressService: string;
  ingressSelector: string;
  enableAutoMtls: boolean;
  defaultProviders?: { accessLogging?: string[]; tracing?: string[]; metrics?: string[] };
  defaultConfig?: { proxyMetadata?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Where the control plane and its ConfigMap live unless --istioNamespace says otherwise. */

export const DEFAULT_MESH_CONFIG: MeshConfig = {
  rootNamespace: ISTIO_NAMESPACE, ingressService: 'istio-ingressgateway', ingressSelector: 'ingressgateway', enableAutoMtls: true,
};

/** Workload kinds whose pod template stands for pods in file analysis (files rarely hold pods). */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];

/** The Gateway API's group: its kinds are indexed as `gateway.networking.k8s.io/Kind`, apart from Istio's Gateway. */
export const GATEWAY_API = 'gateway.networking.k8s.io';

/** The key a resource is indexed under: its kind, qualified by the group for the Gateway API's kinds. */
export function indexKind(apiVersion: unknown, kind: string): string {
  const group = typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return group.startsWith('gateway.networking.') ? `${GATEWAY_API}/${kind}` : kind;
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
  /** Istio's scoped host map: `scope/fqdn` (scope `*` or a namespace) → the Service or ServiceEntry. */
  private readonly hostsByScope = new Map<string, Resource>();
  private readonly wildcardHosts: { scope: string; suffix: string; resource: Resource }[] = [];
  private readonly podsByNamespace = new Map<string, Resource[]>();
  private readonly destinationRulesByHost = new Map<string, Resource[]>();
  readonly meshConfig: MeshConfig;

  constructor(resources: Resource[], opts: { meshConfig?: Partial<MeshConfig> } = {}) {
    this.resources = resources.filter((r) => !r.typeErrors);
    this.illTyped = resources.filter((r) => r.typeErrors);
    this.meshConfig = { ...DEFAULT_MESH_CONFIG, ...opts.meshConfig };
    const templates = new Map<string, Resource[]>();
    for (const r of this.resources) {
      appendTo(this.byKind, indexKind(r.object.apiVersion, r.kind), r);
      if (r.kind === 'Service' || r.kind === 'ServiceEntry') this.indexHosts(r);
      if (r.kind === 'Pod') appendTo(this.podsByNamespace, r.namespace, r);
      if (WORKLOAD_KINDS.includes(r.kind) && r.object.spec?.template?.metadata) appendTo(templates, r.namespace, r);
      if (r.kind === 'DestinationRule' && typeof r.object.spec?.host === 'string') {
        const host = istioFqdn(r.object.spec.host, r.namespace);
        appendTo(this.destinationRulesByHost, host, r);
      }
    }
    // in a namespace whose pods are not given (files rarely hold pods), a workload's pod template selects like
    // its pods: a DestinationRule subset or a Sidecar selector that matches it is not empty
    for (const [ns, list] of templates) {
      if (this.podsByNamespace.has(ns)) continue;
      this.podsByNamespace.set(ns, list.map((r) => {
        const { template } = r.object.spec;
        return { ...r, kind: 'Pod', object: { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: r.name, namespace: r.namespace }, spec: template.spec } };
      }));
    }
  }

  /** Istio's InitServiceEntryHostMap: ServiceEntries by exportTo, then Services by their exportTo annotation (later entries win). */
  private indexHosts(r: Resource): void {
    const add = (scope: string, host: string) => {
      const full = istioFqdn(host, r.namespace);
      this.hostsByScope.set(`${scope}/${full}`, r);
      if (full.startsWith('*')) this.wildcardHosts.push({ scope, suffix: full.slice(1), resource: r });
    };
    // without its own exportTo, a Service or ServiceEntry is visible where the mesh config's default says (else everywhere)
    const meshDefault = asList(this.meshConfig.defaultServiceExportTo).map(String);
    if (r.kind === 'ServiceEntry') {
      const own: string[] = asList(r.object.spec?.exportTo).map(String);
      const exportTo = own.length > 0 ? own : meshDefault;
      for (const h of asList(r.object.spec?.hosts)) {
        if (typeof h !== 'string') continue;
        if (exportTo.length === 0 || exportTo.includes('*')) add('*', h);
        else for (const ns of exportTo) add(ns === '.' ? r.namespace : ns, h);
      }
    } else {
      const anno = r.object.metadata.annotations?.['networking.istio.io/exportTo'];
      const given = anno ? anno.split(',').map((x) => x.trim()) : meshDefault.length > 0 ? meshDefault : ['*'];
      const scopes = given.map((x) => (x === '.' ? r.namespace : x));
      for (const scope of scopes) add(scope, r.name);
    }
  }

  /**
   * The Service or ServiceEntry a destination host written in `namespace` reaches (Istio's GetDestinationHost):
   * visible to every namespace, else to the namespaces the referring resource is exported to, else a wildcard host
   * of every namespace or of this one whose suffix covers it.
   */
  lookupDestination(host: string, namespace: string, exportTo: string[] = []): Resource | undefined {
    const full = istioFqdn(host, namespace);
    const all = this.hostsByScope.get(`*/${full}`);
    if (all) return all;
    for (const scope of exportTo.length === 0 ? [namespace] : exportTo.map((e) => (e === '.' ? namespace : e))) {
      const found = this.hostsByScope.get(`${scope}/${full}`);
      if (found) return found;
    }
    const bare = host.startsWith('*') ? host.slice(1) : host;
    return this.wildcardHosts.find((w) => (w.scope === '*' || w.scope === namespace) && bare.endsWith(w.suffix))?.resource;
  }

  kinds(): Set<string> {
    return new Set(this.byKind.keys());
  }

  of(kind: string): Resource[] {
    return this.byKind.get(kind) ?? [];
  }

  /** Every pod, as `podsIn` gives them namespace by namespace. */
  pods(): Resource[] {
    return [...this.podsByNamespace.values()].flat();
  }

  /** Pods of a namespace (in files, also the pod templates of workloads). */
  podsIn(namespace: string): Resource[] {
    return this.podsByNamespace.get(namespace) ?? [];
  }

  /** Pods in `namespace` whose labels match the selector. */
  podsMatching(namespace: string, selector: Record<string, string>): Resource[] {
    return this.selected(selector, namespace);
  }

  /** DestinationRules whose host (completed to an FQDN) is exactly `host`. */
  destinationRulesFor(host: string): Resource[] {
    return this.destinationRulesByHost.get(host) ?? [];
  }

  private namespaces?: Map<string, Resource>;
  /** `key=value` → the resources of a kind with that label, built on first use per kind. */
  private labelIndex = new Map<string, Map<string, Resource[]>>();

  /** The resources a selector may pick: for pods, those of `podsIn` (workload templates where a namespace has no pods). */
  private candidates(kind: string): Resource[] {
    return kind === 'Pod' ? this.pods() : this.of(kind);
  }

  /**
   * The resources of `kind` (Pod by default, as `podsIn` gives them) whose labels match a selector,
   * in one namespace or all; found through the label index, so a selector costs the pods that share one of its
   * labels rather than every pod. An empty selector matches every one.
   */
  selected(selector: Record<string, string>, namespace?: string, kind = 'Pod'): Resource[] {
    const keys = Object.keys(selector);
    let candidates: Resource[];
    if (keys.length === 0) {
      candidates = this.candidates(kind);
    } else {
      let index = this.labelIndex.get(kind);
      if (!index) {
        index = new Map();
        for (const r of this.candidates(kind)) for (const [k, v] of Object.entries(r.object.metadata.labels ?? {})) appendTo(index, `${k}=${v}`, r);
        this.labelIndex.set(kind, index);
      }
      // the rarest of the selector's labels narrows the most
      candidates = keys.map((k) => index!.get(`${k}=${selector[k]}`) ?? []).reduce((a, b) => (b.length < a.length ? b : a));
    }
    return candidates.filter((r) => (namespace === undefined || r.namespace === namespace) && labelsMatch(selector, r.object.metadata.labels));
  }

  namespaceObject(name: string): Resource | undefined {
    this.namespaces ??= new Map(this.of('Namespace').map((n) => [n.name, n]));
    return this.namespaces.get(name);
  }
}

/** A Kubernetes LabelSelector (matchLabels and matchExpressions) against labels; no selector matches everything. */
export function labelSelectorMatches(selector: any, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || selector === null) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const has = Object.hasOwn(l, e?.key);
    const values: string[] = Array.isArray(e?.values) ? e.values : [];
    switch (e?.operator) {
      case 'In': if (!has || !values.includes(l[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(l[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}
