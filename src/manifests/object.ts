/** The Kubernetes object shape meshctl works with: plain JSON data, nothing more. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  /** What the cluster reports (conditions, replicas…); absent in manifests. */
  status?: any;
  [key: string]: unknown;
}

/** `Kind ns/name` (`Kind name` for a cluster-scoped object), as messages name an object: of the object, or of a reference to it. */
export function objectRef(obj: Pick<K8sObject, 'kind' | 'metadata'> | { kind: string; namespace?: string; name: string }): string {
  const [ns, name] = 'metadata' in obj ? [obj.metadata?.namespace, obj.metadata?.name] : [obj.namespace, obj.name];
  return ns ? `${obj.kind} ${ns}/${name}` : `${obj.kind} ${name}`;
}

/** The API group of an apiVersion ("" for the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** An object's identity as meshctl records what it applied: the install's inventory, the sample and addon records. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The reference to an object (keys in the order the records have always been written). */
export function refOf(obj: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name };
}

/** The object a reference names, identity only (to get or delete it). */
export function objectOfRef(ref: ObjectRef): K8sObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

/** A reference as one string: its API group (not version: v1beta1 and v1 of a kind are one object), kind, namespace and name. */
export function refKey(ref: ObjectRef): string {
  return `${apiGroup(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** True when two objects are the same Kubernetes object (group, kind, namespace, name). */
export function sameIdentity(a: K8sObject, b: K8sObject): boolean {
  return (
    apiGroup(a.apiVersion) === apiGroup(b.apiVersion) &&
    a.kind === b.kind &&
    (a.metadata?.namespace ?? '') === (b.metadata?.namespace ?? '') &&
    a.metadata?.name === b.metadata?.name
  );
}

/** The value when it is a list, else an empty list (for reading fields whose type a schema has not checked). */
export function asList(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** Whether labels carry every key and value of a selector (an empty selector selects everything; none, nothing). */
export function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  for (const k in selector) if (labels?.[k] !== selector[k]) return false;
  return true;
}
