/**
 * Installing Istio onto a cluster: render with the release's istioctl, plan (create / update / unchanged
 * per object, by server-side dry-run), check, apply by server-side apply in phases with waits, record an
 * inventory in the cluster, and prune what the previous install had and this one does not.
 */
import { CheckFailedError, ExitCode, MeshctlError } from '../../ui/errors.js';
import { silentReporter, type Reporter } from '../../ui/progress.js';
import { FIELD_MANAGER } from '../../cluster/kube.js';
import { applyOne } from '../../cluster/live-apply.js';
import type { KubeClient } from '../../cluster/client.js';
import { waitGone, waitReady } from '../../cluster/wait.js';
import { withLease } from '../../cluster/lease.js';
import { deleteRecorded, listRecords } from '../../cluster/recorded.js';
import { objectOfRef, objectRef, refKey, type K8sObject } from '../../manifests/object.js';
import type { Release } from '../../release/download.js';
import {
  INVENTORY_NAME, inventoryObject, inventoryRef, leaveControllerFields, parseInventory, PHASES, phaseOf, toPrune,
  unchangedByApply, unionRefs, type Inventory, type InventoryRef, type Phase,
} from './plan.js';
import { minKubernetesMinor } from './versions.js';
import { ISTIO_NAMESPACE } from '../../manifests/istio.js';

export type Action = 'create' | 'update' | 'unchanged';

export interface PlanItem {
  object: K8sObject;
  phase: Phase;
  action: Action;
}

export interface InstallPlan {
  items: PlanItem[];
  prune: InventoryRef[];
  previous?: Inventory;
  next: Inventory;
}

export interface InstallOptions {
  release: Release;
  profile: string;
  /** Rendered control-plane objects (without the namespace, which the installer adds). */
  rendered: K8sObject[];
  /** Take over fields another field manager owns. */
  force?: boolean;
  /** Delete CRDs of the previous install that are no longer rendered. */
  purge?: boolean;
  /** Stop after planning; with 'server', also server-side dry-run every object. */
  dryRun?: false | 'client' | 'server';
  timeoutMs: number;
  /** Asked before changing anything when the plan has changes; false cancels. */
  confirm?: (plan: InstallPlan) => Promise<boolean>;
  reporter?: Reporter;
  /** Checked between steps: true stops the install (Ctrl-C). */
  interrupted?: () => boolean;
  /** Waits, after the istiod phase, until istiod's webhooks answer the apiserver (the real client provides it). */
  webhooksAnswer?: () => Promise<void>;
  /** How often the waits look again: for readiness, deletion, and another install's lease (default 1 s). */
  pollMs?: number;
}

export interface InstallResult {
  plan: InstallPlan;
  applied: number;
  pruned: number;
  cancelled: boolean;
}

function namespaceObject(): K8sObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } };
}

/** The installed inventory, if any. */
export async function readInventory(kube: KubeClient): Promise<Inventory | undefined> {
  return parseInventory(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: INVENTORY_NAME, namespace: ISTIO_NAMESPACE } }));
}

/** Cluster reachable, Kubernetes recent enough for the release, and the user allowed to create what is planned. */
export async function preflight(kube: KubeClient, release: Release, objects: K8sObject[]): Promise<void> {
  const v = await kube.version();
  const need = minKubernetesMinor(release.version);
  if (v.major !== 1 || v.minor < need) {
    throw new CheckFailedError(`Kubernetes ${v.gitVersion} is too old for Istio ${release.version} (it needs 1.${need} or later)`);
  }
  const checks = new Map<string, { group: string; resource: string; namespace?: string; what: string }>();
  for (const o of objects) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    let resource = `${o.kind.toLowerCase()}s`;
    try {
      resource = (await kube.resourceFor(o.apiVersion, o.kind)).name;
    } catch { /* a CRD-defined kind not installed yet: its plural is guessed */ }
    checks.set(`${group}/${resource}/${o.metadata.namespace ?? ''}`, { group, resource, namespace: o.metadata.namespace, what: o.kind });
  }
  const denied: string[] = [];
  await Promise.all([...checks.values()].map(async (c) => {
    if (!(await kube.can('create', c.group, c.resource, c.namespace))) denied.push(`${c.resource}${c.group ? `.${c.group}` : ''}${c.namespace ? ` in ${c.namespace}` : ''}`);
  }));
  if (denied.length > 0) throw new CheckFailedError(`you may not create ${denied.sort().join(', ')}: ask for cluster-admin rights or use another --context`);
}

/** Classifies every object as create, update or unchanged (server-side dry-run for existing objects). */
const INTERRUPTED = 'interrupted; the inventory lists everything that may have been applied, so a re-run or uninstall converges';

export async function planInstall(
  kube: KubeClient, opts: Pick<InstallOptions, 'release' | 'profile' | 'rendered' | 'purge' | 'force' | 'interrupted'>,
): Promise<InstallPlan> {
  const objects = [namespaceObject(), ...opts.rendered];
  const previous = await readInventory(kube);
  // one GET (and, for existing objects, one dry-run apply) per object, sixteen at a time
  const items: PlanItem[] = new Array(objects.length);
  let nextIndex = 0;
  const worker = async () => {
    for (let i = nextIndex++; i < objects.length; i = nextIndex++) {
      // Ctrl-C while planning ends the plan (nothing is written while planning)
      if (opts.interrupted?.()) throw new MeshctlError('interrupted while planning: nothing was changed', ExitCode.Interrupted);
      const live = await kube.get(objects[i]);
      const object = leaveControllerFields(objects[i], live, FIELD_MANAGER);
      let action: Action = 'create';
      if (live) {
        const dry = await applyExplained(kube, object, { dryRun: true, force: opts.force });
        action = unchangedByApply(live, dry) ? 'unchanged' : 'update';
      }
      items[i] = { object, phase: phaseOf(object), action };
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  // an object that is there but that no earlier install listed was not made by meshctl (the inventory is written
  // before anything is applied): it is recorded as the user's, and never deleted
  const listed = new Set((previous?.objects ?? []).map(refKey));
  const preexisting = unionRefs(previous?.preexisting ?? [], items.filter((it) => it.action !== 'create' && !listed.has(refKey(inventoryRef(it.object)))).map((it) => inventoryRef(it.object)));
  const next: Inventory = { mesh: 'istio', version: opts.release.version, profile: opts.profile, objects: objects.map(inventoryRef), ...(preexisting.length ? { preexisting } : {}) };
  return { items, prune: toPrune(previous?.objects ?? [], next.objects, Boolean(opts.purge), preexisting), previous, next };
}

/** Server-side apply of one object of the install, a refusal explained (the inventory lists it already, so a re-run converges). */
const applyExplained = (kube: KubeClient, obj: K8sObject, opts: { dryRun?: boolean; force?: boolean }): Promise<K8sObject> =>
  applyOne(kube, obj, opts, 'the install stopped there; the inventory lists what was applied, so a re-run or uninstall converges');

/** Whether the live inventory says exactly what `inv` says. */
async function inventoryCurrent(kube: KubeClient, inv: Inventory): Promise<boolean> {
  const desired = inventoryObject(inv);
  const live = await kube.get(desired);
  const liveData = ((live as any)?.data ?? {}) as Record<string, string>;
  const desiredData = desired.data as Record<string, string>;
  return Boolean(live) && Object.keys(liveData).length === Object.keys(desiredData).length && Object.entries(desiredData).every(([k, v]) => liveData[k] === v);
}

async function writeInventory(kube: KubeClient, inv: Inventory): Promise<boolean> {
  if (await inventoryCurrent(kube, inv)) return false;
  await kube.apply(inventoryObject(inv), { force: true });
  return true;
}

/** Runs the whole install. */
export async function installIstio(kube: KubeClient, opts: InstallOptions): Promise<InstallResult> {
  const reporter = opts.reporter ?? silentReporter;
  reporter.start('checking the cluster');
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...INSTALL_LEASE } };
  await preflight(kube, opts.release, [namespaceObject(), ...opts.rendered, ...(opts.dryRun ? [] : [lease])]);
  reporter.succeed(`cluster ${kube.server} (context ${kube.context}) is reachable and ready for Istio ${opts.release.version}`);
  reporter.start('planning');
  const plan = await planInstall(kube, opts);
  if (opts.interrupted?.()) throw new MeshctlError('interrupted while planning: nothing was changed', ExitCode.Interrupted);
  // a dry run, or an install with nothing to change, writes nothing (not even the lease); one that changes
  // something plans again and writes holding the install lease, so two installs (or an install and an uninstall)
  // at once take turns and no inventory entry is lost
  const noop = plan.items.every((i) => i.action === 'unchanged') && plan.prune.length === 0 && (await inventoryCurrent(kube, plan.next));
  if (opts.dryRun || noop) return applyPlan(kube, opts, reporter, plan);
  return withInstallLease(kube, opts, reporter, async () => applyPlan(kube, opts, reporter, await planInstall(kube, opts)));
}

/** The Lease that serialises meshctl's installs and uninstalls of one cluster. */
export const INSTALL_LEASE = { namespace: 'kube-system', name: 'meshctl-install-istio' } as const;

function withInstallLease<T>(kube: KubeClient, opts: { timeoutMs: number; pollMs?: number }, reporter: Reporter, fn: () => Promise<T>): Promise<T> {
  const what = 'changing the Istio install of this cluster';
  return withLease(kube, { ...INSTALL_LEASE, what, timeoutMs: opts.timeoutMs, retryMs: opts.pollMs, onWait: (line) => reporter.info(line) }, fn);
}

async function applyPlan(kube: KubeClient, opts: InstallOptions, reporter: Reporter, plan: InstallPlan): Promise<InstallResult> {
  const stopIfInterrupted = () => {
    if (opts.interrupted?.()) throw new MeshctlError(INTERRUPTED, ExitCode.Interrupted);
  };
  const count = (a: Action) => plan.items.filter((i) => i.action === a).length;
  reporter.succeed(`plan: ${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged, ${plan.prune.length} to prune`, {
    create: count('create'), update: count('update'), unchanged: count('unchanged'), prune: plan.prune.length,
  });
  const changes = plan.items.filter((i) => i.action !== 'unchanged');
  if (opts.dryRun) {
    if (opts.dryRun === 'server') {
      reporter.start('server-side dry-run of every change');
      for (const item of changes) {
        if (item.action === 'create' && item.object.metadata.namespace && !(await kube.get(namespaceObject()))) continue; // its namespace does not exist yet
        if (item.action === 'create' && item.phase !== 'crds' && !(await kube.serves(item.object.apiVersion, item.object.kind))) continue;
        await applyExplained(kube, item.object, { dryRun: true, force: opts.force });
      }
      reporter.succeed('server-side dry-run passed');
    }
    return { plan, applied: 0, pruned: 0, cancelled: false };
  }
  if (changes.length === 0 && plan.prune.length === 0) {
    await writeInventory(kube, plan.next);
    reporter.info('nothing to change: the installed control plane matches the profile');
    return { plan, applied: 0, pruned: 0, cancelled: false };
  }
  if (opts.confirm && !(await opts.confirm(plan))) return { plan, applied: 0, pruned: 0, cancelled: true };

  let applied = 0;
  for (const phase of PHASES) {
    if (phase !== 'namespace') {
      // record everything that may be applied before applying it (once its namespace exists), so an
      // interrupted install can be cleaned up or converged
      await writeInventory(kube, { ...plan.next, objects: unionRefs(plan.previous?.objects ?? [], plan.next.objects) });
    }
    const inPhase = plan.items.filter((i) => i.phase === phase);
    if (inPhase.length === 0) continue;
    const toChange = inPhase.filter((i) => i.action !== 'unchanged').length;
    reporter.start(`${phase}: applying ${toChange} of ${inPhase.length} objects`);
    for (const item of inPhase) {
      stopIfInterrupted();
      if (item.action === 'unchanged') continue;
      await applyExplained(kube, item.object, { force: opts.force });
      applied++;
    }
    const waitFor = inPhase.map((i) => i.object).filter((o) => ['CustomResourceDefinition', 'Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind));
    if (waitFor.length > 0) {
      await waitReady(kube, waitFor, opts.timeoutMs, (pending) => reporter.progress(1 - pending.length / waitFor.length, `${phase}: waiting for ${pending[0]}`), opts.pollMs);
    }
    // what was written and what was already so, each said as such ("applying 0 of 13" is not "13 applied")
    const said = `${toChange} applied${toChange < inPhase.length ? `, ${inPhase.length - toChange} unchanged` : ''}`;
    reporter.succeed(`${phase}: ${inPhase.length} objects ${waitFor.length > 0 ? `ready (${said})` : `in place (${said})`}`, { phase, objects: inPhase.length, applied: toChange });
    if (phase === 'istiod' && opts.webhooksAnswer && inPhase.some((i) => i.object.kind === 'ValidatingWebhookConfiguration')) await opts.webhooksAnswer();
  }
  let pruned = 0;
  if (plan.prune.length > 0) {
    reporter.start(`pruning ${plan.prune.length} objects the profile no longer has`);
    for (const ref of plan.prune) {
      stopIfInterrupted();
      if (await kube.delete(objectOfRef(ref))) pruned++;
    }
    await waitGone(kube, plan.prune.map(objectOfRef), opts.timeoutMs, opts.pollMs);
    reporter.succeed(`pruned ${pruned} objects`, { pruned });
  }
  await writeInventory(kube, plan.next);
  return { plan, applied, pruned, cancelled: false };
}

export interface UninstallOptions {
  purge?: boolean;
  timeoutMs: number;
  reporter?: Reporter;
  /** Asked before anything is deleted, with the install's objects and the addons that go first. */
  confirm?: (refs: InventoryRef[], addons: string[]) => Promise<boolean>;
}

export interface UninstallResult { deleted: number; kept: InventoryRef[]; cancelled: boolean }

/**
 * Deletes exactly the inventory, in reverse install order (CRDs only with `purge`), and waits until gone; the addons
 * recorded in the Istio namespace first. Holds the install lease throughout.
 */
export async function uninstallIstio(kube: KubeClient, opts: UninstallOptions): Promise<UninstallResult> {
  const reporter = opts.reporter ?? silentReporter;
  return withInstallLease(kube, opts, reporter, () => uninstallHeld(kube, opts, reporter));
}

async function uninstallHeld(kube: KubeClient, opts: UninstallOptions, reporter: Reporter): Promise<UninstallResult> {
  const inv = await readInventory(kube);
  if (!inv) throw new CheckFailedError(`no meshctl install found (no ConfigMap ${ISTIO_NAMESPACE}/${INVENTORY_NAME}) in context ${kube.context}`);
  const doomed = toPrune(inv.objects, [], Boolean(opts.purge), inv.preexisting);
  const kept = inv.objects.filter((r) => !doomed.some((d) => refKey(d) === refKey(r)));
  // addons live in the Istio namespace: removed first, each by its own record (its cluster-wide RBAC too), rather
  // than silently with the namespace
  const addons = (await listRecords(kube, 'addon')).filter((r) => r.namespace === ISTIO_NAMESPACE);
  if (opts.confirm && !(await opts.confirm(doomed, addons.map((a) => a.name)))) return { deleted: 0, kept, cancelled: true };
  for (const r of inv.preexisting ?? []) reporter.info(`keeping ${objectRef(r)}: it existed before meshctl installed Istio`);
  for (const addon of addons) {
    reporter.start(`removing addon ${addon.name} first: it runs in ${ISTIO_NAMESPACE}`);
    const gone = await deleteRecorded(kube, 'addon', addon.name, ISTIO_NAMESPACE, opts.timeoutMs);
    reporter.succeed(`addon ${addon.name}: ${gone ?? 0} object(s) deleted`);
  }
  reporter.start(`deleting ${doomed.length} objects of Istio ${inv.version} (profile ${inv.profile})`);
  let deleted = 0;
  const namespaced = doomed.filter((r) => r.kind !== 'Namespace');
  for (const ref of namespaced) if (await kube.delete(objectOfRef(ref))) deleted++;
  await waitGone(kube, namespaced.map(objectOfRef), opts.timeoutMs);
  await kube.delete(objectOfRef({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ISTIO_NAMESPACE, name: INVENTORY_NAME }));
  const namespaces = doomed.filter((r) => r.kind === 'Namespace');
  for (const ref of namespaces) if (await kube.delete(objectOfRef(ref))) deleted++;
  await waitGone(kube, namespaces.map(objectOfRef), opts.timeoutMs);
  const crds = kept.filter((r) => r.kind === 'CustomResourceDefinition').length;
  const gone = doomed.length - deleted;
  reporter.succeed(`deleted ${deleted} of ${doomed.length} objects${gone > 0 ? ` (${gone} had gone already, with their namespace or owner)` : ''}` +
    `${crds > 0 ? `; kept ${crds} CRDs (use --purge to delete them and every resource of their kinds)` : ''}`);
  return { deleted, kept, cancelled: false };
}
