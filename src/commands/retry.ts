import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { checkServiceName, listOf, parseDuration, parseInteger } from '../generate/args.js';
import { retry } from '../generate/resilience.js';
import { isRetryCondition, RETRY_ON } from '../manifests/syntax.js';
import { UsageError } from '../ui/errors.js';
import { generateAndPrint, withGeneratorFlags, type GeneratorFlags } from './generator-flags.js';

interface RetryFlags extends GeneratorFlags {
  attempts: string;
  perTryTimeout?: string;
  retryOn?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('retry')
    .summary('retry failed requests to a service')
    .description('Retry failed requests to a service: sets retries on every HTTP route of its VirtualService.')
    .argument('[service]', 'the service (inferred when left out: the one service --from routes, else the one service the namespace\'s\n' +
      'VirtualServices, DestinationRules and HTTPRoutes route)')
    .option('--attempts <n>', 'number of retries', '3')
    .option('--per-try-timeout <duration>', 'timeout of each try (e.g. 2s)')
    .option('--retry-on <conditions>', `comma-separated conditions: ${RETRY_ON.join(', ')}, or status codes`);
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl retry ratings --attempts 3 --per-try-timeout 2s --retry-on 5xx,reset,connect-failure
  meshctl split reviews v1=90 v2=10 | meshctl retry --from -   # the service the input routes`)
    .action(async (named: string | undefined, flags: RetryFlags) => {
      if (named !== undefined) checkServiceName(named);
      const attempts = parseInteger('--attempts', flags.attempts, 0, 1000);
      const perTryTimeout = flags.perTryTimeout !== undefined ? parseDuration('--per-try-timeout', flags.perTryTimeout) : undefined;
      const retryOn = flags.retryOn !== undefined ? listOf([flags.retryOn]) : undefined;
      for (const c of retryOn ?? []) {
        if (!isRetryCondition(c)) {
          throw new UsageError(`--retry-on "${c}" is not a retry condition (use ${RETRY_ON.join(', ')}, or an HTTP status code)`);
        }
      }
      await generateAndPrint(io, flags, (existing, namespace, service) => retry(existing, { service, namespace, attempts, perTryTimeout, retryOn }),
        { service: named, versions: [], labelKey: 'version', example: 'meshctl retry SERVICE' });
    });
  return cmd;
}
