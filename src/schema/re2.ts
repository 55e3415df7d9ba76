/**
 * Regular expressions as the apiserver evaluates them: RE2 syntax and semantics (Go's regexp), in linear time.
 * CRD `pattern`s and CEL `matches()` go through here, so `(?i)` works as in Kubernetes and no pattern can make
 * validation backtrack for seconds on a long value. (re2js: a JavaScript port of RE2.)
 */
import { RE2JS } from 're2js';

const compiled = new Map<string, RE2JS>();

function compile(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether `pattern` (RE2 syntax) matches somewhere in `value`, as Go's regexp.MatchString; throws on a bad pattern. */
export function re2Matches(value: string, pattern: string): boolean {
  return compile(pattern).matcher(value).find();
}

/**
 * The regular expression engine for Ajv (its `code.regExp` option): a pattern compiled with RE2. `code` is how
 * validators compiled ahead of time refer to it (scripts/compile-validators.mjs turns it into an import).
 */
export const re2RegExp = Object.assign((pattern: string): { test(value: string): boolean; toString(): string } => {
  const re = compile(pattern);
  // Ajv tells patterns apart by toString(), as it would RegExps
  return { test: (value: string) => re.matcher(value).find(), toString: () => `re2:${pattern}` };
}, { code: 'require("meshctl:re2")' });

/** Whether `pattern` (RE2 syntax) matches the whole of `value`, as Envoy's `safe_regex` matchers do. */
export function re2FullMatch(value: string, pattern: string): boolean {
  return compile(pattern).matcher(value).matches();
}
