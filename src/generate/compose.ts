/**
 * Composition of traffic changes: one pure function takes the resources that exist (from a file, stdin or,
 * later, the cluster) and a change to one service, and returns the resources with the change merged in.
 * Changes to the same service land in one VirtualService and one DestinationRule.
 */
import { sameIdentity, type K8sObject } from '../manifests/object.js';

export const ISTIO_NETWORKING = 'networking.istio.io/v1';
export const ISTIO_SECURITY = 'security.istio.io/v1';
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';

/** The service a traffic change is about. */
export interface ServiceTarget {
  service: string;
  namespace: string;
}

/** What a generator changes. Each edit receives a private copy it may modify and return. */
export interface TrafficChange {
  /** Edits the spec of the service's (mesh) VirtualService, created with a plain route if absent. */
  virtualService?: (spec: any) => any;
  /**
   * Edits the spec of the service's Gateway API route (an HTTPRoute whose parentRef is the Service) when the
   * existing resources have one and no mesh VirtualService: then `virtualService` is not applied.
   */
  httpRoute?: (spec: any) => any;
  /** Edits the spec of the service's DestinationRule, created if absent. */
  destinationRule?: (spec: any) => any;
  /** Whole objects to add or replace (matched by identity). */
  objects?: K8sObject[];
}

/** Host names by which a VirtualService or DestinationRule in `namespace` may refer to `service`. */
export function hostAliases(target: ServiceTarget): string[] {
  const { service, namespace } = target;
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

function inNamespace(obj: K8sObject, namespace: string): boolean {
  return (obj.metadata?.namespace ?? namespace) === namespace;
}

/** Whether a VirtualService is the mesh-internal one for the target (not bound to an ingress gateway). */
export function isMeshVirtualServiceFor(obj: K8sObject, target: ServiceTarget): boolean {
  if (obj.kind !== 'VirtualService' || !inNamespace(obj, target.namespace)) return false;
  const gateways: string[] | undefined = obj.spec?.gateways;
  if (gateways && gateways.length > 0 && !gateways.includes('mesh')) return false;
  const aliases = hostAliases(target);
  return (obj.spec?.hosts ?? []).some((h: string) => aliases.includes(h));
}

/** Whether an HTTPRoute is the service's mesh route (Gateway API for the mesh: a parentRef to the Service). */
export function isServiceHttpRouteFor(obj: K8sObject, target: ServiceTarget): boolean {
  if (obj.kind !== 'HTTPRoute' || !inNamespace(obj, target.namespace)) return false;
  const refs = Array.isArray(obj.spec?.parentRefs) ? obj.spec.parentRefs : [];
  return refs.some((r: any) => r?.kind === 'Service' && (r.group ?? '') === '' && r.name === target.service && (r.namespace ?? target.namespace) === target.namespace);
}

export function isDestinationRuleFor(obj: K8sObject, target: ServiceTarget): boolean {
  return obj.kind === 'DestinationRule' && inNamespace(obj, target.namespace) && hostAliases(target).includes(obj.spec?.host);
}

/** A VirtualService that sends all of the service's traffic to it unchanged. */
export function plainVirtualService(target: ServiceTarget): K8sObject {
  return {
    apiVersion: ISTIO_NETWORKING,
    kind: 'VirtualService',
    metadata: { name: target.service, namespace: target.namespace },
    spec: { hosts: [target.service], http: [{ route: [{ destination: { host: target.service } }] }] },
  };
}

function plainDestinationRule(target: ServiceTarget): K8sObject {
  return {
    apiVersion: ISTIO_NETWORKING,
    kind: 'DestinationRule',
    metadata: { name: target.service, namespace: target.namespace },
    spec: { host: target.service },
  };
}

/**
 * Merges `change` into `existing` and returns the new list: the existing objects in their order (the
 * changed ones edited in place) followed by the objects that are new. Without existing objects the result
 * is just what the change touches. `existing` is not modified.
 */
export function composeTraffic(existing: K8sObject[], target: ServiceTarget, change: TrafficChange): K8sObject[] {
  const result = existing.map((o) => structuredClone(o));
  const edit = (
    find: (o: K8sObject) => boolean,
    create: () => K8sObject,
    fn: ((spec: any) => any) | undefined,
  ): void => {
    if (!fn) return;
    const index = result.findIndex(find);
    const obj = index === -1 ? create() : result[index];
    obj.spec = fn(structuredClone(obj.spec ?? {}));
    if (index === -1) result.push(obj);
  };
  const routeIndex = change.httpRoute ? result.findIndex((o) => isServiceHttpRouteFor(o, target)) : -1;
  if (routeIndex !== -1 && !result.some((o) => isMeshVirtualServiceFor(o, target))) {
    const route = result[routeIndex];
    route.spec = change.httpRoute!(structuredClone(route.spec ?? {}));
  } else {
    edit((o) => isMeshVirtualServiceFor(o, target), () => plainVirtualService(target), change.virtualService);
  }
  const subsetsBefore = subsetNames(result.find((o) => isDestinationRuleFor(o, target)));
  edit((o) => isDestinationRuleFor(o, target), () => plainDestinationRule(target), change.destinationRule);
  if (change.destinationRule) pruneSubsets(result, target, subsetsBefore);
  for (const obj of change.objects ?? []) {
    const index = result.findIndex((o) => sameIdentity(o, obj));
    if (index === -1) result.push(structuredClone(obj));
    else result[index] = structuredClone(obj);
  }
  return result;
}

/** Index of the catch-all HTTP route (the last one without a match), appending one to `host` if absent. */
export function defaultRouteIndex(spec: any, host: string): number {
  spec.http ??= [];
  for (let i = spec.http.length - 1; i >= 0; i--) {
    const m = spec.http[i].match;
    if (!m || m.length === 0) return i;
  }
  spec.http.push({ route: [{ destination: { host } }] });
  return spec.http.length - 1;
}

/** The annotation listing the DestinationRule subsets meshctl added (and so may remove when nothing routes to them). */
export const ADDED_SUBSETS = 'meshctl.io/added-subsets';

const subsetNames = (dr: K8sObject | undefined): string[] => ((dr?.spec?.subsets ?? []) as any[]).map((x) => x?.name).filter((n) => typeof n === 'string');

/**
 * Removes the DestinationRule subsets that meshctl added (listed in its annotation) and that no route of the
 * service's VirtualServices sends to any more: after `route … --to v9` then `split v2=100`, subset v9 goes (it
 * would select pods nobody asked for, or none: IST0173). Subsets meshctl did not add are never touched.
 */
function pruneSubsets(result: K8sObject[], target: ServiceTarget, before: string[]): void {
  const dr = result.find((o) => isDestinationRuleFor(o, target));
  if (!dr) return;
  const recorded = String(dr.metadata.annotations?.[ADDED_SUBSETS] ?? '').split(',').filter(Boolean);
  const added = subsetNames(dr).filter((n) => !before.includes(n));
  const ours = new Set([...recorded, ...added]);
  if (ours.size === 0) return;
  const referenced = new Set<string>();
  const hosts = hostAliases(target);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      if (typeof v.host === 'string' && typeof v.subset === 'string' && hosts.includes(v.host)) referenced.add(v.subset);
      Object.values(v).forEach(visit);
    }
  };
  for (const o of result) if (o.kind === 'VirtualService') visit(o.spec);
  dr.spec.subsets = (dr.spec.subsets ?? []).filter((x: any) => !ours.has(x.name) || referenced.has(x.name));
  const kept = [...ours].filter((n) => dr.spec.subsets.some((x: any) => x.name === n)).sort();
  const annotations = { ...(dr.metadata.annotations ?? {}) };
  if (kept.length > 0) annotations[ADDED_SUBSETS] = kept.join(',');
  else delete annotations[ADDED_SUBSETS];
  dr.metadata = { ...dr.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete dr.metadata.annotations;
}

/** Adds DestinationRule subsets for `versions` (selected by `labelKey`), keeping subsets that exist. */
export function withSubsets(spec: any, versions: string[], labelKey: string): any {
  spec.subsets ??= [];
  for (const version of versions) {
    if (!spec.subsets.some((s: any) => s.name === version)) spec.subsets.push({ name: version, labels: { [labelKey]: version } });
  }
  return spec;
}

/** A route destination: the service, a subset, and a port when given. */
export function destination(host: string, subset?: string, port?: number): any {
  const d: any = { host };
  if (subset) d.subset = subset;
  if (port) d.port = { number: port };
  return d;
}
