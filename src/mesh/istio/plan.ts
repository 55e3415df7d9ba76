/**
 * Pure planning of an install: phases, inventory, what to prune, whether a live object already matches.
 */
import { refKey, type K8sObject, type ObjectRef } from '../../manifests/object.js';
import { ISTIO_NAMESPACE } from '../../manifests/istio.js';

export const INVENTORY_NAME = 'meshctl-inventory';

export const PHASES = ['namespace', 'crds', 'config', 'istiod', 'dataplane', 'gateways'] as const;
export type Phase = (typeof PHASES)[number];

/** Which install phase an object belongs to. */
export function phaseOf(obj: K8sObject): Phase {
  if (obj.kind === 'Namespace') return 'namespace';
  if (obj.kind === 'CustomResourceDefinition') return 'crds';
  const component = obj.metadata.labels?.['operator.istio.io/component'];
  if (component === 'IngressGateways' || component === 'EgressGateways') return 'gateways';
  // the ambient data plane: the CNI node agent and ztunnel run on every node, after istiod
  if (obj.kind === 'DaemonSet') return 'dataplane';
  if (['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(obj.kind)) {
    return 'istiod';
  }
  return 'config';
}

/** An object's identity as kept in the inventory: the reference, and the install phase it was applied in (deletion goes in reverse). */
export interface InventoryRef extends ObjectRef {
  phase?: Phase;
}

/** The inventory's reference to an object (keys in the order inventories have always been written, so a re-run finds it current). */
export function inventoryRef(obj: K8sObject): InventoryRef {
  const ref: InventoryRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  ref.phase = phaseOf(obj);
  return ref;
}

/** What meshctl records in the cluster about an install. */
export interface Inventory {
  mesh: 'istio';
  version: string;
  profile: string;
  objects: InventoryRef[];
  /**
   * Objects of the list that existed before meshctl first applied them (the user's `istio-system` namespace, say):
   * meshctl never deletes these, neither on uninstall nor when pruning.
   */
  preexisting?: InventoryRef[];
}

/** The ConfigMap that holds an inventory (in the install namespace; not itself listed in it). */
export function inventoryObject(inv: Inventory): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: INVENTORY_NAME, namespace: ISTIO_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'meshctl' } },
    data: {
      mesh: inv.mesh, version: inv.version, profile: inv.profile, objects: JSON.stringify(inv.objects, null, 1),
      ...(inv.preexisting?.length ? { preexisting: JSON.stringify(inv.preexisting, null, 1) } : {}),
    },
  };
}

/** Reads an inventory back from its ConfigMap (undefined when absent or unreadable). */
export function parseInventory(cm: K8sObject | undefined): Inventory | undefined {
  const data = cm?.data as Record<string, string> | undefined;
  if (!data?.objects) return undefined;
  try {
    const preexisting = data.preexisting ? JSON.parse(data.preexisting) as InventoryRef[] : [];
    return { mesh: 'istio', version: data.version, profile: data.profile, objects: JSON.parse(data.objects), ...(preexisting.length ? { preexisting } : {}) };
  } catch {
    return undefined;
  }
}

/** Union of two ref lists (first list's order, then new ones). */
export function unionRefs(a: InventoryRef[], b: InventoryRef[]): InventoryRef[] {
  const seen = new Set(a.map(refKey));
  return [...a, ...b.filter((r) => !seen.has(refKey(r)))];
}

/**
 * Objects of the previous install that the new one no longer renders, in reverse phase order. CRDs are
 * kept (deleting them deletes users' configuration) unless `purge`; what existed before meshctl applied it always is.
 */
export function toPrune(previous: InventoryRef[], next: InventoryRef[], purge: boolean, preexisting: InventoryRef[] = []): InventoryRef[] {
  const keep = new Set([...next, ...preexisting].map(refKey));
  return reverseByPhase(previous.filter((r) => !keep.has(refKey(r)) && (purge || r.kind !== 'CustomResourceDefinition')));
}

/** Refs in reverse install order (gateways first, namespace last), for deletion. */
export function reverseByPhase(refs: InventoryRef[]): InventoryRef[] {
  const rank = (r: InventoryRef) => PHASES.indexOf(r.phase ?? phaseOf({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name } }));
  return refs.map((r, i) => ({ r, i })).sort((a, b) => rank(b.r) - rank(a.r) || b.i - a.i).map((x) => x.r);
}

function strip(obj: any): any {
  const copy = structuredClone(obj);
  delete copy.metadata?.managedFields;
  delete copy.metadata?.resourceVersion;
  return copy;
}

/** Whether a server-side dry-run apply result equals the live object (so applying would change nothing). */
export function unchangedByApply(live: K8sObject, dryRun: K8sObject): boolean {
  return JSON.stringify(strip(live)) === JSON.stringify(strip(dryRun));
}

/** Webhook fields istiod takes over at run time: the CA it generated, and fail-closed once it validates. */
const CONTROLLER_FIELDS: [field: string, path: string[]][] = [['failurePolicy', ['failurePolicy']], ['caBundle', ['clientConfig', 'caBundle']]];

/**
 * The object meshctl applies, given the live one: in webhook configurations, the fields that another manager
 * (istiod: `pilot-discovery`) owns on the live object — each webhook's caBundle and failurePolicy — are left to
 * it. Applying the rendered values would be a conflict, or with --force would switch istiod's fail-closed
 * validation back to Ignore until istiod patched it again (what `istioctl install` does on each re-run).
 */
export function leaveControllerFields(obj: K8sObject, live: K8sObject | undefined, manager: string): K8sObject {
  if (!live || (obj.kind !== 'ValidatingWebhookConfiguration' && obj.kind !== 'MutatingWebhookConfiguration')) return obj;
  const others = ((live.metadata as { managedFields?: { manager?: string; fieldsV1?: Record<string, any> }[] }).managedFields ?? [])
    .filter((m) => m.manager !== manager).map((m) => m.fieldsV1?.['f:webhooks'] ?? {});
  const ownedByOther = (webhook: string, path: string[]) => others.some((w) => {
    let node = w[`k:${JSON.stringify({ name: webhook })}`];
    for (const p of path) node = node?.[`f:${p}`];
    return node !== undefined;
  });
  const webhooks = (obj as { webhooks?: Record<string, any>[] }).webhooks;
  if (!Array.isArray(webhooks)) return obj;
  const copy = structuredClone(obj) as K8sObject & { webhooks: Record<string, any>[] };
  for (const w of copy.webhooks) {
    for (const [, path] of CONTROLLER_FIELDS) {
      if (!ownedByOther(String(w.name), path)) continue;
      if (path.length === 1) delete w[path[0]];
      else if (w[path[0]]) delete w[path[0]][path[1]];
    }
  }
  return copy;
}
