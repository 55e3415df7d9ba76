/**
 * The cluster providers (kind's, through the kind binary; the local one, meshctl's state directory), each loaded
 * when asked for; and what `cluster list|delete` and `down` do across both.
 */
import type { Reporter } from '../ui/progress.js';
import type { ClusterProvider, ClusterRow, ProviderName } from './provider.js';

export type { ClusterProvider, ClusterRow, ProviderName as Provider } from './provider.js';

/** The provider of that name. */
export async function clusterProvider(name: ProviderName): Promise<ClusterProvider> {
  return name === 'local' ? (await import('./local/provider.js')).localProvider : (await import('./kind.js')).kindProvider();
}

/** Both providers' clusters (kind's only when kind is installed): kind's first. */
export async function listClusters(): Promise<ClusterRow[]> {
  const [kind, local] = await Promise.all([clusterProvider('kind'), clusterProvider('local')]);
  return [...await kind.list(), ...await local.list()];
}

/** Deletes the named cluster of the provider (found by name, local first, when not given); the provider that had it, else undefined. */
export async function deleteCluster(
  name: string, provider: ProviderName | undefined, reporter: Reporter, kubeconfig?: string,
): Promise<ProviderName | undefined> {
  for (const candidate of provider ? [provider] : (['local', 'kind'] as const)) {
    const p = await clusterProvider(candidate);
    if (provider === undefined && !(await p.has(name))) continue;
    return (await p.delete(name, reporter, kubeconfig)) ? candidate : undefined;
  }
  return undefined;
}
