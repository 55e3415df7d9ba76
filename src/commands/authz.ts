import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel, listOf, parseLabels, parsePort } from '../generate/args.js';
import { allowPolicy, denyAll } from '../generate/security.js';
import { HTTP_METHODS, pathTemplateProblem } from '../manifests/syntax.js';
import { UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface AllowFlags extends GeneratorFlags {
  to?: string[];
  fromSa?: string[];
  fromNamespace?: string[];
  methods?: string[];
  paths?: string[];
  ports?: string[];
  trustDomain: string;
  name?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('authz')
    .summary('generate authorization policies (deny-all, allow)')
    .description('Generate Istio AuthorizationPolicies.')
    .addHelpText('after', `
Examples:
  meshctl authz deny-all -n bookinfo
  meshctl authz allow -n bookinfo --to app=productpage --from-namespace istio-system --methods GET`);
  const deny = new Command('deny-all')
    .description('Deny every request to workloads of a namespace unless another policy allows it.')
    .option('--name <name>', 'policy name', 'deny-all');
  withGeneratorFlags(deny, { from: false })
    .addHelpText('after', '\nExamples:\n  meshctl authz deny-all -n bookinfo')
    .action(async (flags: GeneratorFlags & { name: string }) => {
      const name = checkDnsLabel('--name', flags.name);
      await generateAndPrint(io, flags, (_e, namespace) => [denyAll(namespace, name)]);
    });
  const allow = new Command('allow')
    .description('Allow requests to selected workloads from given service accounts or namespaces, for given operations.')
    .option('--to <labels>', 'workloads the policy protects (KEY=VALUE, repeatable)', collect)
    .option('--from-sa <ns/sa>', 'allowed service account as NAMESPACE/NAME (repeatable)', collect)
    .option('--from-namespace <ns>', 'allowed source namespace (repeatable)', collect)
    .option('--methods <methods>', 'allowed HTTP methods, comma-separated or repeated', collect)
    .option('--paths <paths>', 'allowed paths (exact, prefix/* or */suffix), comma-separated or repeated', collect)
    .option('--ports <ports>', 'allowed destination ports, comma-separated or repeated', collect)
    .option('--trust-domain <domain>', 'the mesh\'s trust domain, for principals', 'cluster.local')
    .option('--name <name>', 'policy name (default: allow-<first --to value>)');
  withGeneratorFlags(allow, { from: false })
    .addHelpText('after', `
Examples:
  meshctl authz allow -n bookinfo --to app=productpage --from-namespace istio-system --methods GET
  meshctl authz allow -n bookinfo --to app=reviews --from-sa bookinfo/bookinfo-productpage --methods GET --paths '/reviews/*' --ports 9080`)
    .action(async (flags: AllowFlags) => {
      const to = flags.to ? parseLabels('--to', flags.to) : {};
      const fromServiceAccounts = listOf(flags.fromSa);
      for (const sa of fromServiceAccounts) {
        const parts = sa.split('/');
        if (parts.length !== 2) throw new UsageError(`--from-sa "${sa}": expected NAMESPACE/SERVICEACCOUNT`);
        checkDnsLabel(`--from-sa "${sa}" namespace`, parts[0]);
        checkDnsLabel(`--from-sa "${sa}" service account`, parts[1]);
      }
      const fromNamespaces = listOf(flags.fromNamespace).map((ns) => checkDnsLabel('--from-namespace', ns));
      const methods = listOf(flags.methods).map((m) => m.toUpperCase());
      for (const m of methods) if (!HTTP_METHODS.includes(m)) throw new UsageError(`--methods "${m}" is not an HTTP method (${HTTP_METHODS.join(', ')})`);
      const paths = listOf(flags.paths);
      for (const p of paths) {
        const stars = (p.match(/\*/g) ?? []).length;
        if (!p.startsWith('/') && !p.startsWith('*')) throw new UsageError(`--paths "${p}": a path starts with / (or * for a suffix match)`);
        if (stars > 1 || (stars === 1 && !p.endsWith('*') && !p.startsWith('*')) || p === '*') {
          throw new UsageError(`--paths "${p}": only one * is allowed, at the start or the end (prefix/* or */suffix)`);
        }
        // the template rule istiod applies (validate's, manifests/syntax.ts)
        const why = pathTemplateProblem(p);
        if (why) throw new UsageError(`--paths "${p}": ${why}`);
      }
      const ports = listOf(flags.ports).map((p) => parsePort('--ports', p));
      if (fromServiceAccounts.length === 0 && fromNamespaces.length === 0 && methods.length === 0 && paths.length === 0 && ports.length === 0) {
        throw new UsageError('allow needs at least one of --from-sa, --from-namespace, --methods, --paths, --ports (an empty rule would allow everything)');
      }
      const name = checkDnsLabel('--name', flags.name ?? (Object.values(to)[0] ? `allow-${Object.values(to)[0]}` : 'allow'));
      await generateAndPrint(io, flags, (_e, namespace) => [
        allowPolicy({ namespace, name, to, fromServiceAccounts, fromNamespaces, methods, paths, ports, trustDomain: flags.trustDomain }),
      ]);
    });
  return cmd.addCommand(deny).addCommand(allow);
}
