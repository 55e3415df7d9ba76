import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { collect } from './flag-values.js';
import { outputOption } from '../ui/output.js';

interface ImagesFlags {
  profile: string;
  version?: string;
  mirror?: string;
  addons?: boolean;
  sample?: string[];
  set?: string[];
  output: string;
}

export function command(io: Io): Command {
  return new Command('images')
    .summary('list the container images an install (and its addons and samples) would pull')
    .description('Render the profile with the release\'s istioctl and list every image its workloads and injected sidecars use,\n' +
      'plus those of the addons and samples named: for `kind load docker-image` and for mirroring into an air-gapped registry.')
    .option('--profile <name>', 'install profile', 'demo')
    .option('--version <version>', 'Istio release (default: $MESHCTL_ISTIO_VERSION, else the current local cluster\'s, else the newest\n' +
      'cached, else the newest stable)')
    .option('--mirror <url>', 'download releases from this mirror (default $MESHCTL_MIRROR)')
    .option('--set <path=value>', 'install setting, as for install (repeatable)', collect)
    .option('--addons', 'also the images of the addons (prometheus, grafana, jaeger, kiali)')
    .option('--sample <name>', 'also the images of a sample (repeatable)', collect)
    .addOption(outputOption(['text', 'json']))
    .addHelpText('after', `
Examples:
  meshctl images --profile demo --addons --sample bookinfo
  for i in $(meshctl images); do docker pull "$i" && kind load docker-image "$i" --name mesh; done
  meshctl images --profile ambient -o json | jq -r '.[].image'`)
    .action(async (flags: ImagesFlags) => {
      const { getProfile } = await import('../mesh/istio/profiles.js');
      const samples = await import('../mesh/samples.js');
      const sampleSpecs = (flags.sample ?? []).map(samples.sampleSpec);
      const profile = await getProfile(flags.profile);
      const { checkSets } = await import('../mesh/istio/render.js');
      checkSets(flags.set ?? []);
      const { reporterFor } = await import('../ui/progress.js');
      const { releaseToRender } = await import('../mesh/release-choice.js');
      const release = await releaseToRender({ version: flags.version, mirror: flags.mirror, reporter: await reporterFor(io) });
      const { imagesToList } = await import('../mesh/images.js');
      const images = await imagesToList(release, { profile, sets: flags.set ?? [], addons: Boolean(flags.addons), samples: sampleSpecs });
      const { printResult } = await import('../ui/output.js');
      await printResult(io, flags.output, images, () => images.map((i) => i.image).join('\n') + '\n');
    });
}
