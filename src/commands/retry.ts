import { Command } from 'commander';
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

export function command(): Command {
  const cmd = new Command('retry')
    .summary('retry failed requests to a service')
    .description('Retry failed requests to a service: sets retries on every HTTP route of its VirtualService.')
    .argument('<service>', 'the service whose requests are retried')
    .option('--attempts <n>', 'number of retries', '3')
    .option('--per-try-timeout <duration>', 'timeout of each try (e.g. 2s)')
    .option('--retry-on <conditions>', `comma-separated conditions: ${RETRY_ON.join(', ')}, or status codes`);
  withGeneratorFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl retry ratings --attempts 3 --per-try-timeout 2s --retry-on 5xx,reset,connect-failure
  meshctl split reviews v1=90 v2=10 | meshctl retry reviews --from -`)
    .action(async (service: string, flags: RetryFlags) => {
      checkServiceName(service);
      const attempts = parseInteger('--attempts', flags.attempts, 0, 1000);
      const perTryTimeout = flags.perTryTimeout !== undefined ? parseDuration('--per-try-timeout', flags.perTryTimeout) : undefined;
      const retryOn = flags.retryOn !== undefined ? listOf([flags.retryOn]) : undefined;
      for (const c of retryOn ?? []) {
        if (!isRetryCondition(c)) {
          throw new UsageError(`--retry-on "${c}" is not a retry condition (use ${RETRY_ON.join(', ')}, or an HTTP status code)`);
        }
      }
      await generateAndPrint(flags, (existing, namespace) => retry(existing, { service, namespace, attempts, perTryTimeout, retryOn }));
    });
  return cmd;
}
