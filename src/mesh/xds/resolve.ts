/**
 * What a request's host name resolves to inside the mesh, as a pod's DNS would: a Service ("reviews",
 * "reviews.bookinfo", "reviews.bookinfo.svc[.cluster.local]") is its cluster IP, an IP address is itself, any other
 * name is outside the cluster's Services (a ServiceEntry's, or the internet's).
 */
import type { KubeClient } from '../../cluster/client.js';

export interface ResolvedHost {
  host: string;
  /** The Service ("bookinfo/reviews"), when the host names one. */
  service?: string;
  ip?: string;
}

/** The Service a cluster-local name names, relative to `namespace`. Pure. */
export function serviceOfHost(host: string, namespace: string): { name: string; namespace: string } | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  const parts = h.split('.');
  if (parts.length === 1) return { name: parts[0], namespace };
  if (parts.length === 2) return { name: parts[0], namespace: parts[1] };
  if (parts.length === 3 && parts[2] === 'svc') return { name: parts[0], namespace: parts[1] };
  if (parts.length === 5 && parts.slice(2).join('.') === 'svc.cluster.local') return { name: parts[0], namespace: parts[1] };
  return undefined;
}

export async function resolveHost(kube: KubeClient, host: string, namespace: string): Promise<ResolvedHost> {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':')) return { host, ip: host };
  const ref = serviceOfHost(host, namespace);
  if (!ref) return { host };
  const svc = await kube.get({ apiVersion: 'v1', kind: 'Service', metadata: { name: ref.name, namespace: ref.namespace } });
  if (!svc) return { host };
  const ip = svc.spec?.clusterIP;
  return { host, service: `${ref.namespace}/${ref.name}`, ...(ip && ip !== 'None' ? { ip } : {}) };
}
