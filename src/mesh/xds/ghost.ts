/**
 * The identity a ghost proxy presents to istiod: the node a pod's sidecar would send in its first xDS request, so
 * that istiod computes exactly the configuration it would push to that pod. The metadata is what istio-agent sends:
 * the sidecar container's `ISTIO_META_*` environment (the injector writes the workload name, owner, cluster,
 * interception mode, mesh, pod ports, … there) and what the agent reads from the pod itself (namespace, labels,
 * name, addresses, service account, Istio version). Pure.
 */
import type { K8sObject } from '../../manifests/object.js';
import { proxyContainer } from '../istio/sidecars.js';
import { imageTag } from '../istio/status.js';

export interface GhostNode {
  id: string;
  cluster: string;
  metadata: Record<string, unknown>;
}

/**
 * The node of `pod`'s sidecar. `istioVersion` is used when the sidecar does not say (a pod without one: istiod then
 * answers as it would for a sidecar injected now). Throws when the pod has no address yet (istiod finds a pod by it).
 */
export function ghostNode(pod: K8sObject, istioVersion: string): GhostNode {
  const name = pod.metadata.name;
  const namespace = pod.metadata.namespace ?? 'default';
  const ips: string[] = ((pod.status?.podIPs ?? []) as { ip?: string }[]).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  if (ips.length === 0) throw new Error(`pod ${namespace}/${name} has no IP address yet (istiod knows a pod by its address)`);
  const metadata: Record<string, unknown> = {};
  const sidecar = proxyContainer(pod);
  for (const e of (sidecar?.env ?? []) as { name: string; value?: string }[]) {
    if (!e.name.startsWith('ISTIO_META_') || e.value === undefined) continue;
    const key = e.name.slice('ISTIO_META_'.length);
    // values the agent sends as JSON (POD_PORTS is a JSON list in a string, and stays one)
    metadata[key] = e.value;
  }
  const labels = { ...(pod.metadata.labels ?? {}) };
  // the sidecar image's tag when it is a version ("1.31.0"), not a name like "latest"
  const tag = imageTag(sidecar?.image);
  const proxyImageTag = tag && /^\d+\.\d+/.test(tag) ? tag : undefined;
  Object.assign(metadata, {
    NAMESPACE: namespace,
    NAME: name,
    LABELS: labels,
    INSTANCE_IPS: ips.join(','),
    SERVICE_ACCOUNT: pod.spec?.serviceAccountName ?? 'default',
    ISTIO_VERSION: proxyImageTag ?? istioVersion,
    CLUSTER_ID: metadata.CLUSTER_ID ?? 'Kubernetes',
    INTERCEPTION_MODE: metadata.INTERCEPTION_MODE ?? 'REDIRECT',
    MESH_ID: metadata.MESH_ID ?? 'cluster.local',
  });
  if (!metadata.WORKLOAD_NAME) metadata.WORKLOAD_NAME = labels['app'] ?? name;
  if (pod.metadata.annotations) metadata.ANNOTATIONS = { ...pod.metadata.annotations };
  const domain = `${namespace}.svc.cluster.local`;
  return { id: `sidecar~${ips[0]}~${name}.${namespace}~${domain}`, cluster: `${labels['app'] ?? name}.${namespace}`, metadata };
}
