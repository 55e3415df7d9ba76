/**
 * Waiting for objects to become ready or gone, by polling (istioctl polls every 2 s; meshctl every second).
 */
import { CheckFailedError } from '../ui/errors.js';
import type { K8sObject } from '../manifests/object.js';
import type { KubeClient } from './client.js';

/** The workload kinds whose rollout meshctl waits for. */
export const WORKLOAD_KINDS: [string, string][] = [['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet']];

/** Whether a pod's Ready condition is True. */
export function podReady(pod: Pick<K8sObject, 'status'>): boolean {
  const conditions = pod.status?.conditions;
  return Array.isArray(conditions) && conditions.some((c: any) => c?.type === 'Ready' && c.status === 'True');
}

/** Why an object is not ready yet, or undefined when it is (kinds without readiness are ready once they exist). */
export function notReadyReason(obj: K8sObject | undefined): string | undefined {
  if (!obj) return 'not found';
  const status: any = obj.status ?? {};
  switch (obj.kind) {
    case 'CustomResourceDefinition':
      return (status.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True') ? undefined : 'not Established';
    case 'Deployment':
    case 'StatefulSet': {
      const want = obj.spec?.replicas ?? 1;
      if ((status.observedGeneration ?? 0) < (obj.metadata as any).generation) return 'rollout not observed yet';
      if ((status.updatedReplicas ?? 0) < want) return `${status.updatedReplicas ?? 0}/${want} replicas updated`;
      // as kubectl rollout status: old pods still running mean the new ones are not all available yet
      if (obj.kind === 'Deployment' && (status.replicas ?? 0) > (status.updatedReplicas ?? 0)) {
        return `${status.replicas - status.updatedReplicas} old replica(s) pending termination`;
      }
      if (obj.kind === 'StatefulSet' && status.updateRevision && status.currentRevision && status.updateRevision !== status.currentRevision) {
        return `rolling out revision ${status.updateRevision}`;
      }
      if ((status.availableReplicas ?? 0) < want) return `${status.availableReplicas ?? 0}/${want} replicas available`;
      return undefined;
    }
    case 'DaemonSet': {
      const want = status.desiredNumberScheduled ?? 0;
      return (status.numberAvailable ?? 0) >= want && (status.updatedNumberScheduled ?? 0) >= want ? undefined : `${status.numberAvailable ?? 0}/${want} pods available`;
    }
    default:
      return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until every object is ready; on timeout, a CheckFailedError names those that are not and why. */
export async function waitReady(
  kube: KubeClient, objects: K8sObject[], timeoutMs: number, onWait?: (pending: string[]) => void, pollMs = 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = objects;
  for (;;) {
    const reasons = await Promise.all(pending.map(async (o) => ({ o, why: notReadyReason(await kube.get(o)) })));
    const still = reasons.filter((r) => r.why !== undefined);
    if (still.length === 0) return;
    pending = still.map((r) => r.o);
    onWait?.(still.map((r) => `${r.o.kind} ${r.o.metadata.name}: ${r.why}`));
    if (Date.now() > deadline) {
      throw new CheckFailedError(`timed out waiting for ${still.map((r) => `${r.o.kind} ${r.o.metadata.name} (${r.why})`).join(', ')}`);
    }
    await sleep(pollMs);
  }
}

/** Polls until every object is gone (404). */
export async function waitGone(
  kube: KubeClient, objects: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>[], timeoutMs: number, pollMs = 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = objects;
  for (;;) {
    const present = await Promise.all(pending.map(async (o) => ((await kube.get(o)) ? o : undefined)));
    pending = present.filter((o): o is K8sObject => o !== undefined);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new CheckFailedError(`timed out waiting for deletion of ${pending.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')}`);
    await sleep(pollMs);
  }
}
