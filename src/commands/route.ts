import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel, checkLabelKey, checkServiceName, parseMatches, parsePort } from '../generate/args.js';
import { hasRouteFor, routeByMatch } from '../generate/route.js';
import type { RequestMatch } from '../generate/args.js';
import { UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface RouteFlags extends GeneratorFlags {
  match?: string[];
  to?: string;
  default?: string;
  clear?: boolean;
  labelKey: string;
  port?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('route')
    .summary('send matching requests to one version of a service')
    .description('Send requests that match to one version of a service, and the rest to a default version.\n\n' +
      'Match forms (repeat --match to AND them): header:NAME=VALUE (exact), header:NAME^=PREFIX, header:NAME~=REGEX,\n' +
      'query:NAME=VALUE (and ^=, ~=), uri=/exact, uri^=/prefix, uri~=REGEX, method=GET. Regexes use RE2 syntax.')
    .argument('[service]', 'the service whose traffic is routed (inferred when left out: the one service --from routes, else the\n' +
      'one Service of the namespace whose pods carry the --to and --default versions)')
    .option('--match <condition>', 'request condition (repeatable)', collect)
    .option('--to <version>', 'version that matching requests go to')
    .option('--default <version>', 'version that all other requests go to')
    .option('--label-key <key>', 'pod label that tells versions apart', 'version')
    .option('--port <port>', 'service port for the destinations')
    .option('--clear', 'remove the route of the --match conditions instead (and the subsets meshctl added for it alone)');
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl route reviews --match header:end-user=jason --to v2 --default v1
  meshctl route reviews --match uri^=/api/v2 --match method=GET --to v2
  meshctl route reviews --match header:end-user=jason --clear -n bookinfo --apply
  meshctl route --match header:end-user=jason --to v2 --default v1 -n bookinfo --apply   # the service with v1 and v2 pods`)
    .action(async (named: string | undefined, flags: RouteFlags) => {
      if (named !== undefined) checkServiceName(named);
      if (!flags.match || flags.match.length === 0) throw new UsageError('route needs at least one --match condition');
      const match = parseMatches(flags.match);
      if (flags.clear) return clearRoute(io, named, match, flags);
      if (flags.to === undefined) throw new UsageError('route needs --to VERSION (or --clear to remove the route)');
      const to = flags.to;
      checkDnsLabel('--to', to);
      checkLabelKey('--label-key', flags.labelKey);
      if (flags.default !== undefined) checkDnsLabel('--default', flags.default);
      const port = flags.port !== undefined ? parsePort('--port', flags.port) : undefined;
      const versions = flags.default !== undefined ? [to, flags.default] : [to];
      await generateAndPrint(io, flags, (existing, namespace, service) =>
        routeByMatch(existing, { service, namespace, match, to, defaultVersion: flags.default, labelKey: flags.labelKey, port }),
      { service: named, versions, labelKey: flags.labelKey, example: `meshctl route SERVICE ${flags.match.map((m) => `--match ${m}`).join(' ')} --to ${to}` });
    });
  return cmd;
}

/** `route … --clear`: the route of exactly these conditions goes; resources without one are an error, not a quiet no-op. */
async function clearRoute(io: Io, named: string | undefined, match: RequestMatch, flags: RouteFlags): Promise<void> {
  for (const [flag, given] of [['--to', flags.to], ['--default', flags.default], ['--port', flags.port]] as const) {
    if (given !== undefined) throw new UsageError(`--clear removes a route: give it without ${flag}`);
  }
  if (!flags.from && !flags.apply && !flags.diff && flags.dryRun !== 'server') {
    throw new UsageError('--clear needs the routes to remove a route from: --from FILE, or --apply/--diff on the cluster');
  }
  const conditions = flags.match!.map((m) => `--match ${m}`).join(' ');
  let first = true;
  await generateAndPrint(io, flags, (existing, namespace, service) => {
    // the first composition is on the real input (the file or the live namespace), which must hold the route;
    // the live apply composes again on no resources, to learn what the change owns
    const real = first;
    first = false;
    if (real && !hasRouteFor(existing, { service, namespace, match })) {
      throw new UsageError(`${service} in ${namespace} has no route for ${conditions}: nothing to clear`);
    }
    return routeByMatch(existing, { service, namespace, match, labelKey: flags.labelKey, clear: true });
  }, { service: named, versions: [], labelKey: flags.labelKey, example: `meshctl route SERVICE ${conditions} --clear` });
}
