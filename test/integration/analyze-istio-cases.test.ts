/**
 * Istio's own analyzer expectations (the testGrid of its analyzers_test.go, parsed at test time from the Istio
 * module in Go's module cache): each case's input files through meshctl's library with only the analyzer of the
 * same name, and through the built istioctl (`analyze --use-kube=false -A`, restricted to the case's codes).
 * meshctl must give every expected message except the known misses below, and no message Istio does not expect;
 * both tools' figures are printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireIstioctl, upstreamVersions } from '../harness/upstream.js';
import { caseCodes, compare, istioAnalyzerCases, istioModuleDir, runIstioCase } from '../helpers/istio-analyzer-cases.js';

/** Istio's analyzers meshctl does not implement, and why (none now; an entry here must say why). */
const NOT_IMPLEMENTED: Record<string, string> = {};

test('Istio\'s analyzer test cases: meshctl gives the messages Istio expects, and none it does not', async () => {
  const cases = istioAnalyzerCases(istioModuleDir(upstreamVersions().ISTIO_MODULE_VERSION));
  assert.ok(cases.length >= 90, `${cases.length} cases parsed from Istio's testGrid`);
  // the only cases not run: one outside istioctl's analyzers, one of a schema-validation analyzer (its messages,
  // IST0130/IST0131 from Istio's validation, are in the differential test's fixtures)
  assert.deepEqual(cases.skipped.map((c) => c.name).sort(), ['alpha', 'dupmatches'], JSON.stringify(cases.skipped));
  const istioctl = requireIstioctl();
  let expected = 0;
  let matched = 0;
  const extra: string[] = [];
  const missed: string[] = [];
  let istioctlMatched = 0;
  let istioctlExtra = 0;
  for (const c of cases) {
    const r = await runIstioCase(c);
    expected += c.expected.length;
    matched += r.matched.length;
    extra.push(...r.extra.map((e) => `${c.name}: ${e}`));
    if (!r.implemented) assert.ok(NOT_IMPLEMENTED[c.analyzer], `${c.analyzer} (case ${c.name}) is not implemented and not listed`);
    else missed.push(...r.missed.map((m) => `${c.name}: ${m}`));
    const args = ['analyze', '--use-kube=false', '-A', '-o', 'json', ...(c.meshConfigFile ? ['--meshConfigFile', c.meshConfigFile] : []), ...c.inputFiles];
    const out = spawnSync(istioctl, args, { encoding: 'utf8', timeout: 60_000 });
    const codes = caseCodes(c);
    const given = out.stdout.trim().startsWith('[') ? JSON.parse(out.stdout).filter((m: any) => codes.has(m.code)).map((m: any) => `${m.code} ${m.origin}`) : [];
    const i = compare(c.expected, given);
    istioctlMatched += i.matched.length;
    istioctlExtra += i.extra.length;
  }
  console.log(`Istio's analyzer cases: ${cases.length}; expected messages ${expected}; meshctl gives ${matched} (${(100 * matched / expected).toFixed(1)}%), ` +
    `${extra.length} unexpected; istioctl --use-kube=false on the same files gives ${istioctlMatched} (${(100 * istioctlMatched / expected).toFixed(1)}%), ${istioctlExtra} unexpected`);
  assert.deepEqual(missed, [], 'every expected message of an implemented analyzer');
  assert.deepEqual(extra, [], 'no message Istio\'s test does not expect');
});

test('src/analyze/istio.gen.ts is what scripts/gen-analysis-tables.mjs generates from the Istio module the tests build from', () => {
  const script = fileURLToPath(new URL('../../../scripts/gen-analysis-tables.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
