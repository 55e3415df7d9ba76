/**
 * What a cluster provider does for meshctl (kind has the same seam for docker, podman and nerdctl): find, create,
 * list and delete clusters by name. `kind.ts` runs kind; `local/` runs a control plane of meshctl's own.
 */
import type { Reporter } from '../ui/progress.js';

export type ProviderName = 'kind' | 'local';

export interface ClusterRow {
  name: string;
  provider: ProviderName;
  /** running: its apiserver answers; unhealthy: its processes run but the apiserver does not answer; stopped. */
  status: 'running' | 'unhealthy' | 'stopped';
  context: string;
  server?: string;
}

export interface CreateClusterOptions {
  name: string;
  workers: number;
  /** kind only: the node image's Kubernetes version. */
  kubernetesVersion?: string;
  kubeconfig?: string;
  reporter: Reporter;
}

/** A cluster a provider started: its context, and for a local cluster the release mirror it serves. */
export interface StartedCluster {
  context: string;
  mirror?: string;
  istioVersion?: string;
}

export interface ClusterProvider {
  readonly name: ProviderName;
  /** The running cluster of that name, if any (kind: once kind and its container engine are found to be there). */
  running(name: string): Promise<StartedCluster | undefined>;
  /** Whether a cluster of that name exists, running or not (never fails: no kind is no cluster). */
  has(name: string): Promise<boolean>;
  /** Creates and starts the cluster and writes its context (made current). */
  create(opts: CreateClusterOptions): Promise<StartedCluster>;
  /** Deletes the cluster and its context; false when there was no such cluster. */
  delete(name: string, reporter: Reporter, kubeconfig?: string): Promise<boolean>;
  /** Its clusters, for `cluster list`. */
  list(): Promise<ClusterRow[]>;
}
