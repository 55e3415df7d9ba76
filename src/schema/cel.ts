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
    meterEvaluation(env);
    return registerUrlLibrary(env);
  });
  return environment;
}

/**
 * The apiserver's runtime limits on CEL (k8s.io/apiserver/pkg/apis/cel/config.go): one evaluation of a rule may
 * cost at most PerCallLimit, and all the rules run on one object together at most RuntimeCELCostBudget.
 */
export const CEL_PER_CALL_LIMIT = 1_000_000;
export const CEL_OBJECT_BUDGET = 10_000_000;

/** What is left of one object's CEL budget; rules run on the object draw from it in turn. */
export interface CelBudget {
  remaining: number;
}

/** A rule stopped at the per-call limit: the apiserver runs no further rule on the object. */
export class CelCallLimit extends Error {}
/** A rule that ran but cost more than the object's budget had left: no further rule runs either. */
export class CelBudgetExhausted extends Error {}

/**
 * Cost of one evaluation step in cel-go's units, as the apiserver counts them: identifiers, selections, indexing,
 * calls and comparisons 1; constants and the logical operators free; list and map literals 10 and 30. The steps
 * cel-js adds to run a macro cost what cel-go's do: each step of a quantifier (all, exists, exists_one) 3 (its
 * loop condition and accumulator), each item a map or filter adds 12 (`accu + [x]`). Checked against the
 * apiserver: the largest list under the limit for one evaluation is the same for `self.all(a, self.all(b, true))`
 * (576), `… a == b || true` (407) and `… a == b || a != b` (333), and 573 here against 572 for
 * `self.map(a, self.filter(b, b == a))`. cel-go charges string comparisons and functions by length (a tenth per
 * character); here each costs 1, so rules on strings longer than ten characters cost less here than there.
 */
const STEP_COST: Record<string, number> = { value: 0, '&&': 0, '||': 0, '?:': 0, accuValue: 0, accuPush: 12, accuInc: 0, list: 10, map: 30 };
/** The step of each comprehension met, with what one of its iterations costs beyond its predicate. */
const LOOP_STEP_COST = new WeakMap<object, number>();
/** A macro's call runs its comprehension without coming back through `run`: its step is known from the call. */
function noteLoop(ast: { meta?: { alternate?: any } }): void {
  const loop = ast.meta?.alternate;
  if (loop?.op === 'comprehension' && !LOOP_STEP_COST.has(loop.args.step)) LOOP_STEP_COST.set(loop.args.step, loop.args.kind === 'quantifier' ? 3 : 0);
}
let spent = 0;
let stopAt = Infinity;

/**
 * Counts the cost of every evaluation step of cel-js and stops an evaluation once it passes `stopAt`: cel-js has
 * no cost tracking of its own, and every node it evaluates (every comprehension step too) goes through its
 * evaluator's `run`, which is wrapped here once for the process. The evaluator is reached through the argument of
 * a probe expression's root node (cel-js does not export it).
 */
function meterEvaluation(env: any): void {
  const probe = env.parse('0');
  let evaluator: any;
  const rootEvaluate = probe.ast.evaluate;
  probe.ast.evaluate = function (ev: any, ast: unknown, ctx: unknown) {
    evaluator = ev;
    return rootEvaluate.call(this, ev, ast, ctx);
  };
  probe({});
  const proto = evaluator && Object.getPrototypeOf(evaluator);
  if (typeof proto?.run !== 'function') throw new Error('the CEL evaluator changed: its cost cannot be counted (no Evaluator.run)');
  if (proto.run.metered) return;
  const run = proto.run;
  const metered = function (this: unknown, ast: { op: string; meta?: { alternate?: any } }, ctx: unknown) {
    noteLoop(ast);
    spent += LOOP_STEP_COST.get(ast) ?? STEP_COST[ast.op] ?? 1;
    if (spent > stopAt) throw new CelCallLimit('operation cancelled: actual cost limit exceeded');
    return run.call(this, ast, ctx);
  };
  metered.metered = true;
  proto.run = metered;
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
  | { covered: true; rule: CelRule; evaluate(self: unknown, budget?: CelBudget): boolean | Error }
  | { covered: false; rule: CelRule; why: string };

/** The functions a rule calls (names before "("). */
export function functionsOf(expression: string): string[] {
  const stripped = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return [...new Set([...stripped.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1]))];
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
    noteLoop(parsed.ast); // the root is evaluated without `run`
    fn = (ctx) => parsed(ctx);
  } catch (err) {
    return { covered: false, rule, why: `does not parse: ${(err as Error).message.split('\n')[0]}` };
  }
  return {
    covered: true,
    rule,
    evaluate(self, budget = { remaining: CEL_OBJECT_BUDGET }) {
      spent = 1; // the root step
      stopAt = CEL_PER_CALL_LIMIT;
      let result: boolean | Error;
      try {
        result = fn({ self }) === true;
      } catch (err) {
        result = err as Error;
      } finally {
        stopAt = Infinity;
      }
      // cel-js absorbs some errors (`false || error`, quantifiers): the limit counts whatever the result says
      if (spent > CEL_PER_CALL_LIMIT) return result instanceof CelCallLimit ? result : new CelCallLimit('operation cancelled: actual cost limit exceeded');
      if (spent > budget.remaining) return new CelBudgetExhausted('validation failed due to running out of cost budget');
      budget.remaining -= spent;
      return result;
    },
  };
}
