/**
 * The one answer to "which Istio release?" for every command that needs one (install, images, profile diff): the
 * version asked for (--version, else $MESHCTL_ISTIO_VERSION); else the release the current cluster runs (a local
 * cluster serves its own from its mirror; elsewhere the version meshctl installed there); else the newest release in
 * meshctl's cache; else the newest stable release from the network. Offline, the last step fails with one line
 * saying to give --version or --mirror.
 */
import { cacheRoot, cachedRelease, cachedReleases, type Release } from '../release/download.js';
import type { Reporter } from '../ui/progress.js';
import { hostPlatform } from '../release/source.js';
import { LOCAL_CONTEXT_PREFIX, localCluster } from '../providers/local/provider.js';

export interface ReleaseChoice {
  /** A version, or "latest". */
  version: string;
  mirror?: string;
  /** Where the choice came from, to say so ("the local cluster's mirror"); undefined when it was asked for. */
  from?: string;
}

export interface ChooseOptions {
  version?: string;
  mirror?: string;
  /** The current kubeconfig context, when a cluster is configured. */
  context?: string;
  /** The version meshctl installed in the current cluster (read only when needed). */
  installed?: () => Promise<string | undefined>;
  env?: NodeJS.ProcessEnv;
}

export async function chooseRelease(opts: ChooseOptions): Promise<ReleaseChoice> {
  const env = opts.env ?? process.env;
  const mirror = opts.mirror ?? (env.MESHCTL_MIRROR || undefined);
  if (opts.version) return { version: opts.version, mirror };
  if (env.MESHCTL_ISTIO_VERSION) return { version: env.MESHCTL_ISTIO_VERSION, mirror };
  if (opts.context?.startsWith(LOCAL_CONTEXT_PREFIX) && !mirror) {
    const local = localCluster(opts.context.slice(LOCAL_CONTEXT_PREFIX.length));
    if (local?.running && local.istioVersion && local.mirror) {
      return { version: local.istioVersion, mirror: local.mirror, from: `the local cluster ${local.name}'s mirror` };
    }
  }
  const { os, arch } = hostPlatform();
  const installed = await opts.installed?.().catch(() => undefined);
  if (installed) {
    if (await cachedRelease(cacheRoot(env), installed, os, arch)) return { version: installed, mirror, from: 'the version installed in the cluster, cached' };
    return { version: installed, mirror, from: 'the version installed in the cluster' };
  }
  const newest = (await cachedReleases(cacheRoot(env)))[0];
  if (newest) return { version: newest.version, mirror, from: 'the newest release in meshctl\'s cache' };
  return { version: 'latest', mirror };
}

/** The current context of the default kubeconfig (or `--kubeconfig`), without contacting the cluster; undefined when none. */
export async function currentContext(kubeconfig?: string, context?: string): Promise<string | undefined> {
  const { clusterConfigured, Kube } = await import('../cluster/kube.js');
  if (!clusterConfigured(kubeconfig)) return undefined;
  try {
    return (await Kube.connect({ kubeconfig, context })).context;
  } catch {
    return undefined; // no usable kubeconfig: no cluster to take the release from
  }
}

/**
 * The release for a command that renders without installing (images, profile diff): chosen as above for the current
 * context, where it came from said on `reporter`, downloaded and verified unless cached.
 */
export async function releaseToRender(opts: { version?: string; mirror?: string; reporter: Reporter }): Promise<Release> {
  const choice = await chooseRelease({ version: opts.version, mirror: opts.mirror, context: await currentContext() });
  if (choice.from) opts.reporter.info(`release: Istio ${choice.version}, ${choice.from} (--version chooses another)`);
  const { ensureRelease } = await import('../release/download.js');
  return ensureRelease({ version: choice.version, mirror: choice.mirror, reporter: opts.reporter });
}
