/** Parsers of flag values shared by several commands (repeatable flags, --timeout). */
import { parseDurationMs } from '../generate/args.js';
import { UsageError } from '../ui/errors.js';

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses `--timeout` (5m, 300s, 1m30s…: a unit is required, as in kubectl) into milliseconds. */
export function parseTimeout(value: string): number {
  const ms = parseDurationMs('--timeout', value);
  // a timer cannot wait longer than 2^31-1 ms (about 24 days)
  if (ms > 2_147_483_647) throw new UsageError(`--timeout "${value}" is too long (at most 596h)`);
  return ms;
}
