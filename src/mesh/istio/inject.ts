/**
 * Sidecar injection and ambient membership of namespaces: the labels that ask for them (the conflicting
 * ones removed), rolling restarts so running workloads pick the change up, and a report of where each
 * namespace stands. The label logic is pure; the rest goes through the narrow KubeClient.
 */
import type { KubeClient } from '../../cluster/client.js';
import { WORKLOAD_KINDS, waitReady } from '../../cluster/wait.js';
import type { K8sObject } from '../../manifests/object.js';
import { UsageError } from '../../ui/errors.js';
import type { Reporter } from '../../ui/progress.js';
import { injectionEnabled, podNotFinished, podTakesSidecar, proxyContainer } from './sidecars.js';

export const INJECTION_LABEL = 'istio-injection';
export const REVISION_LABEL = 'istio.io/rev';
export const DATAPLANE_LABEL = 'istio.io/dataplane-mode';

export type InjectionMode = { mode: 'sidecar'; revision?: string } | { mode: 'ambient' } | { mode: 'off' };

/**
 * The label changes (a merge patch: null removes) that put a namespace in `want`: `istio-injection=enabled`,
 * or `istio.io/rev=R` for a revision, or `istio.io/dataplane-mode=ambient`; each removes the labels that
 * would contradict it (Istio reads istio-injection before istio.io/rev, and a sidecar label with ambient).
 */
export function injectionLabels(want: InjectionMode): Record<string, string | null> {
  if (want.mode === 'ambient') return { [DATAPLANE_LABEL]: 'ambient', [INJECTION_LABEL]: null, [REVISION_LABEL]: null };
  if (want.mode === 'off') return { [DATAPLANE_LABEL]: null, [INJECTION_LABEL]: null, [REVISION_LABEL]: null };
  if (want.revision) return { [REVISION_LABEL]: want.revision, [INJECTION_LABEL]: null, [DATAPLANE_LABEL]: null };
  return { [INJECTION_LABEL]: 'enabled', [REVISION_LABEL]: null, [DATAPLANE_LABEL]: null };
}

/** How a namespace's labels put it in the mesh: "sidecar", "sidecar (rev R)", "ambient", "disabled" or "off". */
export function describeMode(ns: Pick<K8sObject, 'metadata'>): string {
  const l = ns.metadata.labels ?? {};
  if (l[INJECTION_LABEL] === 'disabled') return 'disabled';
  if (l[DATAPLANE_LABEL] === 'ambient' && !injectionEnabled(ns)) return 'ambient';
  if (l[INJECTION_LABEL] === 'enabled') return 'sidecar';
  if (l[REVISION_LABEL] !== undefined) return `sidecar (rev ${l[REVISION_LABEL]})`;
  return 'off';
}

/** Whether the namespace's labels already are what `labels` (a merge patch) asks for. */
export function labelsHold(ns: Pick<K8sObject, 'metadata'>, labels: Record<string, string | null>): boolean {
  const l = ns.metadata.labels ?? {};
  return Object.entries(labels).every(([k, v]) => (v === null ? l[k] === undefined : l[k] === v));
}

/**
 * Restarts every Deployment, StatefulSet and DaemonSet of a namespace as `kubectl rollout restart` does (the
 * pod template's restartedAt annotation), then waits until each has rolled out.
 */
export async function restartWorkloads(kube: KubeClient, namespace: string, timeoutMs: number, onWait?: (pending: string[]) => void): Promise<K8sObject[]> {
  const workloads = (await Promise.all(WORKLOAD_KINDS.map(([v, k]) => kube.list(v, k, { namespace })))).flat();
  const now = new Date().toISOString();
  const restarted: K8sObject[] = [];
  for (const w of workloads) {
    restarted.push(await kube.patch(w, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now } } } } }));
  }
  await waitReady(kube, restarted, timeoutMs, onWait);
  return restarted;
}

export interface NamespaceInjection {
  namespace: string;
  mode: string;
  pods: number;
  /** Running pods that should have a sidecar and do not (namespaces with sidecar injection only). */
  withoutSidecar: string[];
}

/** Where each namespace stands: its mode, its pods, and the pods still without a sidecar. Pure. */
export function injectionReport(namespaces: K8sObject[], pods: K8sObject[]): NamespaceInjection[] {
  return namespaces.map((ns) => {
    const name = ns.metadata.name;
    const mine = pods.filter((p) => p.metadata.namespace === name && podNotFinished(p));
    const withoutSidecar = injectionEnabled(ns) ? mine.filter((p) => podTakesSidecar(p) && !proxyContainer(p)).map((p) => p.metadata.name) : [];
    return { namespace: name, mode: describeMode(ns), pods: mine.length, withoutSidecar };
  }).sort((a, b) => a.namespace.localeCompare(b.namespace));
}

/**
 * Labels the namespace for `want` by merge patch (creating it when missing and the mesh is wanted), says what it
 * did, and returns whether anything changed.
 */
export async function labelNamespace(kube: KubeClient, namespace: string, want: InjectionMode, reporter: Reporter): Promise<boolean> {
  const labels = injectionLabels(want);
  const key = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
  let ns = await kube.get(key);
  if (!ns && want.mode !== 'off') {
    // the walkthrough's order: make the namespace, label it, then deploy into it
    const set = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== null)) as Record<string, string>;
    ns = await kube.apply({ ...key, metadata: { name: namespace, labels: set } });
    reporter.succeed(`namespace ${namespace} created, ${describeMode(ns)}`);
    return true;
  }
  if (!ns) throw new UsageError(`namespace ${namespace} does not exist`);
  if (labelsHold(ns, labels)) {
    reporter.succeed(`namespace ${namespace}: already ${describeMode(ns)}`);
    return false;
  }
  ns = await kube.patch(key, { metadata: { labels } });
  reporter.succeed(`namespace ${namespace}: ${describeMode(ns)} (${Object.entries(labels).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).join(', ') || 'mesh labels removed'})`);
  return true;
}
