import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { ExitCode } from '../ui/errors.js';
import { parseTimeout } from './flag-values.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import { outputOption } from '../ui/output.js';

interface StatusFlags extends KubeFlags {
  output: string;
  wait?: boolean;
  timeout: string;
}

export function command(io: Io): Command {
  const cmd = new Command('status')
    .summary('report whether the mesh is healthy (exit 0) or not (exit 2)')
    .description('Check the installed mesh: release and profile, CRDs, istiod, gateways, webhooks and their endpoints,\n' +
      'namespaces with injection, pods without a sidecar, sidecars whose version differs from the control plane.\n' +
      'Exit code 0 when every check passes, 2 when one fails. With --wait, checks again until the mesh is healthy\n' +
      '(exit 0) or the timeout passes (exit 2), naming why each pod of the control plane that is not ready is not.')
    .addOption(outputOption(['table', 'json']))
    .option('--wait', 'wait until the mesh is healthy (redrawn on a terminal, a line per change in a pipe)')
    .option('--timeout <duration>', 'how long --wait waits', '5m');
  withKubeFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl status
  meshctl status -o json | jq '.checks[] | select(.ok == false)'
  meshctl status --wait --timeout 2m && meshctl sample deploy bookinfo
  meshctl status --context kind-mesh || echo "mesh unhealthy"`)
    .action(async (flags: StatusFlags) => {
      const timeoutMs = parseTimeout(flags.timeout);
      const kube = await connectKube(flags);
      const { collectStatus, evaluateStatus, istiodReportedVersion, unreadyPods } = await import('../mesh/istio/status.js');
      const { printResult, printable } = await import('../ui/output.js');
      const { paletteFor } = await import('../ui/colour.js');
      const c = await paletteFor(io.stdout, io.env);
      /** One look at the mesh: its checks and, when unhealthy, why the control plane's pods are not ready. */
      const look = async () => {
        const status = evaluateStatus(await collectStatus(kube, () => istiodReportedVersion(kube, 'istiod')));
        const pods = status.healthy ? [] : unreadyPods(await kube.list('v1', 'Pod', { namespace: ISTIO_NAMESPACE }), await kube.list('v1', 'Event', { namespace: ISTIO_NAMESPACE }));
        return { status, pods };
      };
      const table = ({ status, pods }: Awaited<ReturnType<typeof look>>): string[] => {
        const width = Math.max(...status.checks.map((x) => x.name.length));
        const lines = status.checks.map((x) => `${x.ok ? c.green('✔') : c.red('✘')} ${x.name.padEnd(width)}  ${printable(x.detail)}`);
        for (const p of pods) lines.push(`  ${printable(p)}`);
        lines.push(status.healthy ? c.green('mesh healthy') : c.red('mesh unhealthy'));
        return lines;
      };
      let seen = await look();
      if (flags.wait && !seen.status.healthy) seen = await waitHealthy(io, look, table, seen, timeoutMs, flags.output === 'json');
      if (!seen.status.healthy) io.exitCode = ExitCode.CheckFailed;
      await printResult(io, flags.output, { context: kube.context, ...seen.status, unreadyPods: seen.pods }, () => table(seen).join('\n') + '\n');
    });
  return cmd;
}

type Look = { status: { healthy: boolean; checks: { name: string; ok: boolean; detail: string }[] }; pods: string[] };

/**
 * Looks again every 2 s until healthy or `timeoutMs` passes. On a terminal the table is redrawn in place
 * (on stderr, so stdout gets the final table only); elsewhere one line per change of what is failing.
 */
async function waitHealthy<T extends Look>(io: Io, look: () => Promise<T>, table: (l: T) => string[], first: T, timeoutMs: number, json: boolean): Promise<T> {
  const tty = !json && io.stderr.isTTY && (io.stderr.columns ?? 0) > 0;
  let drawn = 0;
  let last = '';
  const show = (l: T) => {
    if (tty) {
      const lines = table(l).map((line) => line.slice(0, Math.max(20, (io.stderr.columns ?? 80) - 1)));
      // up over the previous drawing, then clear to the end of the screen
      io.stderr.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[0J${lines.join('\n')}\n`);
      drawn = lines.length;
      return;
    }
    const failing = [...l.status.checks.filter((x) => !x.ok).map((x) => `${x.name}: ${x.detail}`), ...l.pods].join('; ');
    if (failing !== last) io.stderr.write(`waiting: ${failing}\n`);
    last = failing;
  };
  const { waitUntilHealthy } = await import('../mesh/istio/status.js');
  const { current, timedOut } = await waitUntilHealthy(look, { timeoutMs, first, onLook: show });
  if (tty) io.stderr.write(`\x1b[${drawn}F\x1b[0J`);
  if (timedOut) io.stderr.write(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for the mesh to be healthy\n`);
  return current;
}
