import { Command } from 'commander';
import { checkDnsLabel, checkLabelKey, checkServiceName, parseMatches, parsePort } from '../generate/args.js';
import { routeByMatch } from '../generate/route.js';
import { UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface RouteFlags extends GeneratorFlags {
  match?: string[];
  to: string;
  default?: string;
  labelKey: string;
  port?: string;
}

export function command(): Command {
  const cmd = new Command('route')
    .summary('send matching requests to one version of a service')
    .description('Send requests that match to one version of a service, and the rest to a default version.\n\n' +
      'Match forms (repeat --match to AND them): header:NAME=VALUE (exact), header:NAME^=PREFIX, header:NAME~=REGEX,\n' +
      'query:NAME=VALUE (and ^=, ~=), uri=/exact, uri^=/prefix, uri~=REGEX, method=GET. Regexes use RE2 syntax.')
    .argument('<service>', 'the service whose traffic is routed')
    .option('--match <condition>', 'request condition (repeatable)', collect)
    .requiredOption('--to <version>', 'version that matching requests go to')
    .option('--default <version>', 'version that all other requests go to')
    .option('--label-key <key>', 'pod label that tells versions apart', 'version')
    .option('--port <port>', 'service port for the destinations');
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl route reviews --match header:end-user=jason --to v2 --default v1
  meshctl route reviews --match uri^=/api/v2 --match method=GET --to v2`)
    .action(async (service: string, flags: RouteFlags) => {
      checkServiceName(service);
      if (!flags.match || flags.match.length === 0) throw new UsageError('route needs at least one --match condition');
      const match = parseMatches(flags.match);
      checkDnsLabel('--to', flags.to);
      checkLabelKey('--label-key', flags.labelKey);
      if (flags.default !== undefined) checkDnsLabel('--default', flags.default);
      const port = flags.port !== undefined ? parsePort('--port', flags.port) : undefined;
      await generateAndPrint(flags, (existing, namespace) =>
        routeByMatch(existing, { service, namespace, match, to: flags.to, defaultVersion: flags.default, labelKey: flags.labelKey, port }));
    });
  return cmd;
}
