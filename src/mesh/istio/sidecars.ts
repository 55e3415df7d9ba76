/** Facts about sidecar injection shared by `status`, `inject` and `analyze`. Pure. */
import { asList, type K8sObject } from '../../manifests/object.js';

/** Whether a namespace asks for sidecar injection (istio-injection=enabled, or a revision label not disabled). */
export function injectionEnabled(ns: Pick<K8sObject, 'metadata'> | undefined): boolean {
  const l = ns?.metadata.labels ?? {};
  return l['istio-injection'] === 'enabled' || (l['istio.io/rev'] !== undefined && l['istio-injection'] !== 'disabled');
}

/** The pod's istio-proxy container (a regular or a native sidecar init container), if any. */
export function proxyContainer(pod: K8sObject): any {
  const spec = pod.spec ?? {};
  const containers = [...asList(spec.containers), ...asList(spec.initContainers)];
  return containers.find((c: any) => c?.name === 'istio-proxy');
}
