import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel } from '../generate/args.js';
import { UsageError } from '../ui/errors.js';
import { parseTimeout } from './flag-values.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { outputOption } from '../ui/output.js';

interface SampleFlags extends KubeFlags {
  namespace?: string;
  expose?: boolean;
  version?: string;
  timeout: string;
  output?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('sample')
    .summary('deploy, list and delete Istio\'s sample applications (bookinfo, httpbin, curl, sleep, helloworld)')
    .description('Deploy Istio\'s samples from the release in meshctl\'s cache (meshctl\'s own bookinfo when there is none),\n' +
      'recorded in the namespace so that delete removes exactly what deploy created.');
  const deploy = withKubeFlags(new Command('deploy')
    .description('Apply a sample (server-side apply), wait for its workloads, and with --expose route the ingress gateway to it.')
    .argument('<name>', 'bookinfo, httpbin, curl, sleep or helloworld')
    .option('-n, --namespace <ns>', 'namespace (created when missing; default: the context\'s)')
    .option('--expose', 'also create a Gateway and VirtualService that send the ingress gateway\'s traffic to it')
    .option('--version <version>', 'take the sample from this cached Istio release (default: the installed one, else the newest cached)')
    .option('--timeout <duration>', 'how long to wait for the workloads', '5m'))
    .addHelpText('after', `
Examples:
  meshctl inject enable -n bookinfo && meshctl sample deploy bookinfo -n bookinfo --expose
  meshctl sample deploy httpbin -n demo`)
    .action(async (name: string, flags: SampleFlags) => {
      const samples = await import('../mesh/samples.js');
      const spec = samples.sampleSpec(name);
      if (flags.namespace !== undefined) checkDnsLabel('--namespace', flags.namespace);
      if (flags.expose && !spec.expose) throw new UsageError(`sample ${name} serves nothing to expose (samples with --expose: ${samples.SAMPLES.filter((s) => s.expose).map((s) => s.name).join(', ')})`);
      const timeoutMs = parseTimeout(flags.timeout);
      const kube = await connectKube(flags);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io);
      const namespace = flags.namespace ?? kube.namespace;
      await samples.deploySample(kube, { spec, namespace, expose: Boolean(flags.expose), version: flags.version, timeoutMs, reporter });
    });
  const del = withKubeFlags(new Command('delete')
    .description('Delete every object deploy created for the sample (and its record).')
    .argument('<name>', 'the sample')
    .option('-n, --namespace <ns>', 'namespace (default: the context\'s)')
    .option('--timeout <duration>', 'how long to wait for the objects to go', '2m'))
    .addHelpText('after', '\nExamples:\n  meshctl sample delete bookinfo -n bookinfo')
    .action(async (name: string, flags: SampleFlags) => {
      const { sampleSpec } = await import('../mesh/samples.js');
      sampleSpec(name);
      const timeoutMs = parseTimeout(flags.timeout);
      const kube = await connectKube(flags);
      const namespace = flags.namespace ?? kube.namespace;
      const { deleteRecorded } = await import('../cluster/recorded.js');
      const deleted = await deleteRecorded(kube, 'sample', name, namespace, timeoutMs);
      if (deleted === undefined) throw new UsageError(`sample ${name} is not deployed in namespace ${namespace} (meshctl sample list)`);
      io.stderr.write(`✔ sample ${name}: ${deleted} object(s) deleted from ${namespace}\n`);
    });
  const list = withKubeFlags(new Command('list')
    .description('List the samples, where their manifests would come from, and where they are deployed.')
    .addOption(outputOption(['table', 'json'])))
    .addHelpText('after', '\nExamples:\n  meshctl sample list\n  meshctl sample list -o json')
    .action(async (flags: SampleFlags) => {
      const samples = await import('../mesh/samples.js');
      const { clusterConfigured } = await import('../cluster/kube.js');
      // the catalogue needs no cluster; where samples are deployed does
      const kube = clusterConfigured(flags.kubeconfig) ? await connectKube(flags) : undefined;
      const release = await samples.localRelease(kube);
      const { listRecords } = await import('../cluster/recorded.js');
      const deployed = kube ? await listRecords(kube, 'sample') : [];
      const rows = await Promise.all(samples.SAMPLES.map(async (s) => ({
        name: s.name,
        description: s.description,
        from: await samples.sampleManifests(s, release).then((m) => m.from, () => 'not available (no cached release)'),
        deployedIn: deployed.filter((d) => d.name === s.name).map((d) => d.namespace),
      })));
      const { formatTable, printResult } = await import('../ui/output.js');
      await printResult(io, flags.output, rows, () => formatTable([['NAME', 'FROM', 'DEPLOYED IN', 'DESCRIPTION'], ...rows.map((r) => [r.name, r.from, r.deployedIn.join(',') || '-', r.description])]));
    });
  return cmd.addCommand(deploy).addCommand(del).addCommand(list);
}
