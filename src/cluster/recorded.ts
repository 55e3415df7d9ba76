/**
 * Sets of manifests meshctl deploys on the user's behalf (samples, addons), recorded in the cluster the way
 * the install is: a ConfigMap lists every object applied, written before anything is applied, so `delete`
 * removes exactly what `deploy` created, even after an interrupted deploy. Objects are applied with the
 * server-side apply of the generators (unchanged objects are not written) and waited for.
 */
import type { KubeClient } from './client.js';
import { applyChanges, type AppliedChange } from './live-apply.js';
import { WORKLOAD_KINDS, waitGone, waitReady } from './wait.js';
import { objectOfRef, objectRef, refKey, refOf, type K8sObject, type ObjectRef } from '../manifests/object.js';
import { InputError } from '../ui/errors.js';
import type { Reporter } from '../ui/progress.js';

export type RecordKind = 'sample' | 'addon';

const RECORD_LABEL = 'meshctl.io/record';
const NAME_LABEL = 'meshctl.io/name';

/** The ConfigMap recording one deployed set. */
export function recordKey(kind: RecordKind, name: string, namespace: string): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `meshctl-${kind}-${name}`, namespace } };
}

function recordObject(kind: RecordKind, name: string, namespace: string, refs: ObjectRef[], extra: Record<string, string>): K8sObject {
  const key = recordKey(kind, name, namespace);
  return {
    ...key,
    metadata: { ...key.metadata, labels: { 'app.kubernetes.io/managed-by': 'meshctl', [RECORD_LABEL]: kind, [NAME_LABEL]: name } },
    data: { objects: JSON.stringify(refs), ...extra },
  };
}

const sameRef = (a: ObjectRef, b: ObjectRef) => refKey(a) === refKey(b);

/** The objects a record lists, or undefined when there is no record. */
export async function readRecord(
  kube: KubeClient, kind: RecordKind, name: string, namespace: string,
): Promise<{ refs: ObjectRef[]; data: Record<string, string> } | undefined> {
  const cm = await kube.get(recordKey(kind, name, namespace));
  if (!cm) return undefined;
  const data = (cm.data ?? {}) as Record<string, string>;
  try {
    return { refs: JSON.parse(data.objects ?? '[]'), data };
  } catch {
    throw new InputError(`the record ${namespace}/${cm.metadata.name} is damaged (its objects list is not JSON); delete it with kubectl`);
  }
}

/** Every recorded set of a kind, in all namespaces. */
export async function listRecords(
  kube: KubeClient, kind: RecordKind,
): Promise<{ name: string; namespace: string; objects: number; data: Record<string, string> }[]> {
  const cms = await kube.list('v1', 'ConfigMap', { labelSelector: `${RECORD_LABEL}=${kind}` });
  return cms.map((cm) => {
    const data = (cm.data ?? {}) as Record<string, string>;
    let objects = 0;
    try {
      objects = JSON.parse(data.objects ?? '[]').length;
    } catch { /* counted as 0: delete still reports the damage */ }
    return { name: cm.metadata.labels?.[NAME_LABEL] ?? cm.metadata.name, namespace: cm.metadata.namespace ?? '', objects, data };
  }).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export interface DeployOptions {
  kind: RecordKind;
  name: string;
  /** Where the record lives (and the namespace created when missing). */
  namespace: string;
  objects: K8sObject[];
  timeoutMs: number;
  reporter: Reporter;
  /** Extra facts kept in the record (where the manifests came from). */
  facts?: Record<string, string>;
}

/**
 * Applies the objects (creating the namespace when missing), recorded first, then waits for the workloads to
 * roll out. The record keeps what an earlier deploy listed too, so nothing it created is forgotten.
 */
export async function deployRecorded(kube: KubeClient, opts: DeployOptions): Promise<AppliedChange[]> {
  const { kind, name, namespace, objects, reporter } = opts;
  const nsKey: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
  if (!(await kube.get(nsKey))) {
    await kube.apply(nsKey);
    reporter.succeed(`namespace ${namespace} created`);
  }
  const record = await readRecord(kube, kind, name, namespace);
  const refs = [...(record?.refs ?? [])];
  // an object that is there already and that no earlier deploy listed is someone else's (a Service of the same
  // name, say): it is applied, but recorded as pre-existing, and delete leaves it
  const recordedBefore = parseRefs(record?.data.preexisting);
  const preexisting = [...recordedBefore];
  const fresh = objects.filter((o) => !refs.some((r) => sameRef(r, refOf(o))));
  const there = await Promise.all(fresh.map((o) => kube.get(o)));
  fresh.forEach((o, i) => {
    refs.push(refOf(o));
    if (there[i]) preexisting.push(refOf(o));
  });
  for (const r of preexisting.slice(recordedBefore.length)) reporter.info(`${objectRef(objectOfRef(r))} exists already: it is updated, and left in place when the ${kind} is deleted`);
  const facts = { ...(opts.facts ?? {}), ...(preexisting.length ? { preexisting: JSON.stringify(preexisting) } : {}) };
  await kube.apply(recordObject(kind, name, namespace, refs, facts));
  reporter.start(`applying ${objects.length} objects of ${kind} ${name}`);
  const changes = await applyChanges(kube, objects, [], { dryRun: false, force: false });
  const count = (a: string) => changes.filter((c) => c.action === a).length;
  reporter.succeed(`${kind} ${name}: ${count('created')} created, ${count('configured')} configured, ${count('unchanged')} unchanged`);
  const workloads = changes.map((c) => c.after).filter((o) => WORKLOAD_KINDS.some(([, k]) => k === o.kind));
  if (workloads.length > 0) {
    reporter.start(`waiting for ${workloads.length} workload(s) of ${kind} ${name}`);
    await waitReady(kube, workloads, opts.timeoutMs, (pending) => reporter.start(`waiting for ${pending.join(', ')}`));
    reporter.succeed(`${kind} ${name}: ${workloads.length} workload(s) ready`);
  }
  return changes;
}

/** The pre-existing objects a record lists; a damaged list is an error (guessing could delete someone else's object). */
function parseRefs(text: string | undefined): ObjectRef[] {
  let refs: unknown;
  try {
    refs = JSON.parse(text ?? '[]');
  } catch { /* reported below */ }
  if (!Array.isArray(refs)) throw new InputError('a meshctl record is damaged (its preexisting list is not a JSON list); delete it with kubectl');
  return refs as ObjectRef[];
}

/**
 * Deletes every object the record lists that the deploy created (not those that existed before it), then the record;
 * undefined when there was no record.
 */
export async function deleteRecorded(kube: KubeClient, kind: RecordKind, name: string, namespace: string, timeoutMs: number): Promise<number | undefined> {
  const record = await readRecord(kube, kind, name, namespace);
  if (!record) return undefined;
  const preexisting = parseRefs(record.data.preexisting);
  const keys = record.refs.filter((r) => !preexisting.some((p) => sameRef(p, r))).map(objectOfRef).reverse();
  let deleted = 0;
  for (const k of keys) if (await kube.delete(k)) deleted++;
  await waitGone(kube, keys, timeoutMs);
  await kube.delete(recordKey(kind, name, namespace));
  return deleted;
}
