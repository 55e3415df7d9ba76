/**
 * Helpers more than one analyzer file uses: selectors, proxies and meshed workloads, the workloads behind a host, a
 * VirtualService's destinations. Pure, over the snapshot.
 */
import { asList } from '../../manifests/object.js';
import { proxyContainer } from '../../mesh/istio/sidecars.js';
import type { Resource, Snapshot } from '../snapshot.js';

/** A destination of a VirtualService route, mirror or not, with the field path it is at. */
export interface Dest {
  /** A mirror (http.mirror or http.mirrors[]) rather than a route destination. */
  mirror?: boolean;
  host: string;
  subset?: string;
  port?: number;
  weight?: number;
  path: (string | number)[];
}

/** `k=v,k2=v2` as a Kubernetes label selector prints (keys sorted). */
export function selectorString(sel: Record<string, string>): string {
  return Object.keys(sel).sort().map((k) => `${k}=${sel[k]}`).join(',');
}

export function hasProxy(pod: Resource): boolean {
  return proxyContainer(pod.object) !== undefined;
}

/** Whether a workload's pods are in the mesh: a proxy container, else the pod's inject label or annotation, else its namespace's label. */
export function workloadInMesh(s: Snapshot, namespace: string, template: any): boolean {
  if (asList(template?.spec?.containers).some((c: any) => c?.name === 'istio-proxy' && c?.image)) return true;
  for (const m of [template?.metadata?.labels, template?.metadata?.annotations]) {
    const v = m?.['sidecar.istio.io/inject'];
    if (v !== undefined) return v === 'true';
  }
  const ns = s.namespaceObject(namespace);
  return ns ? ns.object.metadata.labels?.['istio-injection'] === 'enabled' : false;
}

/** Istio's control-plane workloads (an `istio` label, or release=istio), which the workload checks leave alone. */
export function isIstioControlPlane(r: Resource): boolean {
  const l = r.object.metadata.labels ?? {};
  return 'istio' in l || l.release === 'istio';
}

/** The namespace and pod selector behind a host, when it is a Service of the snapshot. */
export function workloadsOfHost(s: Snapshot, host: string, namespace: string): { service: Resource; pods: Resource[] } | undefined {
  const svc = s.lookupDestination(host, namespace);
  if (svc?.kind !== 'Service' || !svc.object.spec?.selector) return undefined;
  return { service: svc, pods: s.podsMatching(svc.namespace, svc.object.spec.selector) };
}

/** DestinationRules whose host is a Service of the snapshot (with a selector), each with that Service's pods. */
export function destinationRulesWithWorkloads(s: Snapshot): { dr: Resource; host: string; service: Resource; pods: Resource[] }[] {
  const out: { dr: Resource; host: string; service: Resource; pods: Resource[] }[] = [];
  for (const dr of s.of('DestinationRule')) {
    const host = dr.object.spec?.host;
    const w = typeof host === 'string' ? workloadsOfHost(s, host, dr.namespace) : undefined;
    if (w) out.push({ dr, host, ...w });
  }
  return out;
}

/** Every destination of a VirtualService (http, tcp, tls routes and mirrors), with its field path. */
export function destinations(vs: Resource): Dest[] {
  const out: Dest[] = [];
  const spec = vs.object.spec ?? {};
  for (const section of ['http', 'tcp', 'tls']) {
    asList(spec[section]).forEach((r: any, i: number) => {
      asList(r?.route).forEach((d: any, j: number) => {
        // a route without a destination host reaches host "" (Istio reports it as not found)
        const dest = d?.destination;
        const host = typeof dest?.host === 'string' ? dest.host : '';
        out.push({ host, subset: dest?.subset, port: dest?.port?.number, weight: d?.weight, path: ['spec', section, i, 'route', j, ...(dest ? ['destination', 'host'] : [])] });
      });
      if (typeof r?.mirror?.host === 'string') out.push({ mirror: true, host: r.mirror.host, subset: r.mirror.subset, port: r.mirror.port?.number, path: ['spec', section, i, 'mirror', 'host'] });
      asList(r?.mirrors).forEach((m: any, j: number) => {
        const d = m?.destination;
        if (typeof d?.host === 'string') out.push({ mirror: true, host: d.host, subset: d.subset, port: d.port?.number, path: ['spec', section, i, 'mirrors', j, 'destination', 'host'] });
      });
    });
  }
  return out;
}
