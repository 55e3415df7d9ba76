/**
 * The Kubernetes client every layer above cluster/ takes: `Kube` (kube.ts) implements it against a real apiserver;
 * unit tests give an in-memory fake (test/helpers/fake-kube.ts), as kind's providers and Istio's fake kube client
 * let the logic above them be tested without a cluster. Types only.
 */
import type { Duplex } from 'node:stream';
import type { K8sObject } from '../manifests/object.js';

export interface KubeResponse {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A REST resource of the cluster (discovery). */
export interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export type ObjectKey = Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>;

export interface KubeClient {
  /** The apiserver's URL (for messages). */
  readonly server: string;
  /** The kubeconfig context in use. */
  readonly context: string;
  /** The context's namespace, or "default". */
  readonly namespace: string;
  /** HTTP requests sent so far, and of them those that changed something (install's summary says both). */
  readonly requests: number;
  readonly writes: number;
  /** The apiserver's version. */
  version(): Promise<{ major: number; minor: number; gitVersion: string }>;
  /** The REST resource serving a kind; throws when the cluster does not serve it. */
  resourceFor(apiVersion: string, kind: string): Promise<ApiResource>;
  /** Whether the cluster serves a kind. */
  serves(apiVersion: string, kind: string): Promise<boolean>;
  /** The live object, or undefined when it does not exist. */
  get(obj: ObjectKey): Promise<K8sObject | undefined>;
  /** The objects of a kind (in one namespace, or all). */
  list(apiVersion: string, kind: string, opts?: { namespace?: string; labelSelector?: string }): Promise<K8sObject[]>;
  /** Server-side apply (field manager `meshctl`); `dryRun` changes nothing. */
  apply(obj: K8sObject, opts?: { dryRun?: boolean; force?: boolean; fieldManager?: string }): Promise<K8sObject>;
  /** A JSON merge patch (RFC 7386; a null removes the field), as `kubectl label` and `kubectl rollout restart` send. */
  patch(obj: ObjectKey, patch: Record<string, unknown>): Promise<K8sObject>;
  /** Creates an object; undefined when one of that name exists already (the apiserver's AlreadyExists). */
  create(obj: K8sObject): Promise<K8sObject | undefined>;
  /** Replaces an object whose `metadata.resourceVersion` is the live one; undefined when it changed meanwhile (Conflict). */
  replace(obj: K8sObject): Promise<K8sObject | undefined>;
  /** Deletes an object; false when it was already gone, or (with `ifVersion`) when it changed since that resourceVersion. */
  delete(obj: ObjectKey, opts?: { ifVersion?: string }): Promise<boolean>;
  /** Whether the current user may do `verb` on a resource. */
  can(verb: string, group: string, resource: string, namespace?: string): Promise<boolean>;
  /** A request to an apiserver path (an API the typed methods do not cover): its status and parsed body, whatever the status. */
  request(method: string, path: string, opts?: { body?: unknown; contentType?: string; timeoutMs?: number }): Promise<KubeResponse>;
  /** Forwards `socket` to the pod's port through the apiserver (as kubectl port-forward); errors go to `onError`. */
  portForward(namespace: string, pod: string, port: number, socket: Duplex, onError: (message: string) => void): Promise<void>;
}
