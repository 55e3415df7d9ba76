/**
 * `meshctl status`: collects a snapshot of the mesh from the cluster, then judges it with a pure function.
 */
import type { KubeClient } from '../../cluster/client.js';
import { notReadyReason, podReady } from '../../cluster/wait.js';
import type { K8sObject } from '../../manifests/object.js';
import { INVENTORY_NAME, parseInventory } from './plan.js';
import { injectionEnabled, podNotFinished, podTakesSidecar, proxyContainer } from './sidecars.js';
import { ISTIO_NAMESPACE } from '../../manifests/istio.js';

export interface StatusSnapshot {
  inventory?: K8sObject;
  crds: K8sObject[];
  deployments: K8sObject[];
  /** DaemonSets of the install namespace (istio-cni-node, ztunnel in ambient installs). */
  daemonSets: K8sObject[];
  webhooks: K8sObject[];
  services: K8sObject[];
  endpointSlices: K8sObject[];
  namespaces: K8sObject[];
  /** Pods of the namespaces with injection enabled. */
  injectedPods: K8sObject[];
  /** The version istiod itself answers, when it was asked and answered. */
  istiodReports?: string;
}

export interface StatusCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface MeshStatus {
  healthy: boolean;
  version?: string;
  profile?: string;
  checks: StatusCheck[];
}

/** Reads what status needs (a handful of list calls). */
/** Reads what status judges; `askIstiod` (optional) asks istiod its own version. */
export async function collectStatus(kube: KubeClient, askIstiod?: () => Promise<string | undefined>): Promise<StatusSnapshot> {
  const [inventory, crds, deployments, daemonSets, mwc, vwc, services, endpointSlices, namespaces] = await Promise.all([
    kube.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: INVENTORY_NAME, namespace: ISTIO_NAMESPACE } }),
    kube.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
    kube.list('apps/v1', 'Deployment', { namespace: ISTIO_NAMESPACE }),
    kube.list('apps/v1', 'DaemonSet', { namespace: ISTIO_NAMESPACE }),
    kube.list('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'),
    kube.list('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'),
    kube.list('v1', 'Service', { namespace: ISTIO_NAMESPACE }),
    kube.list('discovery.k8s.io/v1', 'EndpointSlice', { namespace: ISTIO_NAMESPACE }),
    kube.list('v1', 'Namespace'),
  ]);
  const injected = namespaces.filter(injectionEnabled);
  const injectedPods = (await Promise.all(injected.map((ns) => kube.list('v1', 'Pod', { namespace: ns.metadata.name })))).flat();
  const reports = askIstiod && deployments.some((d) => d.metadata.name === 'istiod') ? await askIstiod() : undefined;
  const webhooks = [...mwc, ...vwc];
  const snapshot: StatusSnapshot = { inventory, crds, deployments, daemonSets, webhooks, services, endpointSlices, namespaces, injectedPods };
  return reports ? { ...snapshot, istiodReports: reports } : snapshot;
}

/** The version in an image tag, without Istio's image variant suffix (`1.30.3-distroless` → `1.30.3`). */
export function imageTag(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const at = image.lastIndexOf('@');
  const ref = at === -1 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1).replace(/-(distroless|debug)$/, '') : undefined;
}

/** One istiod (a revision of the control plane) and the version its image carries. */
export interface ControlPlaneVersion {
  name: string;
  revision: string;
  version?: string;
  /** What istiod itself answers (its /version), when it answers through the apiserver. */
  reported?: string;
}

/**
 * The version in istiod's /version answer: `VERSION-GITREVISION-BUILDSTATUS` (`1.30.3-0c8e3f1a-Clean`), or the long
 * form `version.BuildInfo{Version:"1.30.3", …}`. Pure.
 */
export function parseIstiodVersion(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  return /\bVersion:"([^"]+)"/.exec(t)?.[1] ?? /^(\S+)-(?:[0-9a-f]{7,40}|unknown)-(?:Clean|Modified)$/.exec(t)?.[1];
}

/**
 * What the istiod behind Service `name` answers on its monitoring port's /version, through the apiserver's service
 * proxy, given 3 s:
 * - `version`: it answered;
 * - `refused`: the apiserver reached the pod's address and nothing listened there (istiod starting);
 * - `unreachable`: the apiserver says it cannot reach the pod's address (network unreachable, no route, a dial that
 *   timed out): a stand-in cluster without an istiod process, or no route from the apiserver to pods;
 * - `silent`: nothing that says which: our request timed out, another error, the Service has no endpoints yet (a pod
 *   that just became ready is in them a moment later) or is not found (the apiserver's proxy sees a new Service a
 *   moment after it is created). A busy istiod, apiserver or controller-manager looks like this for a moment, so it
 *   is no verdict.
 */
export type IstiodAnswer = 'version' | 'refused' | 'unreachable' | 'silent';
/** What asking istiod needs of the apiserver: a request's status and body. */
export type ApiRequests = { request(m: string, p: string, o?: { body?: unknown; timeoutMs?: number }): Promise<{ status: number; body: unknown }> };
export async function askIstiod(
  kube: ApiRequests, name: string, namespace = ISTIO_NAMESPACE,
): Promise<{ version?: string; answer: IstiodAnswer }> {
  try {
    const res = await kube.request('GET', `/api/v1/namespaces/${namespace}/services/http:${name}:15014/proxy/version`, { timeoutMs: 3000 });
    const version = res.status === 200 ? parseIstiodVersion(res.body) : undefined;
    if (version) return { version, answer: 'version' };
    const said = JSON.stringify(res.body ?? '');
    if (/connection refused/.test(said)) return { answer: 'refused' };
    if (/network is unreachable|no route to host|i\/o timeout/.test(said)) return { answer: 'unreachable' };
    return { answer: 'silent' };
  } catch {
    return { answer: 'silent' };
  }
}

/** The version istiod itself answers, or undefined. Silence is asked once more (a busy istiod misses 3 s now and then). */
export async function istiodReportedVersion(kube: ApiRequests, name: string): Promise<string | undefined> {
  const first = await askIstiod(kube, name);
  return first.answer === 'silent' ? (await askIstiod(kube, name)).version : first.version;
}

/** The istiod Deployments among `deployments` with their revision and image version. Pure. */
export function controlPlaneVersions(deployments: K8sObject[]): ControlPlaneVersion[] {
  return deployments
    .filter((d) => d.metadata.labels?.app === 'istiod' || d.metadata.name === 'istiod' || d.metadata.name.startsWith('istiod-'))
    .map((d) => ({
      name: d.metadata.name,
      revision: d.metadata.labels?.['istio.io/rev'] ?? 'default',
      version: imageTag(d.spec?.template?.spec?.containers?.[0]?.image),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Judges a snapshot. Pure. */
export function evaluateStatus(s: StatusSnapshot): MeshStatus {
  const checks: StatusCheck[] = [];
  const inv = parseInventory(s.inventory);
  checks.push(inv
    ? { name: 'install', ok: true, detail: `Istio ${inv.version}, profile ${inv.profile}, ${inv.objects.length} objects in the inventory` }
    : { name: 'install', ok: false, detail: `no meshctl inventory (ConfigMap ${ISTIO_NAMESPACE}/${INVENTORY_NAME}); run meshctl install` });

  const istioCrds = s.crds.filter((c) => /\.istio\.io$/.test(c.spec?.group ?? ''));
  const notEstablished = istioCrds.filter((c) => notReadyReason(c) !== undefined);
  checks.push({
    name: 'CRDs',
    ok: istioCrds.length > 0 && notEstablished.length === 0,
    detail: istioCrds.length === 0 ? 'no Istio CRDs installed' : notEstablished.length > 0 ? `not Established: ${notEstablished.map((c) => c.metadata.name).join(', ')}` : `${istioCrds.length} Istio CRDs Established`,
  });

  const istiod = s.deployments.find((d) => d.metadata.name === 'istiod');
  const cpTag = imageTag(istiod?.spec?.template?.spec?.containers?.[0]?.image);
  const deploymentCheck = (name: string, d: K8sObject | undefined): StatusCheck => {
    if (!d) return { name, ok: false, detail: 'not found' };
    const want = d.spec?.replicas ?? 1;
    const ready = d.status?.readyReplicas ?? 0;
    const why = want === 0 ? 'scaled to 0 replicas' : notReadyReason(d);
    const reports = name === 'istiod' && s.istiodReports ? ` (istiod reports ${s.istiodReports})` : '';
    return { name, ok: why === undefined, detail: why ?? `${ready}/${want} ready${name === 'istiod' && cpTag ? `, version ${cpTag}${reports}` : ''}` };
  };
  checks.push(deploymentCheck('istiod', istiod));
  for (const gw of s.deployments.filter((d) => ['ingressgateway', 'egressgateway'].includes(d.metadata.labels?.istio ?? ''))) {
    checks.push(deploymentCheck(`gateway ${gw.metadata.name}`, gw));
  }

  for (const ds of s.daemonSets.filter((d) => ['istio-cni-node', 'ztunnel'].includes(d.metadata.name))) {
    const why = notReadyReason(ds);
    const st: any = ds.status ?? {};
    checks.push({ name: `node agent ${ds.metadata.name}`, ok: why === undefined, detail: why ?? `${st.numberAvailable ?? 0}/${st.desiredNumberScheduled ?? 0} nodes ready` });
  }

  for (const wh of s.webhooks) {
    const targets = (wh as any).webhooks?.map((w: any) => w.clientConfig?.service).filter((svc: any) => svc?.namespace === ISTIO_NAMESPACE) ?? [];
    if (targets.length === 0) continue;
    const svcName: string = targets[0].name;
    const svc = s.services.find((x) => x.metadata.name === svcName);
    const ready = s.endpointSlices
      .filter((e) => e.metadata.labels?.['kubernetes.io/service-name'] === svcName)
      .flatMap((e) => (e as any).endpoints ?? [])
      .filter((ep: any) => ep.conditions?.ready !== false).length;
    checks.push({
      name: `webhook ${wh.metadata.name}`,
      ok: Boolean(svc) && ready > 0,
      detail: !svc ? `Service ${ISTIO_NAMESPACE}/${svcName} not found` : ready === 0 ? `Service ${ISTIO_NAMESPACE}/${svcName} has no ready endpoints` : `Service ${ISTIO_NAMESPACE}/${svcName}, ${ready} ready endpoint(s)`,
    });
  }

  // without the default validator, Istio config that has no istio.io/rev label is never validated by istiod; without
  // the default tag, nothing injects for the default revision's istio-injection=enabled namespaces
  const hasIstiod = Boolean(istiod) || s.deployments.some((d) => d.metadata.labels?.app === 'istiod');
  if (hasIstiod) {
    const validator = s.webhooks.some((w) => w.kind === 'ValidatingWebhookConfiguration' && w.metadata.name === 'istiod-default-validator');
    checks.push({
      name: 'default validator',
      ok: validator,
      detail: validator ? 'istiod-default-validator sends all Istio config to istiod for validation'
      : 'no istiod-default-validator: Istio config without an istio.io/rev label bypasses istiod\'s validation (re-run meshctl install)',
    });
    const tag = s.webhooks.find((w) => w.kind === 'MutatingWebhookConfiguration' && w.metadata.labels?.['istio.io/tag'] === 'default');
    checks.push({
      name: 'default tag',
      ok: Boolean(tag),
      detail: tag ? `${tag.metadata.name} points at revision ${tag.metadata.labels?.['istio.io/rev'] ?? 'default'}`
      : 'no default revision tag (MutatingWebhookConfiguration labelled istio.io/tag=default): the default revision has no injector for istio-injection=enabled namespaces',
    });
  }

  const injected = s.namespaces.filter(injectionEnabled).map((n) => n.metadata.name);
  checks.push({ name: 'injection', ok: true, detail: injected.length > 0 ? `enabled in ${injected.join(', ')}` : 'no namespace has sidecar injection enabled' });
  const running = s.injectedPods.filter((p) => podNotFinished(p) && podTakesSidecar(p));
  const missing = running.filter((p) => !proxyContainer(p));
  checks.push({
    name: 'sidecars',
    ok: missing.length === 0,
    detail: missing.length > 0 ? `${missing.length} pod(s) without a sidecar in injected namespaces: ${missing.slice(0, 5).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}${missing.length > 5 ? ', …' : ''} (restart them after enabling injection)` : `${running.length} pod(s) in injected namespaces, all with a sidecar`,
  });
  const skewed = running.filter((p) => proxyContainer(p) && cpTag && imageTag(proxyContainer(p).image) !== cpTag);
  const withSidecar = running.filter((p) => proxyContainer(p)).length;
  // with no control plane to compare with, nothing was compared: that is not "match"
  checks.push({
    name: 'sidecar versions',
    ok: skewed.length === 0 && (Boolean(cpTag) || withSidecar === 0),
    detail: skewed.length > 0 ? `${skewed.length} sidecar(s) differ from the control plane ${cpTag}: ${skewed.slice(0, 5).map((p) => `${p.metadata.namespace}/${p.metadata.name} (${imageTag(proxyContainer(p).image)})`).join(', ')}`
    : !cpTag ? `not compared: no control plane version to compare ${withSidecar} sidecar(s) with`
    : withSidecar === 0 ? 'no sidecars to compare' : `all ${withSidecar} sidecar(s) match the control plane ${cpTag}`,
  });
  return { healthy: checks.every((c) => c.ok), version: inv?.version ?? cpTag, profile: inv?.profile, checks };
}

/**
 * Why each pod that is not ready is not ready, from what the cluster says about it: an unscheduled pod's
 * scheduling message, a waiting container's reason (ImagePullBackOff, CrashLoopBackOff …), a failing
 * condition, and the newest warning event about the pod. One line per pod. Pure.
 */
export function unreadyPods(pods: K8sObject[], events: K8sObject[]): string[] {
  const out: string[] = [];
  for (const pod of pods) {
    const st = pod.status ?? {};
    if (st.phase === 'Succeeded') continue;
    const conditions: any[] = Array.isArray(st.conditions) ? st.conditions : [];
    if (podReady(pod)) continue;
    const why: string[] = [];
    const scheduled = conditions.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') why.push(`not scheduled: ${scheduled.message ?? scheduled.reason ?? 'no reason given'}`);
    for (const cs of [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]) {
      const waiting = cs?.state?.waiting;
      const terminated = cs?.state?.terminated;
      if (waiting?.reason) why.push(`container ${cs.name} ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`);
      else if (terminated && cs.ready === false) why.push(`container ${cs.name} exited ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`);
    }
    const ready = conditions.find((c) => c.type === 'Ready');
    if (why.length === 0 && ready?.status === 'False') why.push(`${ready.reason ?? 'not ready'}${ready.message ? `: ${ready.message}` : ''}`);
    const warning = events
      .filter((e) => e.type === 'Warning' && (e as any).involvedObject?.kind === 'Pod' && (e as any).involvedObject?.name === pod.metadata.name)
      .sort((a, b) => String(eventTime(b)).localeCompare(String(eventTime(a))))[0];
    // the newest warning, unless it repeats what the pod's status already said (FailedScheduling does)
    if (warning && !why.some((w) => w.includes(String((warning as any).message)))) why.push(`event ${(warning as any).reason}: ${(warning as any).message}`);
    if (why.length === 0) why.push(st.phase ? `phase ${st.phase}, no Ready condition yet` : 'no status yet');
    out.push(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${why.join('; ')}`);
  }
  return out;
}

function eventTime(e: K8sObject): string {
  const x = e as any;
  return x.lastTimestamp ?? x.eventTime ?? x.metadata?.creationTimestamp ?? '';
}

/**
 * The one wait for a healthy mesh (`status --wait`, `up`): looks again every 2 s until a look is healthy or
 * `timeoutMs` has passed. `onLook` is told of every look that is not healthy (`last`: no other look follows).
 */
export async function waitUntilHealthy<T extends { status: { healthy: boolean } }>(
  look: () => Promise<T>, opts: { timeoutMs: number; first?: T; onLook?: (current: T, last: boolean) => void; intervalMs?: number },
): Promise<{ current: T; timedOut: boolean }> {
  const deadline = Date.now() + opts.timeoutMs;
  let current = opts.first ?? await look();
  for (;;) {
    if (current.status.healthy) return { current, timedOut: false };
    const last = Date.now() >= deadline;
    opts.onLook?.(current, last);
    if (last) return { current, timedOut: true };
    await new Promise((r) => setTimeout(r, Math.min(opts.intervalMs ?? 2000, Math.max(0, deadline - Date.now()))));
    current = await look();
  }
}

/** The cluster's side of `version`: Kubernetes', and each istiod's (asked through the apiserver, else from its image). */
export async function clusterVersions(kube: KubeClient): Promise<{ kubernetes: string; controlPlane: (ControlPlaneVersion & { reported?: string })[] }> {
  const [server, deployments] = await Promise.all([kube.version(), kube.list('apps/v1', 'Deployment', { namespace: ISTIO_NAMESPACE })]);
  // each istiod is asked its own version (its Service has the Deployment's name)
  const controlPlane = await Promise.all(controlPlaneVersions(deployments).map(async (cp) => {
    const reported = await istiodReportedVersion(kube, cp.name);
    return reported ? { ...cp, reported } : cp;
  }));
  return { kubernetes: server.gitVersion, controlPlane };
}
