import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel, parseLabels } from '../generate/args.js';
import { peerAuthentication, MTLS_MODES, type MtlsModeName } from '../generate/security.js';
import { UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';

interface MtlsFlags extends GeneratorFlags {
  meshWide?: boolean;
  selector?: string[];
  rootNamespace: string;
  name?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('mtls')
    .summary('set the mutual TLS mode of a namespace, workload or the whole mesh')
    .description('Generate a PeerAuthentication: strict (only mTLS accepted), permissive (mTLS and plain text) or disable.\n' +
      'A mesh-wide policy lives in the root namespace and is named "default".')
    .addArgument(new Command().createArgument('<mode>', 'strict, permissive or disable').choices(Object.keys(MTLS_MODES)))
    .option('--mesh-wide', 'apply to the whole mesh (policy in the root namespace)')
    .option('--selector <labels>', 'only workloads with these labels (KEY=VALUE, repeatable)', collect)
    .option('--root-namespace <ns>', 'the mesh\'s root namespace', ISTIO_NAMESPACE)
    .addOption(new Option('--name <name>', 'policy name (default: "default", or the first selector value)'));
  withGeneratorFlags(cmd, { from: false })
    .addHelpText('after', `
Examples:
  meshctl mtls strict --mesh-wide
  meshctl mtls strict -n bookinfo
  meshctl mtls permissive -n bookinfo --selector app=ratings`)
    .action(async (mode: MtlsModeName, flags: MtlsFlags) => {
      const selector = flags.selector ? parseLabels('--selector', flags.selector) : undefined;
      if (flags.meshWide && selector) {
        throw new UsageError('--mesh-wide and --selector do not mix (a selector in the root namespace only selects workloads of that namespace)');
      }
      if (flags.meshWide && flags.namespace !== undefined && flags.namespace !== flags.rootNamespace) {
        throw new UsageError(`--mesh-wide puts the policy in the root namespace "${flags.rootNamespace}"; drop -n or use --root-namespace`);
      }
      const root = checkDnsLabel('--root-namespace', flags.rootNamespace);
      const name = checkDnsLabel('--name', flags.name ?? (selector ? Object.values(selector)[0] || 'default' : 'default'));
      await generateAndPrint(io, { ...flags, namespace: flags.meshWide ? root : flags.namespace }, (_existing, namespace) => [
        peerAuthentication({ mode, namespace, name, selector }),
      ]);
    });
  return cmd;
}
