import { Command } from 'commander';
import { checkServiceName, parseDuration } from '../generate/args.js';
import { timeout } from '../generate/resilience.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

export function command(): Command {
  const cmd = new Command('timeout')
    .summary('set a request timeout for a service')
    .description('Set the request timeout on every HTTP route of a service\'s VirtualService.')
    .argument('<service>', 'the service')
    .argument('<duration>', 'the timeout: 500ms, 2s, 1m…');
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl timeout reviews 500ms
  meshctl timeout reviews 2s --from reviews.yaml -o json`)
    .action(async (service: string, duration: string, flags: GeneratorFlags) => {
      checkServiceName(service);
      const value = parseDuration('timeout', duration);
      await generateAndPrint(flags, (existing, namespace) => timeout(existing, { service, namespace, timeout: value }));
    });
  return cmd;
}
