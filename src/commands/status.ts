import { Command, Option } from 'commander';
import { ExitCode } from '../ui/errors.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';

export function command(): Command {
  const cmd = new Command('status')
    .summary('report whether the mesh is healthy (exit 0) or not (exit 2)')
    .description('Check the installed mesh: release and profile, CRDs, istiod, gateways, webhooks and their endpoints,\n' +
      'namespaces with injection, pods without a sidecar, sidecars whose version differs from the control plane.\n' +
      'Exit code 0 when every check passes, 2 when one fails.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'));
  withKubeFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl status
  meshctl status -o json | jq '.checks[] | select(.ok == false)'
  meshctl status --context kind-mesh || echo "mesh unhealthy"`)
    .action(async (flags: KubeFlags & { output: string }) => {
      const kube = await connectKube(flags);
      const { collectStatus, evaluateStatus } = await import('../mesh/istio/status.js');
      const status = evaluateStatus(await collectStatus(kube));
      const { writeStdout } = await import('../ui/output.js');
      if (flags.output === 'json') {
        await writeStdout(JSON.stringify({ context: kube.context, ...status }, null, 2) + '\n');
      } else {
        const { paletteFor } = await import('../ui/colour.js');
        const c = await paletteFor(process.stdout);
        const width = Math.max(...status.checks.map((x) => x.name.length));
        const lines = status.checks.map((x) => `${x.ok ? c.green('✔') : c.red('✘')} ${x.name.padEnd(width)}  ${x.detail}`);
        lines.push(status.healthy ? c.green('mesh healthy') : c.red('mesh unhealthy'));
        await writeStdout(lines.join('\n') + '\n');
      }
      if (!status.healthy) process.exitCode = ExitCode.CheckFailed;
    });
  return cmd;
}
