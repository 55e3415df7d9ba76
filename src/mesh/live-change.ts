/**
 * A generator's change to the live cluster (--apply, --diff, --dry-run=server): composed with the namespace's live
 * resources (the same pure composition --from uses), the objects it touches, and the analyzers' messages it would
 * bring. Writing it is cluster/live-apply's applyChanges.
 */
import type { KubeClient } from '../cluster/client.js';
import { holds } from '../cluster/live-apply.js';
import { sameIdentity, type K8sObject } from '../manifests/object.js';
import type { RunResult } from '../analyze/runner.js';

/** A generator: the resources it makes of `existing` for `service` in `namespace`. */
export type Generate = (existing: K8sObject[], namespace: string, service: string) => K8sObject[];

export interface LiveChange {
  /** What the generator touched: what it changed or created, and what it generates for the service even when it holds the result already. */
  touched: K8sObject[];
  /** The messages the change would bring (those the live namespace has already are not the change's). */
  findings: RunResult['messages'];
}

/**
 * The change `generate` makes to `live`. The generator runs a second time on nothing, to know which objects are its
 * own for the service: an object it returns unchanged is reported ("unchanged") when it is one of them, and left out
 * when it is another resource of the namespace that composition passed through.
 */
export async function planLiveChange(
  kube: KubeClient, namespace: string, live: K8sObject[], generate: Generate, service: string,
): Promise<LiveChange> {
  const result = generate(live, namespace, service).map((o) => (o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace } }));
  const fresh = generate([], namespace, service);
  const touched = result.filter((o) => {
    const before = live.find((l) => sameIdentity(l, o));
    return !before || !holds(before, o) || fresh.some((f) => sameIdentity(f, o));
  });
  // the analyzers see the result over the live cluster before anything is written
  const { findingsOfChange } = await import('../analyze/index.js');
  return { touched, findings: await findingsOfChange(kube, touched, namespace) };
}
