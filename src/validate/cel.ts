/**
 * Kubernetes CEL validation rules (`x-kubernetes-validations`) evaluated with @marcbachmann/cel-js.
 * Kubernetes' URL library is added (cel-url.ts); rules that use other functions outside standard CEL and the
 * string extension (Kubernetes' quantity or format libraries) are reported as not covered rather than guessed;
 * so are transition rules (oldSelf), which need the previous object.
 */

import { registerUrlLibrary, URL_FUNCTIONS } from './cel-url.js';
import { re2Matches } from './re2.js';
import { DURATION, durationMs, MAX_DURATION_MS } from '../manifests/syntax.js';

/** Functions and macros the evaluator supports (standard CEL plus the strings extension). */
const SUPPORTED = new Set([
  'has', 'size', 'all', 'exists', 'exists_one', 'map', 'filter', 'contains', 'startsWith', 'endsWith', 'matches',
  'duration', 'timestamp', 'int', 'uint', 'double', 'string', 'bool', 'bytes', 'type', 'dyn',
  'substring', 'charAt', 'indexOf', 'lastIndexOf', 'lowerAscii', 'upperAscii', 'replace', 'split', 'trim', 'join',
  'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds', ...URL_FUNCTIONS,
]);

let environment: Promise<any> | undefined;
/**
 * One cel-js environment for every rule: standard CEL, undeclared variables as dyn, Kubernetes' URL library,
 * `duration()` bounded as Kubernetes' cel-go bounds it (a Go time.Duration, about 292 years), and `matches()` with
 * RE2 as cel-go's (cel-js's uses JavaScript's RegExp: no `(?i)`, and backtracking). cel-js's own cannot be
 * overridden, so rules call them as `boundedDuration()` and `re2Matches()` (see withKubernetesFunctions).
 */
function celEnvironment(): Promise<any> {
  environment ??= import('@marcbachmann/cel-js').then(({ Environment }) => {
    // cel-js's own duration(), parsed once and called for every bounded duration
    const toDuration = new Environment({ unlistedVariablesAreDyn: true }).parse('duration(text)');
    const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
    env.registerFunction('boundedDuration(string): google.protobuf.Duration', (text: string) => {
      if (DURATION.test(text) && durationMs(text) > MAX_DURATION_MS) throw new Error(`invalid duration ${JSON.stringify(text)}: out of range`);
      return toDuration({ text });
    });
    const matches = (value: string, pattern: string): boolean => {
      try {
        return re2Matches(value, pattern);
      } catch (err) {
        throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`, { cause: err });
      }
    };
    env.registerFunction('string.re2Matches(string): bool', matches);
    env.registerFunction('re2Matches(string, string): bool', matches);
    return registerUrlLibrary(env);
  });
  return environment;
}

/** The rule with `duration(` and `matches(` calls (outside string literals) turned into `boundedDuration(` and `re2Matches(`. */
function withKubernetesFunctions(rule: string): string {
  return rule.split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\bduration\(/g, 'boundedDuration(').replace(/\bmatches\(/g, 're2Matches('))).join('');
}

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

export type CompiledRule =
  | { covered: true; rule: CelRule; evaluate(self: unknown): boolean | Error }
  | { covered: false; rule: CelRule; why: string };

/** The functions a rule calls (names before "("). */
export function functionsOf(expression: string): string[] {
  const stripped = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return [...new Set([...stripped.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1]))];
}

/** Compiles a rule, or says why it is not covered. */
export async function compileRule(rule: CelRule): Promise<CompiledRule> {
  return (await celCompiler())(rule);
}

/** A synchronous rule compiler (once the evaluator is loaded), for compiling rules only where an object needs them. */
export async function celCompiler(): Promise<(rule: CelRule) => CompiledRule> {
  const env = await celEnvironment();
  return (rule) => compileWith(env, rule);
}

function compileWith(env: any, rule: CelRule): CompiledRule {
  if (/\boldSelf\b/.test(rule.rule)) return { covered: false, rule, why: 'transition rule (uses oldSelf)' };
  if (/\bhas\(\s*[^()]*\[/.test(rule.rule)) return { covered: false, rule, why: 'has() on an indexed expression, which the evaluator does not support' };
  const unsupported = functionsOf(rule.rule).filter((f) => !SUPPORTED.has(f));
  if (unsupported.length > 0) return { covered: false, rule, why: `uses ${unsupported.join(', ')} (Kubernetes CEL library)` };
  let fn: (ctx: Record<string, unknown>) => unknown;
  try {
    const parsed = env.parse(withKubernetesFunctions(rule.rule));
    fn = (ctx) => parsed(ctx);
  } catch (err) {
    return { covered: false, rule, why: `does not parse: ${(err as Error).message.split('\n')[0]}` };
  }
  return {
    covered: true,
    rule,
    evaluate(self) {
      try {
        return fn({ self }) === true;
      } catch (err) {
        return err as Error;
      }
    },
  };
}
