import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel } from '../generate/args.js';
import type { Provider } from '../providers/index.js';
import { DEFAULT_CLUSTER_NAME } from './cluster.js';
import { parseTimeout } from './flag-values.js';

export function command(io: Io): Command {
  return new Command('down')
    .summary('remove what `meshctl up` created')
    .description('Undo `meshctl up`: delete the cluster when up created it (with its context); on a cluster that existed before,\n' +
      'delete the sample and addons up deployed and uninstall the mesh if up installed it. Nothing else is touched.')
    .addOption(new Option('--provider <provider>', 'the provider up used').choices(['kind', 'local']).default('kind'))
    .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
    .option('--kubeconfig <path>', 'kubeconfig file with the cluster\'s context')
    .option('--timeout <duration>', 'how long to wait for deletions', '2m')
    .addHelpText('after', '\nExamples:\n  meshctl down\n  sudo meshctl down --provider local')
    .action(async (flags: { provider: Provider; name: string; kubeconfig?: string; timeout: string }) => {
      checkDnsLabel('--name', flags.name);
      const timeoutMs = parseTimeout(flags.timeout);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io);
      const { down } = await import('../mesh/up.js');
      const result = await down({ provider: flags.provider, name: flags.name, kubeconfig: flags.kubeconfig, timeoutMs, reporter });
      if (!result) {
        reporter.info(`meshctl up has not run for ${flags.provider} cluster ${flags.name}: nothing to remove (meshctl cluster list, meshctl cluster delete NAME)`);
        return;
      }
      reporter.info(result.removed.length === 0 ? 'nothing left to remove' : `removed: ${result.removed.join(', ')}`);
    });
}
