/**
 * `meshctl install` as a call (for the install command and for `meshctl up`): ensure the release, choose the
 * ingress gateway's Service for the cluster, render, install with a clean stop on the first Ctrl-C.
 */
import type { Reporter } from '../../ui/progress.js';
import type { InstallResult } from './install.js';
import type { Profile } from './profiles.js';
import type { KubeClient } from '../../cluster/client.js';

export type IngressChoice = 'auto' | 'nodeport' | 'loadbalancer';

export interface InstallProfileOptions {
  profile: Profile;
  version: string;
  mirror?: string;
  overlays: string[];
  sets: string[];
  ingress: IngressChoice;
  dryRun: false | 'client' | 'server';
  timeoutMs: number;
  /** Asks before changing anything (the command's prompt, on its terminal); none: no question. */
  confirm?: (question: string) => Promise<boolean>;
  force?: boolean;
  purge?: boolean;
  reporter: Reporter;
}

/** Whether the profile's ingress gateway becomes a NodePort Service, and why (said to the user). */
export async function ingressService(kube: KubeClient, profile: Profile, choice: IngressChoice): Promise<{ nodePort: boolean; why: string } | undefined> {
  if (!profile.ingressGateway) return undefined;
  if (choice !== 'auto') return { nodePort: choice === 'nodeport', why: `--ingress ${choice}` };
  const { clusterFlavour } = await import('../../cluster/flavour.js');
  const { flavour, why } = clusterFlavour(kube.context, await kube.list('v1', 'Node'));
  return { nodePort: flavour !== 'other', why: flavour === 'other' ? `not a Kind or local cluster (${why})` : `a ${flavour === 'kind' ? 'Kind' : 'local'} cluster (${why})` };
}

export async function installProfile(kube: KubeClient, opts: InstallProfileOptions): Promise<InstallResult & { version: string }> {
  const { profile, reporter, sets } = opts;
  const { ensureRelease } = await import('../../release/download.js');
  const release = await ensureRelease({ version: opts.version, mirror: opts.mirror, reporter });
  const ingress = await ingressService(kube, profile, opts.ingress);
  const { nodePortOverlay } = await import('./profiles.js');
  if (ingress) {
    reporter.info(ingress.nodePort
      ? `ingress gateway: NodePort Service with node ports 30080 (http), 30443 (https), 30021 (status): ${ingress.why}`
      : `ingress gateway: LoadBalancer Service (Istio's default): ${ingress.why}`);
  }
  // the user's overlays come after meshctl's, so theirs win
  const overlays = [...(ingress?.nodePort ? [nodePortOverlay()] : []), ...opts.overlays];
  reporter.start(`rendering profile ${profile.name} with istioctl ${release.version}`);
  // the default revision tag, as istioctl install deploys it, unless another install already holds it
  const { installsDefaultTag } = await import('./revision-tag.js');
  const defaultRevisionTag = await installsDefaultTag(kube, sets);
  const { renderIstio } = await import('./render.js');
  const rendered = await renderIstio(release, { profile, overlays, sets, defaultRevisionTag });
  reporter.succeed(`rendered ${rendered.length} objects (profile ${profile.name}, Istio ${release.version})`);
  const { installIstio } = await import('./install.js');
  let interrupted = false;
  const { onFirstInterrupt } = await import('../../ui/interrupt.js');
  const stopHandling = onFirstInterrupt(() => {
    interrupted = true;
    reporter.warn('interrupt: stopping after the current request (Ctrl-C again to stop at once)');
  });
  try {
    const result = await installIstio(kube, {
      release, profile: profile.name, rendered, force: opts.force, purge: opts.purge, dryRun: opts.dryRun, timeoutMs: opts.timeoutMs, reporter,
      interrupted: () => interrupted,
      webhooksAnswer: async () => {
        const { waitWebhooksAnswer } = await import('./webhooks.js');
        const revision = sets.map((x) => /^(?:values\.)?revision=(.+)$/.exec(x)?.[1]).find(Boolean);
        await waitWebhooksAnswer(kube, revision, opts.timeoutMs, reporter);
      },
      confirm: opts.confirm ? () => opts.confirm!(`install Istio ${release.version} (profile ${profile.name}) into context ${kube.context}?`) : undefined,
    });
    return { ...result, version: release.version };
  } finally {
    stopHandling();
  }
}
