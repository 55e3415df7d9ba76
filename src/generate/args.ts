/**
 * Parsers for the arguments of the traffic generators. Each returns a typed value or throws a
 * UsageError whose message names the argument and the rule it broke.
 */
import { UsageError } from '../ui/errors.js';
import { DNS1035_LABEL, DNS1123_LABEL, durationMs, isLabelKey, isLabelValue, durationProblem, HEADER_NAME, INT32_MAX, re2Problem } from '../manifests/syntax.js';

/** A namespace or object name: a DNS-1123 label (lowercase alphanumerics and '-', at most 63 characters). */
export function checkDnsLabel(what: string, value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new UsageError(
      `${what} ${quoted(value)} is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
    );
  }
  return value;
}

/** A Service name: a DNS-1035 label (as DNS-1123, but starting with a letter). */
export function checkServiceName(value: string): string {
  if (value.length > 63 || !DNS1035_LABEL.test(value)) {
    throw new UsageError(
      `service ${quoted(value)} is not a valid Service name (lowercase letters, digits and '-', starting with a letter, at most 63 characters)`,
    );
  }
  return value;
}

/** One version and its weight, as given to `split`. */
export interface VersionWeight {
  version: string;
  weight: number;
}

/**
 * Parses `v1=90 v2=10`, `v1=90,v2=10` or `v1=90%` into versions and integer weights that sum to 100.
 */
export function parseWeights(args: string[]): VersionWeight[] {
  const items = args.flatMap((a) => a.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError('split needs at least one VERSION=WEIGHT (for example v1=90 v2=10)');
  const seen = new Set<string>();
  const out: VersionWeight[] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`weight ${quoted(item)}: expected VERSION=WEIGHT, for example v1=90`);
    const version = item.slice(0, eq);
    const raw = item.slice(eq + 1).replace(/%$/, '');
    checkDnsLabel(`version in ${quoted(item)}`, version);
    if (!/^\d+$/.test(raw)) {
      throw new UsageError(`weight ${quoted(item)}: the weight must be a whole number from 0 to 100`);
    }
    const weight = Number(raw);
    if (weight > 100) throw new UsageError(`weight ${quoted(item)}: the weight must be a whole number from 0 to 100`);
    if (seen.has(version)) throw new UsageError(`weight ${quoted(item)}: version ${quoted(version)} is given more than once`);
    seen.add(version);
    out.push({ version, weight });
  }
  const sum = out.reduce((s, v) => s + v.weight, 0);
  if (sum !== 100) throw new UsageError(`weights ${items.join(' ')} add up to ${sum}; they must add up to 100`);
  return out;
}

/**
 * A duration as Istio takes it (`500ms`, `2s`, `1m30s`): digits with a unit, at least 1ms (Istio's minimum)
 * and at most the longest Go duration (about 292 years), which is what Kubernetes' CEL and Envoy accept.
 */
export function parseDuration(what: string, value: string): string {
  const why = durationProblem(value);
  if (why) throw new UsageError(`${what} ${quoted(value)} ${why}`);
  return value;
}

/** `parseDuration`, in milliseconds (for meshctl's own waits: `--timeout 5m`, `--timeout 1m30s`). */
export function parseDurationMs(what: string, value: string): number {
  return durationMs(parseDuration(what, value));
}

/** A percentage from 0 to 100 (fractions allowed: 0.5). */
export function parsePercent(what: string, value: string): number {
  if (!/^\d+(\.\d+)?%?$/.test(value)) throw new UsageError(`${what} ${quoted(value)} is not a number from 0 to 100`);
  const n = Number(value.replace(/%$/, ''));
  if (n > 100) throw new UsageError(`${what} ${quoted(value)} is over 100`);
  return n;
}

/** A whole number in [min, max]; by default max is the largest int32, the type of Istio's count fields. */
export function parseInteger(what: string, value: string, min: number, max = INT32_MAX): number {
  // compared as digits, so that numbers past 2^53 are not rounded into range
  const digits = value.replace(/^0+(?=\d)/, '');
  const within = (n: number) => digits.length < String(n).length || (digits.length === String(n).length && digits <= String(n));
  if (!/^\d+$/.test(value) || !within(max) || Number(digits) < min) {
    throw new UsageError(`${what} ${quoted(value)} must be a whole number from ${min} to ${max}`);
  }
  return Number(digits);
}

/** A port number, 1–65535. */
export function parsePort(what: string, value: string): number {
  return parseInteger(what, value, 1, 65535);
}

/** `key=value[,key=value…]` label selectors (`app=productpage`). */
export function parseLabels(what: string, values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of values.flatMap((v) => v.split(','))) {
    const eq = item.trim().indexOf('=');
    const [key, value] = eq === -1 ? ['', ''] : [item.trim().slice(0, eq), item.trim().slice(eq + 1)];
    if (!isLabelKey(key) || !isLabelValue(value)) throw new UsageError(`${what} ${quoted(item)}: expected KEY=VALUE with a valid label key and value`);
    labels[key] = value;
  }
  return labels;
}

/** A label key given on its own (`--label-key version`). */
export function checkLabelKey(what: string, key: string): string {
  if (!isLabelKey(key)) throw new UsageError(`${what} ${quoted(key)} is not a valid label key (an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' or '.')`);
  return key;
}

/** A value as an error message shows it: quoted, with line breaks and control characters escaped. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/** A string match as Istio writes it. */
export type StringMatch = { exact: string } | { prefix: string } | { regex: string };

/** One request match (`--match`), conditions ANDed. */
export interface RequestMatch {
  uri?: StringMatch;
  method?: StringMatch;
  headers?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
}

/**
 * Parses `--match` values into one Istio HTTPMatchRequest. Forms:
 * `header:NAME=VALUE` (exact), `header:NAME^=PREFIX`, `header:NAME~=REGEX`, the same for `query:NAME`,
 * and `uri=/exact`, `uri^=/prefix`, `uri~=regex`, `method=GET`.
 */
export function parseMatches(values: string[]): RequestMatch {
  const match: RequestMatch = {};
  for (const value of values) {
    const m = /^(header|query|uri|method)(?::([^=^~]+))?(\^=|~=|=)(.*)$/.exec(value);
    if (!m) {
      throw new UsageError(
        `--match ${quoted(value)}: expected header:NAME=VALUE, header:NAME^=PREFIX, header:NAME~=REGEX, uri=/path, uri^=/prefix, uri~=REGEX or method=GET`,
      );
    }
    const [, field, name, op, operand] = m;
    if (operand === '') throw new UsageError(`--match ${quoted(value)}: the value is empty`);
    const sm: StringMatch = op === '=' ? { exact: operand } : op === '^=' ? { prefix: operand } : { regex: operand };
    if (op === '~=') checkRe2(`--match ${quoted(value)}`, operand);
    if (field === 'header' || field === 'query') {
      if (!name) throw new UsageError(`--match ${quoted(value)}: ${field} needs a name (${field}:NAME=VALUE)`);
      if (field === 'header' && !HEADER_NAME.test(name)) throw new UsageError(`--match ${quoted(value)}: "${name}" is not a valid header name`);
      const key = field === 'header' ? 'headers' : 'queryParams';
      const table = (match[key] ??= {});
      table[field === 'header' ? name.toLowerCase() : name] = sm;
    } else {
      if (name) throw new UsageError(`--match ${quoted(value)}: ${field} takes no name (${field}=VALUE)`);
      if (field === 'uri' && 'exact' in sm && !sm.exact.startsWith('/')) throw new UsageError(`--match ${quoted(value)}: a uri must start with /`);
      if (field === 'uri' && 'prefix' in sm && !sm.prefix.startsWith('/')) throw new UsageError(`--match ${quoted(value)}: a uri prefix must start with /`);
      if (match[field as 'uri' | 'method']) throw new UsageError(`--match ${quoted(value)}: ${field} is matched more than once`);
      match[field as 'uri' | 'method'] = sm;
    }
  }
  return match;
}

/** Checks that a regular expression is one Envoy's RE2 engine accepts. */
export function checkRe2(what: string, pattern: string): void {
  const why = re2Problem(pattern);
  if (why) throw new UsageError(`${what}: ${why}`);
}

/** Values of a repeatable flag that may also be comma-separated (`--methods GET,POST --methods PUT`). */
export function listOf(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}
