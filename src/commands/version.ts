import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { outputOption } from '../ui/output.js';

interface VersionFlags extends KubeFlags {
  output: 'text' | 'json' | 'yaml';
  short?: boolean;
  remote: boolean;
}

/** What `meshctl version` reports: always the client; the cluster's parts when one is configured and reached. */
export interface VersionReport {
  client: string;
  kubernetes?: string;
  controlPlane?: { name: string; revision: string; version?: string; reported?: string }[];
  /** Why the cluster's parts are missing (no cluster configured). */
  notice?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('version')
    .summary('print the client version, and the cluster\'s and control plane\'s when a cluster is reachable')
    .description('Print meshctl\'s version and, when a cluster is configured, the Kubernetes version and the version of each\n' +
      'istiod (control plane revision). Without a cluster configured only the client is printed (exit 0); a configured\n' +
      'cluster that cannot be reached is exit 2, as for every live command.')
    .addOption(outputOption(['text', 'json', 'yaml']))
    .option('--short', 'print the version numbers only, each with its label (no revision or source details)')
    .option('--client', 'print the client version only; do not contact a cluster')
    .addOption(new Option('--remote <bool>', 'contact the cluster (istioctl\'s --remote=false is --client)').choices(['true', 'false']).default('true'));
  withKubeFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl version
  meshctl version --client --short
  meshctl version -o json | jq -r '.controlPlane[0].version'`)
    .action(async (flags: VersionFlags & { client?: boolean; remote: string | boolean }) => {
      const { VERSION } = await import('../version.js');
      const report: VersionReport = { client: VERSION };
      if (!flags.client && String(flags.remote) !== 'false') {
        const { NoClusterConfiguredError } = await import('../cluster/kube.js');
        try {
          const { clusterVersions } = await import('../mesh/istio/status.js');
          Object.assign(report, await clusterVersions(await connectKube(flags)));
        } catch (err) {
          if (!(err instanceof NoClusterConfiguredError)) throw err;
          report.notice = err.message;
        }
      }
      const { printResult, writeStdout } = await import('../ui/output.js');
      if (report.notice && flags.output === 'text') io.stderr.write(`meshctl: ${report.notice}; only the client version is shown\n`);
      if (flags.output !== 'text') return printResult(io, flags.output, report, () => '');
      const lines: string[] = [];
      // labelled in both forms: --short leaves out the details, not what each number is
      const line = (label: string, value: string) => lines.push(`${label}: ${value}`);
      line('client version', report.client);
      if (report.kubernetes) line('kubernetes version', report.kubernetes);
      if (report.controlPlane) {
        if (report.controlPlane.length === 0) line('control plane version', 'none (no istiod in istio-system)');
        for (const cp of report.controlPlane) {
          const said = cp.reported ? `istiod reports ${cp.reported}` : 'istiod did not answer through the apiserver; version from its image';
          line('control plane version', flags.short ? cp.reported ?? cp.version ?? 'unknown' : `${cp.reported ?? cp.version ?? 'unknown'} (${cp.name}, revision ${cp.revision}; ${said})`);
        }
      }
      // one line alone (--client --short) is the bare number, for scripts; several are never unlabelled
      await writeStdout(io, (flags.short && lines.length === 1 ? lines[0].replace(/^[^:]*: /, '') : lines.join('\n')) + '\n');
    });
  return cmd;
}
