/**
 * The clusters of both providers, for `meshctl cluster list|delete` and `meshctl down`: kind's (through the kind
 * binary) and the local ones (meshctl's state directory).
 */
import type { Reporter } from '../ui/progress.js';

export type Provider = 'kind' | 'local';

export interface ClusterRow {
  name: string;
  provider: Provider;
  /** running: its apiserver answers; unhealthy: its processes run but the apiserver does not answer; stopped. */
  status: 'running' | 'unhealthy' | 'stopped';
  context: string;
  server?: string;
}

/** Both providers' clusters; kind's only when kind is installed. */
export async function listClusters(): Promise<ClusterRow[]> {
  const { localClusters, localClusterAnswers } = await import('./local/provider.js');
  const { kindClusters, KIND_CONTEXT_PREFIX } = await import('./kind.js');
  const local: ClusterRow[] = await Promise.all(localClusters().map(async (c): Promise<ClusterRow> => ({
    name: c.name, provider: 'local', status: !c.running ? 'stopped' : (await localClusterAnswers(c)) ? 'running' : 'unhealthy',
    context: c.context, ...(c.server ? { server: c.server } : {}),
  })));
  const kind: ClusterRow[] = (await kindClusters()).map((n) => ({ name: n, provider: 'kind', status: 'running', context: KIND_CONTEXT_PREFIX + n }));
  return [...kind, ...local];
}

/** Deletes the named cluster of the provider (found by name when not given); the provider that had it, else undefined. */
export async function deleteCluster(name: string, provider: Provider | undefined, reporter: Reporter, kubeconfig?: string): Promise<Provider | undefined> {
  const { localCluster, deleteLocalCluster } = await import('./local/provider.js');
  if (provider === 'local' || (provider === undefined && localCluster(name))) {
    reporter.start(`deleting local cluster ${name}`);
    return (await deleteLocalCluster(name, kubeconfig)) ? 'local' : undefined;
  }
  const { deleteKindCluster, kindClusters } = await import('./kind.js');
  if (provider === undefined && !(await kindClusters()).includes(name)) return undefined;
  return (await deleteKindCluster(name, reporter, kubeconfig)) ? 'kind' : undefined;
}
