import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel, parseInteger } from '../generate/args.js';
import { UsageError } from '../ui/errors.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import type { KubeClient } from '../cluster/client.js';
import { addonTarget, checkSomethingServes, envoyTarget, UIS, type Target } from '../mesh/dashboards.js';

interface DashboardFlags extends KubeFlags {
  namespace?: string;
  port?: string;
  address: string;
  browser: boolean;
}

/** Serves 127.0.0.1:PORT, each connection forwarded to the pod's port through the apiserver, until Ctrl-C. */

async function forward(io: Io, flags: DashboardFlags, what: string, pick: (kube: KubeClient) => Promise<Target>): Promise<void> {
  if (flags.address !== '127.0.0.1' && flags.address !== 'localhost') throw new UsageError(`--address ${flags.address}: only 127.0.0.1 (localhost) is served; a dashboard has no authentication`);
  const localPort = flags.port !== undefined ? parseInteger('--port', flags.port, 0, 65535) : undefined;
  const kube = await connectKube(flags);
  const target = await pick(kube);
  await checkSomethingServes(kube, target, what);
  const { printable } = await import('../ui/output.js');
  const { redactCredentials } = await import('../ui/redact.js');
  const { forwardLocalPort } = await import('../cluster/forward.js');
  const onError = (message: string) => io.stderr.write(`Error: port-forward to pod ${target.namespace}/${target.pod}:${target.port}: ${printable(redactCredentials(message))}\n`);
  const forwarding = await forwardLocalPort(kube, target, { ...(localPort !== undefined ? { localPort } : {}), onError });
  const { port, server } = forwarding;
  const url = `http://localhost:${port}${target.path}`;
  io.stdout.write(`${url}\n`);
  io.stderr.write(`${what}: forwarding 127.0.0.1:${port} to pod ${target.namespace}/${target.pod}:${target.port}; Ctrl-C to stop\n`);
  if (flags.browser && io.stdout.isTTY) {
    const { spawn } = await import('node:child_process');
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => io.stderr.write(`(no ${opener} to open a browser: open ${url})\n`));
    child.unref();
  }
  const { onFirstInterrupt } = await import('../ui/interrupt.js');
  await new Promise<void>((resolve) => {
    const forget = onFirstInterrupt(() => {
      forget();
      server.close();
      io.stderr.write('\nstopped\n');
      resolve();
    });
  });
  // connections still open would keep the process alive after the listener is closed
  if (io.isProcess) process.exit(io.exitCode);
}

export function command(io: Io): Command {
  const cmd = new Command('dashboard')
    .summary('open an addon\'s web UI (kiali, grafana, jaeger, prometheus) or a pod\'s Envoy admin page')
    .description('Forward a local port on 127.0.0.1 to a ready pod of the addon through the apiserver (as kubectl port-forward),\n' +
      'print the URL, and open it in the browser when run on a terminal. Runs until Ctrl-C.');
  const shared = (c: Command) => withKubeFlags(c
    .option('--port <port>', 'local port (default: the pod\'s; 0 picks a free one)')
    .option('--address <address>', 'local address to listen on (127.0.0.1 only)', '127.0.0.1')
    .option('--no-browser', 'print the URL only'));
  for (const name of Object.keys(UIS)) {
    cmd.addCommand(shared(new Command(name).description(`Open ${name} (installed with meshctl addons install ${name}).`)
      .option('-n, --namespace <ns>', 'namespace of the addon', ISTIO_NAMESPACE))
      .addHelpText('after', `\nExamples:\n  meshctl dashboard ${name}\n  meshctl dashboard ${name} --port 0 --no-browser`)
      .action((flags: DashboardFlags) => forward(io, flags, name, async (kube) => {
        const namespace = flags.namespace ?? ISTIO_NAMESPACE;
        checkDnsLabel('--namespace', namespace);
        return addonTarget(kube, name, namespace);
      })));
  }
  cmd.addCommand(shared(new Command('envoy').description('Open the Envoy admin page of a pod\'s sidecar.')
    .argument('<pod>', 'the pod (name, or name.namespace)')
    .option('-n, --namespace <ns>', 'namespace of the pod (default: the context\'s)'))
    .addHelpText('after', '\nExamples:\n  meshctl dashboard envoy productpage-v1-6b746f74dc-9stvs -n bookinfo')
    .action((podArg: string, flags: DashboardFlags) => forward(io, flags, 'envoy', async (kube) => {
      return envoyTarget(kube, podArg, flags.namespace);
    })));
  return cmd;
}
