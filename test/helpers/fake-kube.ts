/**
 * An in-memory KubeClient for unit tests of the install logic: objects kept by identity, server-side apply as a
 * whole-object replacement by one manager (enough for meshctl, which applies whole rendered objects), dry-run,
 * resourceVersions, a write log, and readiness that the test controls. Not a Kubernetes: the integration tests
 * keep the real apiserver.
 */
import type { Duplex } from 'node:stream';
import type { ApiResource, KubeClient, KubeResponse, ObjectKey } from '../../src/cluster/client.js';
import type { K8sObject } from '../../src/manifests/object.js';

export interface FakeKubeOptions {
  /** The apiserver's minor version (default 36). */
  minor?: number;
  /** Resources the user may not create, as "resource.group" (e.g. "customresourcedefinitions.apiextensions.k8s.io"). */
  forbidden?: string[];
  /** The status an applied object gets (default: ready, as a healthy cluster makes it). */
  statusFor?: (obj: K8sObject) => unknown;
}

const key = (o: ObjectKey) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

/** The status a healthy cluster gives each kind once it is applied. */
export function readyStatus(obj: K8sObject): unknown {
  const replicas = obj.spec?.replicas ?? 1;
  switch (obj.kind) {
    case 'CustomResourceDefinition': return { conditions: [{ type: 'Established', status: 'True' }] };
    case 'Deployment': case 'StatefulSet': return { observedGeneration: 1, updatedReplicas: replicas, availableReplicas: replicas, readyReplicas: replicas };
    case 'DaemonSet': return { desiredNumberScheduled: 2, numberAvailable: 2, updatedNumberScheduled: 2 };
    default: return undefined;
  }
}

export class FakeKube implements KubeClient {
  readonly server = 'https://fake.invalid';
  readonly context = 'fake';
  readonly namespace = 'default';
  /** Reads are not counted here. */
  readonly requests = 0;
  readonly objects = new Map<string, K8sObject>();
  /** Every change, in order: "apply Kind ns/name", "delete Kind ns/name". */
  readonly writeLog: string[] = [];
  /** The number of changes (KubeClient's counter). */
  get writes(): number {
    return this.writeLog.length;
  }
  private revision = 1;

  constructor(private readonly opts: FakeKubeOptions = {}) {}

  async version() {
    return { major: 1, minor: this.opts.minor ?? 36, gitVersion: `v1.${this.opts.minor ?? 36}.0` };
  }

  async resourceFor(_apiVersion: string, kind: string): Promise<ApiResource> {
    return { name: `${kind.toLowerCase()}s`, kind, namespaced: !['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(kind) };
  }

  async serves(): Promise<boolean> {
    return true;
  }

  async get(obj: ObjectKey): Promise<K8sObject | undefined> {
    const o = this.objects.get(key(obj));
    return o && structuredClone(o);
  }

  async list(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}): Promise<K8sObject[]> {
    const want = (opts.labelSelector ?? '').split(',').filter(Boolean).map((s) => s.split('='));
    const inScope = (o: K8sObject) => o.apiVersion === apiVersion && o.kind === kind && (!opts.namespace || o.metadata.namespace === opts.namespace);
    return [...this.objects.values()].filter((o) => inScope(o) && want.every(([k, v]) => o.metadata.labels?.[k.trim()] === v)).map((o) => structuredClone(o));
  }

  async apply(obj: K8sObject, opts: { dryRun?: boolean; force?: boolean } = {}): Promise<K8sObject> {
    const live = this.objects.get(key(obj));
    const next = structuredClone(obj);
    next.metadata = { ...next.metadata, resourceVersion: live?.metadata.resourceVersion };
    const status = live?.status ?? (this.opts.statusFor ?? readyStatus)(obj);
    if (status !== undefined) next.status = status;
    if (obj.kind === 'Deployment' || obj.kind === 'StatefulSet') (next.metadata as any).generation = 1;
    const withoutVersion = (o: K8sObject) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    if (live && withoutVersion(live) === withoutVersion(next)) return structuredClone(live);
    if (opts.dryRun) return next;
    next.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key(obj), next);
    this.writeLog.push(`apply ${describe(obj)}`);
    return structuredClone(next);
  }

  async patch(obj: ObjectKey, patch: Record<string, unknown>): Promise<K8sObject> {
    const live = this.objects.get(key(obj));
    if (!live) throw new Error(`no ${describe(obj)}`);
    const merge = (target: any, p: any): any => {
      if (p === null || typeof p !== 'object' || Array.isArray(p)) return p;
      const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
      for (const [k, v] of Object.entries(p)) {
        if (v === null) delete out[k];
        else out[k] = merge(out[k], v);
      }
      return out;
    };
    const next = merge(live, patch) as K8sObject;
    next.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key(obj), next);
    this.writeLog.push(`patch ${describe(obj)}`);
    return structuredClone(next);
  }

  async create(obj: K8sObject): Promise<K8sObject | undefined> {
    if (this.objects.has(key(obj))) return undefined;
    const next = structuredClone(obj);
    next.metadata = { ...next.metadata, resourceVersion: String(++this.revision) };
    this.objects.set(key(obj), next);
    this.writeLog.push(`create ${describe(obj)}`);
    return structuredClone(next);
  }

  async replace(obj: K8sObject): Promise<K8sObject | undefined> {
    const live = this.objects.get(key(obj));
    if (!live || live.metadata.resourceVersion !== obj.metadata.resourceVersion) return undefined;
    const next = structuredClone(obj);
    next.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key(obj), next);
    this.writeLog.push(`replace ${describe(obj)}`);
    return structuredClone(next);
  }

  async delete(obj: ObjectKey, opts: { ifVersion?: string } = {}): Promise<boolean> {
    if (opts.ifVersion && this.objects.get(key(obj))?.metadata.resourceVersion !== opts.ifVersion) return false;
    if (!this.objects.delete(key(obj))) return false;
    this.writeLog.push(`delete ${describe(obj)}`);
    return true;
  }

  async can(_verb: string, group: string, resource: string): Promise<boolean> {
    return !(this.opts.forbidden ?? []).includes(group ? `${resource}.${group}` : resource);
  }

  /** Raw paths are not modelled: the answer is 404, as from an apiserver that does not serve the path. */
  async request(method: string, path: string): Promise<KubeResponse> {
    return { status: 404, body: { kind: 'Status', message: `the fake serves no raw ${method} ${path}` }, headers: {} };
  }

  /** No pods run here: a forward fails as to a pod that is gone. */
  async portForward(namespace: string, pod: string, port: number, socket: Duplex, onError: (message: string) => void): Promise<void> {
    onError(`the fake has no pod ${namespace}/${pod} to forward port ${port} to`);
    socket.destroy();
  }

  /** Sets the status of a stored object (a test making something ready or unready). */
  setStatus(obj: ObjectKey, status: unknown): void {
    const o = this.objects.get(key(obj));
    if (!o) throw new Error(`no ${describe(obj)}`);
    o.status = status;
  }
}

export function describe(o: ObjectKey): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
