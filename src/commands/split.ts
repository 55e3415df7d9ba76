import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { checkLabelKey, checkServiceName, parsePort, parseWeights } from '../generate/args.js';
import { splitGatewayApi, splitIstio } from '../generate/split.js';
import { UsageError } from '../ui/errors.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface SplitFlags extends GeneratorFlags {
  labelKey: string;
  appLabel: string;
  port?: string;
  api: 'istio' | 'gateway';
}

export function command(io: Io): Command {
  const cmd = new Command('split')
    .summary('split a service\'s traffic between versions by weight')
    .description('Split a service\'s traffic between versions by weight (canary, blue/green, cutover).\n\n' +
      'Istio API: a VirtualService with weighted subsets and a DestinationRule defining the subsets.\n' +
      'Gateway API (--api gateway): an HTTPRoute attached to the Service with weighted backends, one Service per version;\n' +
      'the form both Istio and Linkerd honour.')
    .argument('[service]', 'the service whose traffic is split (inferred when left out: the one service --from routes, else the one\n' +
      'Service of the namespace whose pods carry every named version)')
    .argument('[weights...]', 'VERSION=WEIGHT pairs adding up to 100: v1=90 v2=10, v1=90,v2=10 or v1=90%')
    .option('--label-key <key>', 'pod label that tells versions apart', 'version')
    .option('--app-label <key>', 'pod label naming the app (selector of the per-version Services, --api gateway)', 'app')
    .option('--port <port>', 'service port (required with --api gateway)')
    .addOption(new Option('--api <api>', 'which API to generate').choices(['istio', 'gateway']).default('istio'));
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl split reviews v1=90 v2=10                      # canary: 10 % to v2
  meshctl split v1=90 v2=10 -n bookinfo --apply          # the service whose pods are v1 and v2 (reviews)
  meshctl split reviews v2=100 | kubectl apply -f -      # cut over to v2
  meshctl split reviews v1=50,v2=50 --api gateway --port 9080
  meshctl split reviews v1=80 v2=20 --from reviews.yaml  # merge into existing resources`)
    .action(async (first: string | undefined, rest: string[], flags: SplitFlags) => {
      // `split v1=90 v2=10`: no service named, only weights (a service name never holds "=")
      const named = first !== undefined && !first.includes('=') ? first : undefined;
      const weights = named === undefined && first !== undefined ? [first, ...rest] : rest;
      if (named !== undefined) checkServiceName(named);
      const parsed = parseWeights(weights);
      checkLabelKey('--label-key', flags.labelKey);
      checkLabelKey('--app-label', flags.appLabel);
      const port = flags.port !== undefined ? parsePort('--port', flags.port) : undefined;
      if (flags.api === 'gateway' && port === undefined) {
        throw new UsageError('--api gateway needs --port (backendRefs to a Service must name its port)');
      }
      await generateAndPrint(io, flags, (existing, namespace, service) => {
        const opts = { service, namespace, weights: parsed, labelKey: flags.labelKey, appLabel: flags.appLabel, port };
        return flags.api === 'gateway' ? splitGatewayApi(existing, { ...opts, port: port! }) : splitIstio(existing, opts);
      }, { service: named, versions: parsed.map((w) => w.version), labelKey: flags.labelKey, example: `meshctl split SERVICE ${weights.join(' ')}` });
    });
  return cmd;
}
