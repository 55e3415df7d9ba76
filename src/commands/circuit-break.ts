import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkServiceName, parseDuration, parseInteger } from '../generate/args.js';
import { circuitBreak } from '../generate/resilience.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface CircuitBreakFlags extends GeneratorFlags {
  maxConnections: string;
  maxPendingRequests: string;
  maxRequestsPerConnection?: string;
  consecutive5xxErrors: string;
  interval: string;
  baseEjectionTime: string;
  maxEjectionPercent?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('circuit-break')
    .summary('limit connections and eject failing endpoints of a service')
    .description('Connection-pool limits and outlier detection (ejection of failing endpoints) in the service\'s DestinationRule.')
    .argument('[service]', 'the service (inferred when left out: the one service --from routes, else the one service the namespace\'s\n' +
      'VirtualServices, DestinationRules and HTTPRoutes route)')
    .option('--max-connections <n>', 'maximum TCP connections to the service', '100')
    .option('--max-pending-requests <n>', 'maximum requests waiting for a connection', '100')
    .option('--max-requests-per-connection <n>', 'requests per connection before it is closed (unset: unlimited)')
    .option('--consecutive-5xx-errors <n>', 'consecutive 5xx errors that eject an endpoint', '5')
    .option('--interval <duration>', 'how often endpoints are analysed', '10s')
    .option('--base-ejection-time <duration>', 'minimum ejection time', '30s')
    .option('--max-ejection-percent <p>', 'maximum share of endpoints ejected at once, 0–100 (unset: Istio\'s default, 10)');
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl circuit-break reviews
  meshctl circuit-break reviews --max-connections 1 --max-pending-requests 1 --consecutive-5xx-errors 1 --interval 1s --base-ejection-time 3m`)
    .action(async (named: string | undefined, flags: CircuitBreakFlags) => {
      if (named !== undefined) checkServiceName(named);
      const opts = {
        maxConnections: parseInteger('--max-connections', flags.maxConnections, 1),
        maxPendingRequests: parseInteger('--max-pending-requests', flags.maxPendingRequests, 1),
        maxRequestsPerConnection:
          flags.maxRequestsPerConnection !== undefined ? parseInteger('--max-requests-per-connection', flags.maxRequestsPerConnection, 1) : undefined,
        consecutive5xxErrors: parseInteger('--consecutive-5xx-errors', flags.consecutive5xxErrors, 0),
        interval: parseDuration('--interval', flags.interval),
        baseEjectionTime: parseDuration('--base-ejection-time', flags.baseEjectionTime),
        maxEjectionPercent: flags.maxEjectionPercent !== undefined ? parseInteger('--max-ejection-percent', flags.maxEjectionPercent, 0, 100) : undefined,
      };
      await generateAndPrint(io, flags, (existing, namespace, service) => circuitBreak(existing, { ...opts, service, namespace }),
        { service: named, versions: [], labelKey: 'version', example: 'meshctl circuit-break SERVICE' });
    });
  return cmd;
}
