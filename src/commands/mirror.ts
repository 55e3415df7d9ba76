import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkDnsLabel, checkLabelKey, checkServiceName, parsePercent, parsePort } from '../generate/args.js';
import { mirror } from '../generate/resilience.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface MirrorFlags extends GeneratorFlags {
  to: string;
  percent: string;
  labelKey: string;
  port?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('mirror')
    .summary('copy a share of a service\'s traffic to another version')
    .description('Mirror (shadow) requests of the service\'s default route to another version; the copies\' responses are dropped.')
    .argument('[service]', 'the service (inferred when left out: the one service --from routes, else the one Service of the\n' +
      'namespace whose pods carry the --to version)')
    .requiredOption('--to <version>', 'version that receives the copies')
    .option('--percent <p>', 'share of requests mirrored, 0–100', '100')
    .option('--label-key <key>', 'pod label that tells versions apart', 'version')
    .option('--port <port>', 'service port of the mirror destination');
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl mirror reviews --to v2 --percent 100
  meshctl split reviews v1=100 | meshctl mirror --to v2 --percent 20 --from -   # the service the input routes`)
    .action(async (named: string | undefined, flags: MirrorFlags) => {
      if (named !== undefined) checkServiceName(named);
      checkDnsLabel('--to', flags.to);
      checkLabelKey('--label-key', flags.labelKey);
      const percent = parsePercent('--percent', flags.percent);
      const port = flags.port !== undefined ? parsePort('--port', flags.port) : undefined;
      await generateAndPrint(io, flags, (existing, namespace, service) =>
        mirror(existing, { service, namespace, to: flags.to, percent, labelKey: flags.labelKey, port }),
      { service: named, versions: [flags.to], labelKey: flags.labelKey, example: `meshctl mirror SERVICE --to ${flags.to}` });
    });
  return cmd;
}
