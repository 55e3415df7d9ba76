import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel } from '../generate/args.js';
import { ExitCode } from '../ui/errors.js';
import type { Provider } from '../providers/index.js';
import { DEFAULT_CLUSTER_NAME, parseWorkers } from './cluster.js';
import { parseTimeout } from './flag-values.js';
import { outputOption } from '../ui/output.js';

interface UpFlags {
  provider: Provider;
  name: string;
  workers: string;
  kubernetesVersion?: string;
  profile: string;
  sample: string | false;
  namespace?: string;
  addons?: string | true;
  version?: string;
  mirror?: string;
  kubeconfig?: string;
  timeout: string;
  output: string;
}

export function command(io: Io): Command {
  return new Command('up')
    .summary('the whole walkthrough in one command: cluster, mesh, injection, sample, exposure, addons, status')
    .description('Bring up a meshed sample from nothing, idempotently (a second run changes nothing and says so):\n' +
      'create the cluster (kind or local) unless it runs, install the profile, turn on injection for the sample\'s\n' +
      'namespace, deploy the sample exposed through the ingress gateway, install the addons asked for, and wait until\n' +
      '`meshctl status` is healthy. Ends with the URL to open and the commands to try next. `meshctl down` undoes it.')
    .addOption(new Option('--provider <provider>', 'kind (Docker or Podman), or local (no Docker; needs root)').choices(['kind', 'local']).default('kind'))
    .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
    .option('--workers <n>', 'worker nodes when the cluster is created', '0')
    .option('--kubernetes-version <version>', 'kind: the node image\'s Kubernetes version')
    .option('-p, --profile <name>', 'install profile', 'demo')
    .option('--sample <name>', 'sample to deploy and expose', 'bookinfo')
    .option('--no-sample', 'deploy no sample')
    .option('-n, --namespace <ns>', 'the sample\'s namespace (default: the sample\'s name)')
    .option('--addons [names]', 'also install addons: a comma-separated list, or all four when given alone')
    .option('--version <version>', 'Istio release (default: the local cluster\'s own on --provider local, else $MESHCTL_ISTIO_VERSION or latest)')
    .option('--mirror <url>', 'download releases from this mirror (default $MESHCTL_MIRROR)')
    .option('--kubeconfig <path>', 'kubeconfig file for the cluster\'s context')
    .option('--timeout <duration>', 'how long to wait for each step', '5m')
    .addOption(outputOption(['text', 'json'], 'text, or a JSON summary on stdout'))
    .addHelpText('after', `
Examples:
  meshctl up                                          # kind cluster "mesh", demo profile, bookinfo at http://localhost/productpage
  meshctl up --addons kiali,prometheus
  sudo meshctl up --provider local                    # no Docker: the local cluster
  meshctl up -o json | jq .changed                    # [] on a second run
  meshctl down`)
    .action(async (flags: UpFlags) => {
      checkDnsLabel('--name', flags.name);
      if (flags.namespace !== undefined) checkDnsLabel('--namespace', flags.namespace);
      const workers = parseWorkers(flags.workers);
      const timeoutMs = parseTimeout(flags.timeout);
      const samples = await import('../mesh/samples.js');
      const addons = flags.addons === undefined ? [] : flags.addons === true ? [...samples.ADDONS] : [...new Set(flags.addons.split(',').map((a) => a.trim()).filter(Boolean))];
      addons.forEach(samples.checkAddon);
      if (flags.sample !== false) samples.sampleSpec(flags.sample);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io);
      const { up } = await import('../mesh/up.js');
      const result = await up({
        provider: flags.provider, name: flags.name, workers, kubernetesVersion: flags.kubernetesVersion, profile: flags.profile,
        sample: flags.sample === false ? undefined : flags.sample, namespace: flags.namespace, addons, version: flags.version, mirror: flags.mirror,
        kubeconfig: flags.kubeconfig, timeoutMs, reporter,
      });
      if (!result.healthy) io.exitCode = ExitCode.CheckFailed;
      const { printResult } = await import('../ui/output.js');
      const { changed, healthy, next, skipped } = result;
      const json = { context: result.record.context, changed, healthy, url: result.url ?? null, next, skipped };
      const lines = [
        result.changed.length === 0 ? 'nothing changed: everything was already up' : `changed: ${result.changed.join(', ')}`,
        ...result.skipped.map((s) => `skipped: ${s}`),
        ...(result.url ? [`open: ${result.url}`] : []),
        'next:',
        ...result.next.map((n) => `  ${n}`),
      ];
      await printResult(io, flags.output, json, () => lines.join('\n') + '\n');
    });
}
