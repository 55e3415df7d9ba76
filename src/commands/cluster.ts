import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel } from '../generate/args.js';
import type { Provider } from '../providers/index.js';
import { UsageError } from '../ui/errors.js';
import { outputOption } from '../ui/output.js';

export const DEFAULT_CLUSTER_NAME = 'mesh';

interface ClusterFlags {
  provider?: Provider;
  workers: string;
  kubernetesVersion?: string;
  kubeconfig?: string;
  output?: string;
}

/** `--workers N`: a small whole number. */
export function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10) throw new UsageError(`--workers "${value}": expected a number from 0 to 10`);
  return n;
}

const providerOption = (dflt?: Provider) => {
  const o = new Option('--provider <provider>', 'kind (Docker or Podman), or local (a control plane with fake nodes, no Docker; needs root)').choices(['kind', 'local']);
  return dflt ? o.default(dflt) : o;
};

export function command(io: Io): Command {
  const cmd = new Command('cluster')
    .summary('create, delete and list Kind or local clusters for the mesh')
    .description('Clusters to install a mesh on: kind (nodes in containers; needs kind and Docker or Podman), or local (a real\n' +
      'kube-apiserver with kwok\'s fake nodes inside a loopback-only network namespace; no Docker; needs root). Either way\n' +
      'the context (kind-NAME, meshctl-local-NAME) is merged into the kubeconfig and made current.');
  const create = new Command('create')
    .summary('create a kind or local cluster and make its context current')
    .description('Create a cluster. On kind, host ports 80, 443 and 15021 reach the ingress gateway that `meshctl install` makes a\n' +
      'NodePort Service on such clusters, so http://localhost/ reaches the mesh.')
    .argument('[name]', 'cluster name', DEFAULT_CLUSTER_NAME)
    .addOption(providerOption('kind'))
    .option('--workers <n>', 'worker nodes besides the control-plane node', '0')
    .option('--kubernetes-version <version>', 'kind: the node image\'s Kubernetes version (default: the kind release\'s own, pinned by digest)')
    .option('--kubeconfig <path>', 'kubeconfig file to add the context to (default: $KUBECONFIG\'s first file or ~/.kube/config)')
    .addHelpText('after', `
Examples:
  meshctl cluster create                              # kind cluster "mesh", context kind-mesh
  meshctl cluster create dev --workers 2 --kubernetes-version 1.36.1
  sudo meshctl cluster create --provider local        # no Docker: context meshctl-local-mesh`)
    .action(async (name: string, flags: ClusterFlags) => {
      checkDnsLabel('cluster name', name);
      const workers = parseWorkers(flags.workers);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io);
      const { clusterProvider } = await import('../providers/index.js');
      const provider = await clusterProvider(flags.provider ?? 'kind');
      const c = await provider.create({ name, workers, kubernetesVersion: flags.kubernetesVersion, kubeconfig: flags.kubeconfig, reporter });
      reporter.info(provider.name === 'local' ? `try: meshctl up --provider local --name ${name}   (the release mirror of this cluster: ${c.mirror})` : `try: meshctl up --name ${name}`);
    });
  const del = new Command('delete')
    .description('Delete a cluster and its context (the provider is found by name when not given).')
    .argument('[name]', 'cluster name', DEFAULT_CLUSTER_NAME)
    .addOption(providerOption())
    .option('--kubeconfig <path>', 'kubeconfig file to remove the context from')
    .addHelpText('after', '\nExamples:\n  meshctl cluster delete\n  sudo meshctl cluster delete --provider local')
    .action(async (name: string, flags: ClusterFlags) => {
      checkDnsLabel('cluster name', name);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io);
      const { deleteCluster } = await import('../providers/index.js');
      const deleted = await deleteCluster(name, flags.provider, reporter, flags.kubeconfig);
      if (!deleted) {
        reporter.info(`no cluster named ${name}${flags.provider ? ` (provider ${flags.provider})` : ''}: nothing to delete`);
        return;
      }
      reporter.succeed(`${deleted} cluster ${name} deleted, with its context`);
    });
  const list = new Command('list')
    .description('List the kind and local clusters with their contexts.')
    .addOption(outputOption(['table', 'json']))
    .addHelpText('after', '\nExamples:\n  meshctl cluster list\n  meshctl cluster list -o json | jq -r \'.[].context\'')
    .action(async (flags: ClusterFlags) => {
      const { listClusters } = await import('../providers/index.js');
      const rows = await listClusters();
      const { formatTable, printResult } = await import('../ui/output.js');
      if (rows.length === 0 && flags.output !== 'json') {
        io.stderr.write('no clusters (meshctl cluster create)\n');
        return;
      }
      await printResult(io, flags.output, rows, () => formatTable([['NAME', 'PROVIDER', 'STATUS', 'CONTEXT', 'API SERVER'], ...rows.map((r) => [r.name, r.provider, r.status, r.context, r.server ?? '-'])]));
    });
  // the local provider's own processes, started by `create` (not for users)
  const supervise = new Command('__supervise').requiredOption('--state <dir>')
    .action(async (flags: { state: string }) => (await import('../providers/local/provider.js')).supervise(flags.state));
  const plane = new Command('__plane').requiredOption('--state <dir>').requiredOption('--nodes <n>')
    .action(async (flags: { state: string; nodes: string }) => (await import('../providers/local/provider.js')).runPlane(flags.state, Number(flags.nodes)));
  return cmd.addCommand(create).addCommand(del).addCommand(list)
    .addCommand(supervise, { hidden: true }).addCommand(plane, { hidden: true });
}
