import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { withKubeFlags, connectKube, type KubeFlags } from './kube-flags.js';
import { collect, parseTimeout } from './flag-values.js';
import { UsageError } from '../ui/errors.js';
import { parseHeaders, parseTarget } from '../mesh/xds/request.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import { outputOption } from '../ui/output.js';

interface ExplainFlags extends KubeFlags {
  from?: string;
  file?: string;
  to: string;
  header?: string[];
  method: string;
  namespace?: string;
  output: string;
  xdsAddress?: string;
  istioNamespace: string;
  timeout: string;
}

export function command(io: Io): Command {
  const explain = new Command('explain')
    .summary('explain what the mesh does with a request, from istiod\'s configuration for the client pod')
    .description('Follow a request through the configuration istiod gives the client pod\'s sidecar (asked as a ghost of the ' +
      'pod, as `meshctl proxy-config` does): the listener, route configuration, virtual host and route that match, with ' +
      'the VirtualService they came from; the destination clusters with their share of requests; retries, timeout, fault ' +
      'and mirror; each cluster\'s subset, DestinationRule, load balancing, outlier detection and upstream TLS, and its endpoints.');
  const request = withKubeFlags(new Command('request')
    .summary('follow one request from a pod to a URL')
    .description('Follow one request from a client pod (or a saved config dump) to a URL through the configuration istiod ' +
      'gives that pod\'s sidecar, then the server side at one pod of each destination: the inbound mTLS mode, the ' +
      'PeerAuthentication that set it, and the authorization verdict with the AuthorizationPolicy that decided. ' +
      'No traffic is sent.')
    .option('--from <pod>', 'the client: a pod, as POD or POD.NAMESPACE, or NAMESPACE/SERVICEACCOUNT (a running pod of it)')
    .requiredOption('--to <url>', 'the request\'s URL: http://HOST[:PORT]/PATH (HOST a Service name, NAME.NAMESPACE, or any host)')
    .option('-f, --file <dump>', 'explain from an Envoy config dump (`proxy-config all -o json`, an Envoy\'s /config_dump?include_eds) instead of a pod: the client side only')
    .option('-H, --header <name:value>', 'a request header (repeatable)', collect)
    .option('--method <method>', 'the request method', 'GET')
    .option('-n, --namespace <ns>', 'namespace of the client pod (default: the context\'s)')
    .addOption(outputOption(['text', 'json']))
    .option('--xds-address <host:port>', 'istiod\'s plaintext xDS address, when reachable directly (default: a port-forward to istiod\'s pod)')
    .option('-i, --istio-namespace <ns>', 'namespace of istiod', ISTIO_NAMESPACE)
    .option('--timeout <duration>', 'how long to wait for istiod\'s answer', '30s'))
    .addHelpText('after', `
Examples:
  meshctl explain request --from productpage-v1-7498b5bd44-gbnhx.bookinfo --to http://reviews:9080/
  meshctl explain request --from productpage-v1-7498b5bd44-gbnhx -n bookinfo --to http://reviews:9080/ -H end-user:jason
  meshctl explain request --from bookinfo/bookinfo-productpage --to http://reviews:9080/ --method POST
  meshctl explain request --file dump.json --to http://reviews:9080/      # a saved config dump, no cluster
  meshctl explain request --from sleep.default --to http://httpbin.default:8000/status/200 -o json | jq .clusters`)
    .action(async (flags: ExplainFlags) => {
      const target = parseTarget(flags.to);
      const headers = parseHeaders(flags.header ?? []);
      const method = flags.method.toUpperCase();
      if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method "${flags.method}": not an HTTP method`);
      if ((flags.from === undefined) === (flags.file === undefined)) throw new UsageError('--from POD or --file DUMP: the client whose configuration explains the request (one of them)');
      const { printResult, notice } = await import('../ui/output.js');
      const { explainDump, explainRequest } = await import('../mesh/xds/request.js');
      let result;
      if (flags.file) {
        const { readDump } = await import('../mesh/xds/dump.js');
        result = explainDump(await readDump(flags.file), flags.file, { ...target, method, headers });
        notice(io, 'from a config dump: the client side only (the server side, mTLS and authorization, needs the cluster: --from)');
      } else {
        const timeoutMs = parseTimeout(flags.timeout);
        const kube = await connectKube(flags);
        const { parsePodRef } = await import('../mesh/xds/ghost-config.js');
        const from = parsePodRef(flags.from!, flags.namespace ?? kube.namespace);
        result = await explainRequest(kube, { from, ...target, method, headers },
          { ...(flags.xdsAddress ? { xdsAddress: flags.xdsAddress } : {}), istioNamespace: flags.istioNamespace, timeoutMs });
      }
      const { renderExplanation } = await import('../mesh/xds/explain-text.js');
      await printResult(io, flags.output, result, () => renderExplanation(result));
    });
  explain.addCommand(request);
  return explain;
}
