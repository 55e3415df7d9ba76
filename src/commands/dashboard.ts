import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel, parseInteger } from '../generate/args.js';
import { CheckFailedError, UsageError } from '../ui/errors.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { podReady } from '../cluster/wait.js';
import type { K8sObject } from '../manifests/object.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import type { KubeClient } from '../cluster/client.js';

interface DashboardFlags extends KubeFlags {
  namespace?: string;
  port?: string;
  address: string;
  browser: boolean;
}

/** The addons' web UIs: their pods' labels, the port they serve on, and the page to open (as istioctl dashboard). */
const UIS: Record<string, { selector: string; port: number; path: string }> = {
  kiali: { selector: 'app=kiali', port: 20001, path: '/kiali' },
  grafana: { selector: 'app.kubernetes.io/name=grafana', port: 3000, path: '/' },
  jaeger: { selector: 'app=jaeger', port: 16686, path: '/' },
  prometheus: { selector: 'app.kubernetes.io/name=prometheus', port: 9090, path: '/' },
};
const ENVOY_ADMIN_PORT = 15000;

const isReady = (p: K8sObject) => p.status?.phase === 'Running' && podReady(p);

/** Serves 127.0.0.1:PORT, each connection forwarded to the pod's port through the apiserver, until Ctrl-C. */
type Target = { namespace: string; pod: string; port: number; path: string };

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

/**
 * A pod on a simulated (kwok) node runs nothing: its port is served only where a kwok PortForward or
 * ClusterPortForward sends it somewhere. Without one, the URL would answer nothing; say why instead (exit 64).
 */
async function checkSomethingServes(kube: KubeClient, target: Target, what: string): Promise<void> {
  const pod = await kube.get({ apiVersion: 'v1', kind: 'Pod', metadata: { name: target.pod, namespace: target.namespace } });
  const nodeName = pod?.spec?.nodeName;
  if (!nodeName) return;
  const node = await kube.get({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
  if (node?.metadata.annotations?.['kwok.x-k8s.io/node'] !== 'fake') return;
  const KWOK = 'kwok.x-k8s.io/v1alpha1';
  const forwards = [
    ...((await kube.serves(KWOK, 'ClusterPortForward')) ? await kube.list(KWOK, 'ClusterPortForward') : [])
      .filter((f) => { const ns = f.spec?.selector?.matchNamespaces; return !Array.isArray(ns) || ns.includes(target.namespace); }),
    ...((await kube.serves(KWOK, 'PortForward')) ? await kube.list(KWOK, 'PortForward', { namespace: target.namespace }) : [])
      .filter((f) => f.metadata.name === target.pod),
  ];
  const forwardsPort = (x: any) => !Array.isArray(x?.ports) || x.ports.length === 0 || x.ports.includes(target.port);
  const covers = (f: K8sObject) => ((f.spec?.forwards ?? []) as any[]).some(forwardsPort);
  if (forwards.some(covers)) return;
  throw new UsageError(`pod ${target.namespace}/${target.pod} runs on ${nodeName}, a simulated (kwok) node: nothing serves its port ${target.port}, ` +
    `so there is no ${what} to open on this cluster (meshctl status, meshctl analyze and meshctl images work here)`);
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
  for (const [name, ui] of Object.entries(UIS)) {
    cmd.addCommand(shared(new Command(name).description(`Open ${name} (installed with meshctl addons install ${name}).`)
      .option('-n, --namespace <ns>', 'namespace of the addon', ISTIO_NAMESPACE))
      .addHelpText('after', `\nExamples:\n  meshctl dashboard ${name}\n  meshctl dashboard ${name} --port 0 --no-browser`)
      .action((flags: DashboardFlags) => forward(io, flags, name, async (kube) => {
        const namespace = flags.namespace ?? ISTIO_NAMESPACE;
        checkDnsLabel('--namespace', namespace);
        const pods = await kube.list('v1', 'Pod', { namespace, labelSelector: ui.selector });
        if (pods.length === 0) throw new CheckFailedError(`${name} is not installed in ${namespace} (meshctl addons install ${name})`);
        const pod = pods.find(isReady);
        if (!pod) throw new CheckFailedError(`no ready pod of ${name} in ${namespace} (${pods.map((p) => `${p.metadata.name}: ${p.status?.phase ?? 'no status'}`).join(', ')}); meshctl status --wait`);
        return { namespace, pod: pod.metadata.name, port: ui.port, path: ui.path };
      })));
  }
  cmd.addCommand(shared(new Command('envoy').description('Open the Envoy admin page of a pod\'s sidecar.')
    .argument('<pod>', 'the pod (name, or name.namespace)')
    .option('-n, --namespace <ns>', 'namespace of the pod (default: the context\'s)'))
    .addHelpText('after', '\nExamples:\n  meshctl dashboard envoy productpage-v1-6b746f74dc-9stvs -n bookinfo')
    .action((podArg: string, flags: DashboardFlags) => forward(io, flags, 'envoy', async (kube) => {
      const [name, ns] = podArg.includes('.') ? podArg.split('.', 2) : [podArg, undefined];
      const namespace = ns ?? flags.namespace ?? kube.namespace;
      const pod = await kube.get({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } });
      if (!pod) throw new UsageError(`pod ${namespace}/${name} not found`);
      const { proxyContainer } = await import('../mesh/istio/sidecars.js');
      if (!proxyContainer(pod)) throw new UsageError(`pod ${namespace}/${name} has no istio-proxy sidecar, so no Envoy admin page`);
      if (!isReady(pod)) throw new CheckFailedError(`pod ${namespace}/${name} is not ready (${pod.status?.phase ?? 'no status'})`);
      return { namespace, pod: name, port: ENVOY_ADMIN_PORT, path: '/' };
    })));
  return cmd;
}
