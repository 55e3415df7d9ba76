import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkServiceName, parseDuration } from '../generate/args.js';
import { timeout } from '../generate/resilience.js';
import { UsageError } from '../ui/errors.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

export function command(io: Io): Command {
  const cmd = new Command('timeout')
    .summary('set a request timeout for a service')
    .description('Set the request timeout on every HTTP route of a service\'s VirtualService.')
    .argument('[service]', 'the service (inferred when left out: the one service --from routes, else the one service the namespace\'s\n' +
      'VirtualServices, DestinationRules and HTTPRoutes route)')
    .argument('[duration]', 'the timeout: 500ms, 2s, 1m…');
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl timeout reviews 500ms
  meshctl timeout reviews 2s --from reviews.yaml -o json
  meshctl timeout 2s --from reviews.yaml                 # the service the input routes`)
    .action(async (first: string | undefined, second: string | undefined, flags: GeneratorFlags) => {
      // one argument is the duration (`timeout 2s --from x.yaml`); two are the service and the duration
      const named = second === undefined ? undefined : first;
      const duration = second ?? first;
      if (duration === undefined) throw new UsageError('timeout needs a duration: meshctl timeout [SERVICE] DURATION (e.g. 2s)');
      if (named !== undefined) checkServiceName(named);
      const value = parseDuration('timeout', duration);
      await generateAndPrint(io, flags, (existing, namespace, service) => timeout(existing, { service, namespace, timeout: value }),
        { service: named, versions: [], labelKey: 'version', example: `meshctl timeout SERVICE ${duration}` });
    });
  return cmd;
}
