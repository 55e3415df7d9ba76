import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel } from '../generate/args.js';
import { UsageError } from '../ui/errors.js';
import { parseTimeout } from './flag-values.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import { outputOption } from '../ui/output.js';

interface InjectFlags extends KubeFlags {
  wait?: string;
  namespace?: string;
  revision?: string;
  ambient?: boolean;
  restart?: boolean;
  timeout: string;
}

/** Labels the namespace for `want`, restarts its workloads when asked, and says what it did. */
async function setMode(io: Io, flags: InjectFlags, enable: boolean): Promise<void> {
  if (flags.namespace !== undefined) checkDnsLabel('--namespace', flags.namespace);
  if (flags.revision !== undefined) checkDnsLabel('--revision', flags.revision);
  if (flags.revision !== undefined && flags.ambient) throw new UsageError('--revision and --ambient do not mix: ambient namespaces have no sidecars to pick a revision for');
  const timeoutMs = parseTimeout(flags.timeout);
  // the xDS client is loaded only when a wait is asked for
  const wait = flags.wait !== undefined && (await import('../mesh/xds/pushed.js')).parseWait(flags.wait);
  const kube = await connectKube(flags);
  const namespace = flags.namespace ?? kube.namespace;
  const inject = await import('../mesh/istio/inject.js');
  const want = !enable ? { mode: 'off' as const } : flags.ambient ? { mode: 'ambient' as const } : { mode: 'sidecar' as const, revision: flags.revision };
  const { reporterFor } = await import('../ui/progress.js');
  const reporter = await reporterFor(io);
  const changed = await inject.labelNamespace(kube, namespace, want, reporter);
  if (flags.restart) {
    reporter.start(`restarting the workloads of ${namespace}`);
    const restarted = await inject.restartWorkloads(kube, namespace, timeoutMs, (pending) => reporter.start(`waiting for ${pending.join(', ')}`));
    reporter.succeed(restarted.length > 0 ? `${restarted.length} workload(s) of ${namespace} restarted and rolled out` : `no workloads in ${namespace} to restart`);
  } else if (changed) {
    const pods = await kube.list('v1', 'Pod', { namespace });
    if (pods.length > 0) reporter.info(`${pods.length} pod(s) in ${namespace} were started before this change: rerun with --restart, or restart them, to apply it`);
  }
  if (wait) {
    const { waitIstiodServes } = await import('../mesh/xds/pushed.js');
    const said = await waitIstiodServes(kube, namespace, { waitMs: timeoutMs, istioNamespace: ISTIO_NAMESPACE });
    reporter.info(said ?? `--wait=pushed: no running pod in ${namespace} to ask istiod about; not waiting`);
  }
}

export function command(io: Io): Command {
  const cmd = new Command('inject')
    .summary('turn sidecar injection (or ambient) on or off for a namespace, and see where each stands')
    .description('Label namespaces for the mesh as Istio reads the labels: istio-injection=enabled, istio.io/rev=REVISION,\n' +
      'or istio.io/dataplane-mode=ambient, removing the labels that would contradict the one set.');
  const scoped = (c: Command): Command => withKubeFlags(c
    .option('-n, --namespace <ns>', 'the namespace (default: the context\'s)')
    .option('--restart', 'restart the namespace\'s Deployments, StatefulSets and DaemonSets and wait for them to roll out')
    .option('--timeout <duration>', 'how long to wait for the restarted workloads', '5m')
    .option('--wait <condition>', '"pushed": then wait until istiod serves a pod of the namespace its configuration (asked as its sidecar)'));
  const enable = scoped(new Command('enable')
    .description('Turn on sidecar injection (or ambient with --ambient) for a namespace; creates it when missing.')
    .option('--revision <rev>', 'inject the sidecar of this control-plane revision (istio.io/rev)')
    .option('--ambient', 'add the namespace to the ambient mesh instead (no sidecars)'))
    .addHelpText('after', `
Examples:
  meshctl inject enable -n bookinfo
  meshctl inject enable -n bookinfo --restart      # and roll the running workloads
  meshctl inject enable -n bookinfo --revision canary
  meshctl inject enable -n bookinfo --ambient`)
    .action((flags: InjectFlags) => setMode(io, flags, true));
  const disable = scoped(new Command('disable')
    .description('Remove the namespace from the mesh (its injection and ambient labels).'))
    .addHelpText('after', `
Examples:
  meshctl inject disable -n bookinfo --restart`)
    .action((flags: InjectFlags) => setMode(io, flags, false));
  const status = withKubeFlags(new Command('status')
    .description('List namespaces with how they are in the mesh, their pods, and the pods still without a sidecar.')
    .option('-n, --namespace <ns>', 'only this namespace')
    .addOption(outputOption(['table', 'json'])))
    .addHelpText('after', `
Examples:
  meshctl inject status
  meshctl inject status -o json | jq '.[] | select(.withoutSidecar | length > 0)'`)
    .action(async (flags: KubeFlags & { namespace?: string; output: string }) => {
      const kube = await connectKube(flags);
      const { injectionReport } = await import('../mesh/istio/inject.js');
      const namespaces = (await kube.list('v1', 'Namespace')).filter((n) => !flags.namespace || n.metadata.name === flags.namespace);
      if (flags.namespace && namespaces.length === 0) throw new UsageError(`namespace ${flags.namespace} does not exist`);
      const report = injectionReport(namespaces, await kube.list('v1', 'Pod', { namespace: flags.namespace }));
      const { formatTable, printResult } = await import('../ui/output.js');
      const rows = [['NAMESPACE', 'MODE', 'PODS', 'WITHOUT SIDECAR'], ...report.map((r) => [
        r.namespace, r.mode, String(r.pods), r.withoutSidecar.length === 0 ? '-' : `${r.withoutSidecar.length}: ${r.withoutSidecar.slice(0, 3).join(', ')}${r.withoutSidecar.length > 3 ? ', …' : ''}`,
      ])];
      await printResult(io, flags.output, report, () => formatTable(rows));
    });
  return cmd.addCommand(enable).addCommand(disable).addCommand(status);
}
