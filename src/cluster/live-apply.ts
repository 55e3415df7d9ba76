/**
 * Generators against the live cluster: read the resources a generator composes with, apply what it produced
 * with server-side apply (field manager `meshctl`) of only the fields meshctl means to own (`intent`), and say what
 * changed. An object whose fields already
 * hold the generated values is left alone (no request); every changed object is first applied as a
 * server-side dry run, so a conflict with another field manager stops the whole change before anything is
 * written.
 */
import { isDeepStrictEqual } from 'node:util';
import { objectRef, sameIdentity, type K8sObject } from '../manifests/object.js';
import { CheckFailedError, InputError } from '../ui/errors.js';
import type { KubeClient } from './client.js';
import { FIELD_MANAGER, KubeApiError } from './kube.js';

/** The kinds the composing generators edit. */
export const COMPOSED_KINDS: [string, string][] = [
  ['networking.istio.io/v1', 'VirtualService'], ['networking.istio.io/v1', 'DestinationRule'], ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
  // read, not composed: expose attaches to the namespace's ingress Gateway for the host when there is one
  ['networking.istio.io/v1', 'Gateway'],
];

/** The live objects of the composed kinds in a namespace (kinds the cluster does not serve are skipped). */
export async function liveComposable(kube: KubeClient, namespace: string): Promise<K8sObject[]> {
  const lists = await Promise.all(COMPOSED_KINDS.map(async ([apiVersion, kind]) =>
    ((await kube.serves(apiVersion, kind)) ? kube.list(apiVersion, kind, { namespace }) : [])));
  return lists.flat();
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What meshctl sends and compares: apiVersion, kind, name, namespace, labels, annotations (without kubectl's
 * last-applied copy) and every top-level field but metadata and status. The server's bookkeeping
 * (resourceVersion, uid, managedFields, status) is left out.
 */
export function applied(obj: K8sObject): K8sObject {
  const { apiVersion, kind, metadata, status: _status, ...rest } = obj;
  const md: K8sObject['metadata'] = { name: metadata.name };
  if (metadata.namespace) md.namespace = metadata.namespace;
  if (metadata.labels && Object.keys(metadata.labels).length > 0) md.labels = metadata.labels;
  const annotations = Object.fromEntries(Object.entries(metadata.annotations ?? {}).filter(([k]) => k !== LAST_APPLIED));
  if (Object.keys(annotations).length > 0) md.annotations = annotations;
  return { apiVersion, kind, metadata: md, ...rest };
}

type FieldSet = { [key: string]: FieldSet };
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields (managedFields' FieldsV1 sets, merged) that `manager` owns on the live object through apply. */
export function ownedByApply(live: K8sObject, manager = FIELD_MANAGER): FieldSet | undefined {
  const entries = ((live.metadata as { managedFields?: { manager?: string; operation?: string; fieldsV1?: FieldSet }[] }).managedFields ?? [])
    .filter((m) => m.manager === manager && m.operation === 'Apply' && isMap(m.fieldsV1));
  if (entries.length === 0) return undefined;
  const merge = (a: FieldSet, b: FieldSet): FieldSet => {
    const out: FieldSet = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  };
  return entries.map((m) => m.fieldsV1!).reduce(merge);
}

const SKIP = Symbol('skip');

/** The part of `value` to send over `live`: what meshctl owns in it, or changes; SKIP for nothing. */
function intentOf(value: unknown, live: unknown, owned: FieldSet | undefined): unknown {
  // an entry without members is a field owned whole: a scalar, a list, or an atomic struct (a Deployment's selector)
  if (owned !== undefined && Object.keys(owned).length === 0) return value;
  if (isMap(value) && isMap(live)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const part = intentOf(v, live[k], owned?.[`f:${k}`]);
      if (part !== SKIP) out[k] = part;
    }
    return Object.keys(out).length > 0 ? out : SKIP;
  }
  return owned === undefined && isDeepStrictEqual(value, live) ? SKIP : value;
}

/**
 * What meshctl applies to change `live` into `result` (both as `applied` gives them): only the fields it means to own,
 * that is, those it owns already (so that they stay its own, and what it no longer sends is removed) and those the
 * change sets to something the live object does not hold. A field another manager set and the change leaves as it was
 * is not sent, so it stays that manager's alone: server-side apply would otherwise make meshctl its co-owner, and the
 * field would outlive its removal by the manager that set it.
 */
export function intent(result: K8sObject, live: K8sObject, owned: FieldSet | undefined): K8sObject {
  const { apiVersion, kind, metadata, ...rest } = result;
  const { metadata: liveMetadata, ...liveRest } = live;
  const md = intentOf({ labels: metadata.labels, annotations: metadata.annotations }, liveMetadata, owned?.['f:metadata']);
  const body = intentOf(rest, liveRest, owned);
  return {
    apiVersion, kind,
    metadata: { name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}), ...(md === SKIP ? {} : md as object) },
    ...(body === SKIP ? {} : body as object),
  };
}

/** Whether the live object already holds everything `obj` would set (nothing to apply). */
export function holds(live: K8sObject, obj: K8sObject): boolean {
  return isDeepStrictEqual(applied(live), applied(obj));
}

export type Action = 'created' | 'configured' | 'unchanged';

export interface AppliedChange {
  object: K8sObject;
  action: Action;
  /** The live object before (undefined when it is created). */
  before?: K8sObject;
  /** What the apiserver holds (or would hold, on a dry run) after. */
  after: K8sObject;
}

/**
 * Applies `objects` (already in their namespace), comparing each with the live object of the same identity
 * (from `live`, else read). `dryRun` asks the apiserver to check and default everything and change nothing.
 */
export async function applyChanges(
  kube: KubeClient, objects: K8sObject[], live: K8sObject[], opts: { dryRun: boolean; force: boolean },
): Promise<AppliedChange[]> {
  const plan: { object: K8sObject; before?: K8sObject; send: K8sObject }[] = [];
  for (const object of objects) {
    const before = live.find((o) => sameIdentity(o, object)) ?? (await kube.get(object));
    const full = applied(object);
    plan.push({ object: full, before, send: before ? intent(full, applied(before), ownedByApply(before)) : full });
  }
  const changes: AppliedChange[] = [];
  const toApply = plan.filter((p) => !p.before || !holds(p.before, p.object));
  // the whole change is checked first: a conflict on the second object must not leave the first applied
  const checked = new Map<K8sObject, K8sObject>();
  for (const p of toApply) checked.set(p.object, await applyOne(kube, p.send, { dryRun: true, force: opts.force }, NOTHING_APPLIED));
  for (const p of plan) {
    if (!toApply.includes(p)) {
      changes.push({ object: p.object, action: 'unchanged', before: p.before, after: p.before! });
      continue;
    }
    const after = opts.dryRun ? checked.get(p.object)! : await applyOne(kube, p.send, { dryRun: false, force: opts.force }, NOTHING_APPLIED);
    const action: Action = !p.before ? 'created' : holds(p.before, after) ? 'unchanged' : 'configured';
    changes.push({ object: p.object, action, before: p.before, after });
  }
  return changes;
}

/** What applyChanges has applied when one object is refused: it checks the whole change by a dry run first. */
const NOTHING_APPLIED = 'nothing was applied';

/**
 * Server-side apply of one object, the cluster's refusal explained (the one explanation, for the generators' --apply,
 * samples, addons and install): a field-manager conflict is about the cluster's state, not a fault of meshctl (exit
 * 2), and names the object, the fields and how to take them over; the apiserver or an admission webhook refusing
 * the object (400, 422) is input that cannot be used (exit 65). `applied` says what was applied before it.
 */
export async function applyOne(kube: KubeClient, obj: K8sObject, opts: { dryRun?: boolean; force?: boolean }, applied: string): Promise<K8sObject> {
  try {
    return await kube.apply(obj, opts);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) {
      throw new CheckFailedError(`${objectRef(obj)}: fields meshctl would change are owned by another field manager (${conflictDetail(err.message)}); ${applied}. `
        + 'Rerun with --force to take them over, or change them with the tool that owns them', { cause: err });
    }
    if (err instanceof KubeApiError && (err.status === 400 || err.status === 422)) {
      throw new InputError(`${objectRef(obj)} was rejected by the cluster (${applied}): ${err.message.replace(/^.*?: /, '')}`, { cause: err });
    }
    throw err;
  }
}

/** The apiserver's conflict list (`conflict with "kubectl" using …: .spec.http`), on one line, without the request. */
function conflictDetail(message: string): string {
  const m = /Apply failed with \d+ conflicts?: (.*)$/s.exec(message);
  return (m ? m[1] : message.replace(/^[A-Z]+ \S+: /, '')).replace(/\s*\n\s*/g, '; ').trim();
}
