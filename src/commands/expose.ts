import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel, checkServiceName, listOf, parseLabels, parsePort } from '../generate/args.js';
import { hostProblem } from '../manifests/syntax.js';
import { exposeInto } from '../generate/expose.js';
import { UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface ExposeFlags extends GeneratorFlags {
  port?: string;
  host?: string[];
  path?: string[];
  exactPath?: string[];
  gatewayPort: string;
  gatewaySelector: string[];
  gateway?: string;
}

/** `name` or `namespace/name`, as a VirtualService's `gateways` names a Gateway. */
function parseGatewayRef(value: string): string {
  const parts = value.split('/');
  if (parts.length > 2) throw new UsageError(`--gateway "${value}": expected NAME or NAMESPACE/NAME`);
  if (parts.length === 2) checkDnsLabel(`--gateway "${value}" namespace`, parts[0]);
  checkDnsLabel(parts.length === 2 ? `--gateway "${value}" name` : '--gateway', parts[parts.length - 1]);
  return value;
}

export function command(io: Io): Command {
  const cmd = new Command('expose')
    .summary('expose a service through the ingress gateway')
    .description('Generate a Gateway on the ingress gateway and a VirtualService bound to it that routes to the service.')
    .argument('<service>', 'the service to expose')
    .option('--port <port>', 'the service port requests go to')
    .option('--host <host>', 'host names served (repeatable)', collect)
    .option('--path <prefix>', 'path prefix to expose (repeatable; default: every path)', collect)
    .option('--exact-path <path>', 'exact path to expose (repeatable)', collect)
    .option('--gateway-port <port>', 'port of the gateway\'s HTTP server', '80')
    .option('--gateway-selector <labels>', 'labels of the ingress gateway pods', collect, ['istio=ingressgateway'])
    .option('--gateway <[namespace/]name>', 'bind to this existing Gateway instead of creating one (another namespace\'s as ns/name)');
  withGeneratorFlags(cmd, { from: false })
    .addHelpText('after', `
Examples:
  meshctl expose productpage --port 9080 --exact-path /productpage --path /static --path /api/v1/products
  meshctl expose httpbin --port 8000 --host httpbin.example.com
  meshctl expose httpbin --port 8000 --host httpbin.example.com --gateway istio-system/shared-gateway`)
    .action(async (service: string, flags: ExposeFlags) => {
      checkServiceName(service);
      if (flags.port === undefined) throw new UsageError('expose needs --port (the service port requests go to)');
      const port = parsePort('--port', flags.port);
      const hosts = listOf(flags.host);
      // the host rule istiod applies to a Gateway's and a VirtualService's hosts (validate's, manifests/syntax.ts)
      for (const h of hosts) {
        const why = hostProblem(h);
        if (why) throw new UsageError(why.startsWith(`"${h}"`) ? `--host ${why}` : `--host "${h}": ${why}`);
      }
      const pathPrefixes = listOf(flags.path);
      const exactPaths = listOf(flags.exactPath);
      for (const p of [...pathPrefixes, ...exactPaths]) if (!p.startsWith('/')) throw new UsageError(`path "${p}" must start with /`);
      const gatewayName = parseGatewayRef(flags.gateway ?? `${service}-gateway`);
      await generateAndPrint(io, flags, (existing, namespace) =>
        exposeInto(existing, {
          service, namespace, port, hosts: hosts.length > 0 ? hosts : ['*'], pathPrefixes, exactPaths,
          gatewayPort: parsePort('--gateway-port', flags.gatewayPort),
          gatewaySelector: parseLabels('--gateway-selector', flags.gatewaySelector),
          gatewayName, createGateway: flags.gateway === undefined,
        }));
    });
  return cmd;
}
