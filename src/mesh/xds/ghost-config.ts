/**
 * What istiod would push to a pod's sidecar, asked as that sidecar: finds the pod and a running istiod, reaches
 * istiod's plaintext xDS port (15010) through a port-forward (or at `--xds-address`), and fetches the pod's
 * listeners, routes, clusters and endpoints. The one way meshctl asks istiod for proxy configuration.
 */
import type { K8sObject } from '../../manifests/object.js';
import { CheckFailedError, UsageError } from '../../ui/errors.js';
import { fetchXds, type XdsSnapshot } from './client.js';
import { ghostNode, type GhostNode } from './ghost.js';
import { proxyContainer } from '../istio/sidecars.js';
import { imageTag } from '../istio/status.js';
import { ISTIO_NAMESPACE } from '../../manifests/istio.js';
import type { KubeClient } from '../../cluster/client.js';

export const XDS_PORT = 15010;

export interface PodRef {
  name: string;
  namespace: string;
  /** Set when the pod is named by its service account ("NS/SA"): any running pod of it is meant. */
  serviceAccount?: string;
}

/** "name.namespace" (the last dot splits, as istioctl reads it), "name" in `namespace`, or "NS/SA": a service account's pod. Pure. */
export function parsePodRef(arg: string, namespace: string): PodRef {
  const slash = arg.indexOf('/');
  if (slash > 0 && slash < arg.length - 1) return { name: '', namespace: arg.slice(0, slash), serviceAccount: arg.slice(slash + 1) };
  const dot = arg.lastIndexOf('.');
  if (dot > 0 && dot < arg.length - 1) return { name: arg.slice(0, dot), namespace: arg.slice(dot + 1) };
  return { name: arg, namespace };
}

export interface GhostConfig {
  pod: K8sObject;
  node: GhostNode;
  /** Whether the pod has a sidecar (without one, the configuration is what one injected now would get). */
  hasSidecar: boolean;
  istiod: string;
  snapshot: XdsSnapshot;
}

/** The running istiod pod of the control plane (the newest), or exit 2 naming what is missing. */
export async function findIstiod(kube: KubeClient, istioNamespace = ISTIO_NAMESPACE): Promise<K8sObject> {
  const pods = await kube.list('v1', 'Pod', { namespace: istioNamespace, labelSelector: 'app=istiod' });
  const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
    .sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')));
  if (running.length === 0) {
    throw new CheckFailedError(`no running istiod pod in namespace ${istioNamespace} (install the mesh first: meshctl install)`);
  }
  return running[0];
}

/** The Istio version of istiod's image ("1.31-dev"), for a pod without a sidecar to say; without a tag, the newest. */
function imageVersion(pod: K8sObject): string {
  return imageTag(pod.spec?.containers?.[0]?.image) ?? '65536.65536.65536';
}

/** istiod's xDS server as reached from here: its address, the pod it is, and its Istio version. */
export interface IstiodXds {
  address: string;
  /** "istio-system/istiod-…", or the address given. */
  istiod: string;
  version: string;
}

export interface XdsOptions {
  xdsAddress?: string;
  istioNamespace?: string;
  timeoutMs: number;
}

/**
 * Runs `fn` with istiod's xDS server reachable (a port-forward to istiod's pod, closed afterwards, or `xdsAddress`).
 * A failure of the forward itself is reported as the cause (no kubelet to reach, nothing listening on 15010).
 */
export async function withIstiod<T>(kube: KubeClient, opts: XdsOptions, fn: (xds: IstiodXds) => Promise<T>): Promise<T> {
  const istiod = await findIstiod(kube, opts.istioNamespace);
  const version = imageVersion(istiod);
  if (opts.xdsAddress) return fn({ address: opts.xdsAddress, istiod: opts.xdsAddress, version });
  const { forwardLocalPort } = await import('../../cluster/forward.js');
  const errors: string[] = [];
  const target = { namespace: istiod.metadata.namespace!, pod: istiod.metadata.name, port: XDS_PORT };
  const forwarding = await forwardLocalPort(kube, target, { localPort: 0, onError: (m) => errors.push(m) });
  try {
    return await fn({ address: `127.0.0.1:${forwarding.port}`, istiod: `${target.namespace}/${target.pod}`, version });
  } catch (err) {
    if (errors.length) throw new CheckFailedError(`istiod's xDS port ${XDS_PORT} on pod ${target.namespace}/${target.pod} could not be reached: ${errors[0]}`);
    throw err;
  } finally {
    forwarding.close();
  }
}

/** The pod, or exit 64 naming it. */
export async function getPod(kube: KubeClient, ref: PodRef): Promise<K8sObject> {
  if (ref.serviceAccount) {
    const pods = (await kube.list('v1', 'Pod', { namespace: ref.namespace }))
      .filter((p) => (p.spec?.serviceAccountName ?? 'default') === ref.serviceAccount && p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (!pods.length) throw new UsageError(`no running pod of service account ${ref.namespace}/${ref.serviceAccount}`);
    return pods[0];
  }
  const pod = await kube.get({ apiVersion: 'v1', kind: 'Pod', metadata: { name: ref.name, namespace: ref.namespace } });
  if (!pod) throw new UsageError(`pod ${ref.namespace}/${ref.name} not found (name it as POD or POD.NAMESPACE, or pass -n)`);
  return pod;
}

/** Fetches the configuration istiod would push to `pod`'s sidecar. */
export async function ghostConfigOf(pod: K8sObject, xds: IstiodXds, timeoutMs: number): Promise<GhostConfig> {
  let node: GhostNode;
  try {
    node = ghostNode(pod, xds.version);
  } catch (err) {
    throw new CheckFailedError((err as Error).message);
  }
  const snapshot = await fetchXds(xds.address, node, { timeoutMs });
  return { pod, node, hasSidecar: proxyContainer(pod) !== undefined, istiod: xds.istiod, snapshot };
}

/** Fetches the configuration istiod would push to `ref`'s sidecar. */
export async function ghostConfig(kube: KubeClient, ref: PodRef, opts: XdsOptions): Promise<GhostConfig> {
  const pod = await getPod(kube, ref);
  return withIstiod(kube, opts, (xds) => ghostConfigOf(pod, xds, opts.timeoutMs));
}
