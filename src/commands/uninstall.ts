import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { ExitCode } from '../ui/errors.js';
import { confirmOnTty } from '../ui/confirm.js';
import { parseTimeout } from './flag-values.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';

interface UninstallFlags extends KubeFlags {
  purge?: boolean;
  yes?: boolean;
  timeout: string;
}

export function command(io: Io): Command {
  const cmd = new Command('uninstall')
    .summary('remove exactly what meshctl install installed')
    .description('Delete every object in the install\'s inventory, in reverse order, and wait until they are gone. Addons\n' +
      'installed in istio-system (meshctl addons install) are removed first, each by its own record.\n' +
      'CRDs stay (deleting them deletes every VirtualService, DestinationRule… in the cluster) unless --purge.')
    .option('--purge', 'also delete the CRDs')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--timeout <duration>', 'how long to wait for deletion', '5m');
  withKubeFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl uninstall -y
  meshctl uninstall --purge -y --context kind-mesh`)
    .action(async (flags: UninstallFlags) => {
      const timeoutMs = parseTimeout(flags.timeout);
      const kube = await connectKube(flags);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io);
      const { uninstallIstio } = await import('../mesh/istio/install.js');
      const result = await uninstallIstio(kube, {
        purge: flags.purge, timeoutMs, reporter,
        confirm: flags.yes ? undefined : (refs, addons) => confirmOnTty(io, `delete ${refs.length} objects of the Istio install${addons.length ? ` and the addons ${addons.join(', ')}` : ''} from context ${kube.context}?`),
      });
      if (result.cancelled) {
        reporter.info('cancelled: nothing was deleted');
        io.exitCode = ExitCode.Unexpected;
      }
    });
  return cmd;
}
