import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { withKubeFlags, connectKube, type KubeFlags } from './kube-flags.js';
import { parseTimeout } from './flag-values.js';
import { UsageError } from '../ui/errors.js';
import { notice, outputOption } from '../ui/output.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';

interface ProxyConfigFlags extends KubeFlags {
  namespace?: string;
  output: string;
  xdsAddress?: string;
  istioNamespace: string;
  timeout: string;
  name?: string;
  fqdn?: string;
  file?: string;
}

const KINDS = ['listeners', 'routes', 'clusters', 'endpoints', 'all'] as const;
type Kind = (typeof KINDS)[number];

/** The configuration: istiod's answer to a ghost of the pod, or a config dump file (--file). */
async function configuration(io: Io, podArg: string | undefined, flags: ProxyConfigFlags) {
  if ((podArg === undefined) === (flags.file === undefined)) throw new UsageError('name a pod, or a config dump with --file (not both)');
  if (flags.file) {
    const { readDump } = await import('../mesh/xds/dump.js');
    const { snapshot, node } = await readDump(flags.file);
    return { snapshot, node: { id: node ?? '', cluster: '', metadata: {} } };
  }
  const timeoutMs = parseTimeout(flags.timeout);
  const kube = await connectKube(flags);
  const { ghostConfig, parsePodRef } = await import('../mesh/xds/ghost-config.js');
  const ref = parsePodRef(podArg!, flags.namespace ?? kube.namespace);
  const got = await ghostConfig(kube, ref, { ...(flags.xdsAddress ? { xdsAddress: flags.xdsAddress } : {}), istioNamespace: flags.istioNamespace, timeoutMs });
  if (!got.hasSidecar) notice(io, `pod ${ref.namespace}/${ref.name} has no sidecar: this is the configuration istiod would push to one injected now`);
  return got;
}

async function run(io: Io, kind: Kind, podArg: string | undefined, flags: ProxyConfigFlags): Promise<void> {
  const got = await configuration(io, podArg, flags);
  const { printResult, writeStdout, formatTable } = await import('../ui/output.js');
  if (got.snapshot.unknownTypes.length) {
    notice(io, `meshctl cannot decode ${got.snapshot.unknownTypes.length} type(s) istiod sent (kept as bytes): ${got.snapshot.unknownTypes.join(', ')}`);
  }
  const tables = await import('../mesh/xds/tables.js');
  const snap = got.snapshot;
  const routes = flags.name ? snap.routes.filter((r) => r.name === flags.name) : snap.routes;
  const clusters = flags.fqdn ? snap.clusters.filter((c) => String(c.name).includes(flags.fqdn!)) : snap.clusters;
  if (flags.output === 'json' || flags.output === 'yaml') {
    const body = kind === 'all' ? tables.configDump(snap, got.node)
      : kind === 'routes' ? routes : kind === 'clusters' ? clusters : kind === 'listeners' ? snap.listeners : snap.endpoints;
    return printResult(io, flags.output, body, () => '');
  }
  const sections: string[] = [];
  if (kind === 'clusters' || kind === 'all') sections.push(formatTable(tables.clusterRows(clusters), 5));
  if (kind === 'listeners' || kind === 'all') sections.push(formatTable(tables.listenerRows(snap.listeners), 1));
  if (kind === 'routes' || kind === 'all') sections.push(formatTable(tables.routeRows(routes), 5));
  if (kind === 'endpoints' || kind === 'all') sections.push(formatTable(tables.endpointRows(snap.endpoints), 5));
  await writeStdout(io, sections.join('\n'));
}

export function command(io: Io): Command {
  const cmd = new Command('proxy-config')
    .alias('pc')
    .summary('show the listeners, routes, clusters and endpoints istiod pushes to a pod\'s sidecar (no Envoy needed)')
    .description('Ask istiod for a pod\'s proxy configuration as that pod\'s sidecar would: meshctl connects to istiod\'s xDS ' +
      'port (15010, through a port-forward) as a "ghost" of the pod and prints what istiod answers, with istioctl ' +
      'proxy-config\'s columns. It needs no running Envoy, so it works where the pod\'s sidecar is not running (a ' +
      'local cluster\'s simulated pods) and shows what a pod without a sidecar would get once injected. ' +
      '`all -o json` is an Envoy config dump that `istioctl proxy-config … --file` reads.');
  for (const kind of KINDS) {
    const sub = withKubeFlags(new Command(kind)
      .argument('[pod]', 'the pod, as POD or POD.NAMESPACE')
      .option('-f, --file <dump>', 'read an Envoy config dump (`all -o json`, or an Envoy\'s /config_dump?include_eds) instead of asking istiod')
      .option('-n, --namespace <ns>', 'namespace of the pod (default: the context\'s)')
      .addOption(outputOption(['short', 'json', 'yaml']))
      .option('--xds-address <host:port>', 'istiod\'s plaintext xDS address, when it is reachable directly (default: a port-forward to istiod\'s pod)')
      .option('-i, --istio-namespace <ns>', 'namespace of istiod', ISTIO_NAMESPACE)
      .option('--timeout <duration>', 'how long to wait for istiod\'s answer', '30s'));
    sub.summary(`the ${kind === 'all' ? 'clusters, listeners, routes and endpoints' : kind} of a pod's sidecar, from istiod`);
    if (kind === 'routes' || kind === 'all') sub.option('--name <name>', 'only the route configuration of this name (a port, "inbound|9080||")');
    if (kind === 'clusters' || kind === 'all') sub.option('--fqdn <host>', 'only clusters whose name contains this host');
    sub.addHelpText('after', `
Examples:
  meshctl proxy-config ${kind} productpage-v1-7498b5bd44-gbnhx.bookinfo
  meshctl proxy-config ${kind} productpage-v1-7498b5bd44-gbnhx -n bookinfo -o json${kind === 'all' ? ' > dump.json\n  istioctl proxy-config routes --file dump.json' : ''}
  meshctl proxy-config ${kind} --file dump.json`);
    sub.action((pod: string | undefined, flags: ProxyConfigFlags) => run(io, kind, pod, flags));
    cmd.addCommand(sub);
  }
  return cmd;
}
