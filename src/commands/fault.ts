import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkServiceName, parseDuration, parseInteger, parseMatches, parsePercent } from '../generate/args.js';
import { fault } from '../generate/resilience.js';
import { UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface FaultFlags extends GeneratorFlags {
  delay?: string;
  abort?: string;
  percent: string;
  match?: string[];
  clear?: boolean;
}

export function command(io: Io): Command {
  const cmd = new Command('fault')
    .summary('inject delays or errors into a service\'s requests')
    .description('Inject a fixed delay and/or an HTTP error into a share of a service\'s requests, to test resilience.\n' +
      'With --match only matching requests get the fault (see `meshctl route --help` for the match forms).')
    .argument('[service]', 'the service (inferred when left out: the one service --from routes, else the one service the namespace\'s\n' +
      'VirtualServices, DestinationRules and HTTPRoutes route)')
    .option('--delay <duration>', 'fixed delay to add (e.g. 7s)')
    .option('--abort <status>', 'HTTP status to answer with instead (e.g. 500)')
    .option('--percent <p>', 'share of requests affected, 0–100', '100')
    .option('--match <condition>', 'only requests matching this (repeatable)', collect)
    .option('--clear', 'remove the faults (of the --match route, else of every route) instead of adding one');
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl fault ratings --delay 7s --percent 100 --match header:end-user=jason
  meshctl fault ratings --abort 500 --percent 10
  meshctl fault ratings --delay 2s --percent 50 -n bookinfo --apply   # composes: the abort stays
  meshctl fault ratings --clear -n bookinfo --apply`)
    .action(async (named: string | undefined, flags: FaultFlags) => {
      if (named !== undefined) checkServiceName(named);
      if (flags.clear && (flags.delay !== undefined || flags.abort !== undefined)) throw new UsageError('--clear removes faults: give it without --delay and --abort');
      if (!flags.clear && flags.delay === undefined && flags.abort === undefined) throw new UsageError('fault needs --delay, --abort or both (or --clear)');
      const delay = flags.delay !== undefined ? parseDuration('--delay', flags.delay) : undefined;
      const abort = flags.abort !== undefined ? parseInteger('--abort', flags.abort, 200, 599) : undefined;
      const percent = parsePercent('--percent', flags.percent);
      const match = flags.match && flags.match.length > 0 ? parseMatches(flags.match) : undefined;
      await generateAndPrint(io, flags,
        (existing, namespace, service) => fault(existing, { service, namespace, delay, abort, percent, match, clear: flags.clear }),
        { service: named, versions: [], labelKey: 'version', example: 'meshctl fault SERVICE' });
    });
  return cmd;
}
