/**
 * `--wait=pushed`: after a write, wait (bounded) until istiod serves the change to a ghost of an affected pod.
 * Before the write, the ghost's configuration is fingerprinted; after it, the ghost asks again every half second
 * until istiod answers with a newer push whose configuration differs from the fingerprint. An install or an inject
 * waits for istiod to answer at all (there is nothing to compare with). Says how long it took.
 */
import { createHash } from 'node:crypto';
import type { K8sObject } from '../../manifests/object.js';
import { CheckFailedError, UsageError } from '../../ui/errors.js';
import type { XdsSnapshot } from './client.js';
import { proxyContainer } from '../istio/sidecars.js';
import { ghostConfigOf, withIstiod, type XdsOptions } from './ghost-config.js';
import type { KubeClient } from '../../cluster/client.js';

/** Checks `--wait`'s value: only "pushed" for now. */
export function parseWait(value: string | undefined): 'pushed' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'pushed') throw new UsageError(`--wait "${value}": the one condition is "pushed" (istiod has pushed the change to the proxies)`);
  return 'pushed';
}

/**
 * The configuration without its version strings, hashed: what a push changes. istiod sends listeners and endpoints
 * in no fixed order (and a locality's endpoints too), so resources are sorted by name, endpoints by address. Pure.
 */
export function fingerprint(snap: XdsSnapshot): string {
  const h = createHash('sha256');
  const byKey = <T>(list: T[], key: (t: T) => string) => list.map((t) => [key(t), JSON.stringify(t)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)).map((p) => p[1]);
  const endpoints = snap.endpoints.map((cla) => ({
    ...cla,
    clusterName: String(cla.clusterName),
    endpoints: ((cla.endpoints ?? []) as { lbEndpoints?: unknown[] }[])
      .map((llb) => ({ ...llb, lbEndpoints: byKey(llb.lbEndpoints ?? [], (e) => JSON.stringify(e)) })),
  }));
  for (const part of [byKey(snap.clusters, (c) => String(c.name)), byKey(snap.listeners, (l) => String(l.name)), byKey(snap.routes, (r) => String(r.name)),
    byKey(endpoints, (e) => e.clusterName)]) h.update(JSON.stringify(part));
  return h.digest('hex');
}

/** The pod whose ghost shows a change in `namespace`: a running pod with a sidecar, else any running pod. */
export async function podToWatch(kube: KubeClient, namespace: string): Promise<K8sObject | undefined> {
  const pods = (await kube.list('v1', 'Pod', { namespace }))
    .filter((p) => p.status?.phase === 'Running' && p.status?.podIP && !p.metadata.deletionTimestamp)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return pods.find((p) => proxyContainer(p) !== undefined) ?? pods[0];
}

/** Push versions are "TIME/N" (istiod's counter of pushes): the N, or -1. */
const pushNumber = (snap: XdsSnapshot) => Math.max(-1, ...Object.values(snap.versions).map((v) => Number(/\/(\d+)$/.exec(v)?.[1] ?? -1)));

export interface Baseline {
  fingerprint: string;
  push: number;
}

/** The configuration istiod serves `pod`'s ghost now, to compare with after the write. */
export async function baseline(kube: KubeClient, pod: K8sObject, opts: XdsOptions): Promise<Baseline> {
  const got = await withIstiod(kube, opts, (xds) => ghostConfigOf(pod, xds, opts.timeoutMs));
  return { fingerprint: fingerprint(got.snapshot), push: pushNumber(got.snapshot) };
}

/**
 * Waits until istiod serves `pod`'s ghost a configuration of a newer push that differs from `before` (without
 * `before`: until istiod answers with a whole configuration). Exit 2 after `waitMs`. Returns the time it took and
 * the version served.
 */
export async function waitPushed(
  kube: KubeClient, pod: K8sObject, before: Baseline | undefined, opts: XdsOptions & { waitMs: number; now?: () => number },
): Promise<{ ms: number; version: string }> {
  const now = opts.now ?? Date.now;
  const start = now();
  const deadline = start + opts.waitMs;
  let last: string;
  for (;;) {
    try {
      const got = await withIstiod(kube, { ...opts, timeoutMs: Math.max(1000, Math.min(opts.timeoutMs, deadline - now())) },
        (xds) => ghostConfigOf(pod, xds, opts.timeoutMs));
      const version = Object.values(got.snapshot.versions).sort().pop() ?? '';
      if (!before || (pushNumber(got.snapshot) > before.push && fingerprint(got.snapshot) !== before.fingerprint)) return { ms: now() - start, version };
      last = `istiod serves push ${version || '(none)'}, without the change yet`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (now() >= deadline) {
      const within = Math.round(opts.waitMs / 1000);
      throw new CheckFailedError(`istiod has not pushed the change to pod ${pod.metadata.namespace}/${pod.metadata.name} within ${within}s ` +
        `(${last}); a change that does not concern this pod is never pushed to it`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * After an install or an inject: waits until istiod serves a whole configuration to a ghost of a pod of
 * `namespace` (any namespace's pods with a sidecar, then istiod's own namespace's, when none is given). Returns what
 * to say, or undefined when there is no pod to ask about.
 */
export async function waitIstiodServes(
  kube: KubeClient, namespace: string | undefined, opts: { waitMs: number; istioNamespace: string },
): Promise<string | undefined> {
  let pod: K8sObject | undefined;
  if (namespace) pod = await podToWatch(kube, namespace);
  else {
    const all = (await kube.list('v1', 'Pod')).filter((p) => p.status?.phase === 'Running' && p.status?.podIP && proxyContainer(p));
    pod = all.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))[0]
      ?? await podToWatch(kube, opts.istioNamespace);
  }
  if (!pod) return undefined;
  const deadline = Date.now() + opts.waitMs;
  // istiod may still be starting: its pod (and so the port-forward) may not be there yet
  const { ms, version } = await waitPushed(kube, pod, undefined, {
    timeoutMs: Math.min(opts.waitMs, 30_000), waitMs: Math.max(0, deadline - Date.now()), istioNamespace: opts.istioNamespace,
  });
  return `pushed: istiod serves pod ${pod.metadata.namespace}/${pod.metadata.name} its configuration after ${(ms / 1000).toFixed(1)}s (config version ${version})`;
}
