/** Facts about sidecar injection shared by `status`, `inject` and `analyze`. Pure. */
import { asList, type K8sObject } from '../../manifests/object.js';

/** Whether a namespace asks for sidecar injection (istio-injection=enabled, or a revision label not disabled). */
export function injectionEnabled(ns: Pick<K8sObject, 'metadata'> | undefined): boolean {
  const l = ns?.metadata.labels ?? {};
  return l['istio-injection'] === 'enabled' || (l['istio.io/rev'] !== undefined && l['istio-injection'] !== 'disabled');
}

/**
 * Whether Istio's injection webhook gives the pod a sidecar when its namespace asks for injection (inject.go's
 * injectRequired): not on the host network, and its sidecar.istio.io/inject label (else the annotation) empty or
 * y, yes, true, on in any case; any other value opts it out. The one rule for `status` and `inject`; the analyzers
 * keep istioctl's own (analyzers/injection.ts), which they are compared with.
 */
export function podTakesSidecar(pod: Pick<K8sObject, 'metadata' | 'spec'>): boolean {
  if (pod.spec?.hostNetwork) return false;
  const value = pod.metadata.labels?.['sidecar.istio.io/inject'] ?? pod.metadata.annotations?.['sidecar.istio.io/inject'] ?? '';
  return ['', 'y', 'yes', 'true', 'on'].includes(String(value).toLowerCase());
}

/** A pod that has not finished (Succeeded or Failed): one that should have its sidecar now. */
export const podNotFinished = (pod: Pick<K8sObject, 'status'>): boolean => pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

/** The pod's istio-proxy container (a regular or a native sidecar init container), if any. */
export function proxyContainer(pod: K8sObject): any {
  const spec = pod.spec ?? {};
  const containers = [...asList(spec.containers), ...asList(spec.initContainers)];
  return containers.find((c: any) => c?.name === 'istio-proxy');
}
