/**
 * What `dashboard` forwards to: a ready pod of an addon's web UI, or a pod's Envoy admin page; and whether anything
 * serves that port at all (a pod on a simulated node serves nothing).
 */
import type { KubeClient } from '../cluster/client.js';
import { podReady } from '../cluster/wait.js';
import type { K8sObject } from '../manifests/object.js';
import { CheckFailedError, UsageError } from '../ui/errors.js';

/** The addons' web UIs: their pods' labels, the port they serve on, and the page to open (as istioctl dashboard). */
export const UIS: Record<string, { selector: string; port: number; path: string }> = {
  kiali: { selector: 'app=kiali', port: 20001, path: '/kiali' },
  grafana: { selector: 'app.kubernetes.io/name=grafana', port: 3000, path: '/' },
  jaeger: { selector: 'app=jaeger', port: 16686, path: '/' },
  prometheus: { selector: 'app.kubernetes.io/name=prometheus', port: 9090, path: '/' },
};
const ENVOY_ADMIN_PORT = 15000;

const isReady = (p: K8sObject) => p.status?.phase === 'Running' && podReady(p);

/** A pod's port to forward to, and the page to open there. */
export type Target = { namespace: string; pod: string; port: number; path: string };

/** A ready pod of the addon `name` in `namespace`. */
export async function addonTarget(kube: KubeClient, name: string, namespace: string): Promise<Target> {
  const ui = UIS[name];
  const pods = await kube.list('v1', 'Pod', { namespace, labelSelector: ui.selector });
  if (pods.length === 0) throw new CheckFailedError(`${name} is not installed in ${namespace} (meshctl addons install ${name})`);
  const pod = pods.find(isReady);
  if (!pod) throw new CheckFailedError(`no ready pod of ${name} in ${namespace} (${pods.map((p) => `${p.metadata.name}: ${p.status?.phase ?? 'no status'}`).join(', ')}); meshctl status --wait`);
  return { namespace, pod: pod.metadata.name, port: ui.port, path: ui.path };
}

/** The Envoy admin port of a pod with a ready istio-proxy sidecar (`podArg`: NAME or NAME.NAMESPACE). */
export async function envoyTarget(kube: KubeClient, podArg: string, namespaceFlag: string | undefined): Promise<Target> {
  const [name, ns] = podArg.includes('.') ? podArg.split('.', 2) : [podArg, undefined];
  const namespace = ns ?? namespaceFlag ?? kube.namespace;
  const pod = await kube.get({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } });
  if (!pod) throw new UsageError(`pod ${namespace}/${name} not found`);
  const { proxyContainer } = await import('./istio/sidecars.js');
  if (!proxyContainer(pod)) throw new UsageError(`pod ${namespace}/${name} has no istio-proxy sidecar, so no Envoy admin page`);
  if (!isReady(pod)) throw new CheckFailedError(`pod ${namespace}/${name} is not ready (${pod.status?.phase ?? 'no status'})`);
  return { namespace, pod: name, port: ENVOY_ADMIN_PORT, path: '/' };
}

/**
 * A pod on a simulated (kwok) node runs nothing: its port is served only where a kwok PortForward or
 * ClusterPortForward sends it somewhere. Without one, the URL would answer nothing; say why instead (exit 64).
 */
export async function checkSomethingServes(kube: KubeClient, target: Target, what: string): Promise<void> {
  const pod = await kube.get({ apiVersion: 'v1', kind: 'Pod', metadata: { name: target.pod, namespace: target.namespace } });
  const nodeName = pod?.spec?.nodeName;
  if (!nodeName) return;
  const node = await kube.get({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
  if (node?.metadata.annotations?.['kwok.x-k8s.io/node'] !== 'fake') return;
  const KWOK = 'kwok.x-k8s.io/v1alpha1';
  const forwards = [
    ...((await kube.serves(KWOK, 'ClusterPortForward')) ? await kube.list(KWOK, 'ClusterPortForward') : [])
      .filter((f) => { const ns = f.spec?.selector?.matchNamespaces; return !Array.isArray(ns) || ns.includes(target.namespace); }),
    ...((await kube.serves(KWOK, 'PortForward')) ? await kube.list(KWOK, 'PortForward', { namespace: target.namespace }) : [])
      .filter((f) => f.metadata.name === target.pod),
  ];
  const forwardsPort = (x: any) => !Array.isArray(x?.ports) || x.ports.length === 0 || x.ports.includes(target.port);
  const covers = (f: K8sObject) => ((f.spec?.forwards ?? []) as any[]).some(forwardsPort);
  if (forwards.some(covers)) return;
  throw new UsageError(`pod ${target.namespace}/${target.pod} runs on ${nodeName}, a simulated (kwok) node: nothing serves its port ${target.port}, ` +
    `so there is no ${what} to open on this cluster (meshctl status, meshctl analyze and meshctl images work here)`);
}
