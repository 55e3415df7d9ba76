/**
 * What a new user's first hour hit, one row per behaviour (issue "First contact"). Each row runs the built CLI
 * in a pipe, with no kubeconfig unless the row gives one, and names itself in its assertion messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { meshctl } from '../helpers/cli.js';
import { normalizeArgv } from '../../src/commands/argv.js';

const dir = mkdtempSync(join(tmpdir(), 'meshctl-first-'));
/** No kubeconfig anywhere: a HOME without .kube and no $KUBECONFIG. */
const NO_CLUSTER = { HOME: dir, KUBECONFIG: '' };
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const SPLIT = file('split.yaml', (await meshctl(['split', 'reviews', 'v1=90', 'v2=10', '-n', 'bookinfo'])).stdout);
const HTTPROUTE = file('httproute.yaml', (await meshctl(['split', 'reviews', 'v1=90', 'v2=10', '--api', 'gateway', '--port', '9080'])).stdout);
const BROKEN = file('broken.yaml', 'kind: VirtualService\nspec: [\n');
const EMPTY = file('empty.yaml', '');
const TWO_NS = file('two-ns.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: y}\n');

interface Row {
  what: string;
  args: string[];
  input?: string;
  code: number;
  stdout?: RegExp;
  stderr?: RegExp;
  notStderr?: RegExp;
  check?: (docs: any[]) => void;
}

const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
const vs = (docs: any[]) => docs.filter((d) => d.kind === 'VirtualService');

const ROWS: Row[] = [
  { what: 'no kubeconfig: a live command is exit 2 with what to set', args: ['status'], code: 2,
    stderr: /^Error: no cluster configured \(set KUBECONFIG, --kubeconfig or ~\/\.kube\/config\)\n$/ },
  { what: 'no kubeconfig: analyze PATHS analyzes the files alone with a notice', args: ['analyze', SPLIT], code: 0,
    stderr: /no cluster configured.*analyzing the files only/ },
  { what: 'no kubeconfig: analyze without paths is exit 2', args: ['analyze'], code: 2, stderr: /no cluster configured/ },
  { what: 'no kubeconfig: the error does not suggest a command that does not exist', args: ['install', '-y', '--version', '1.30.3'], code: 2,
    notStderr: /cluster create/ },
  { what: 'analyze of an unparseable file: 65, and no "no issues" line', args: ['analyze', '--use-kube=false', BROKEN], code: 65,
    stderr: /could not be parsed/, notStderr: /No validation issues/ },
  { what: 'empty stdin for --from: 65, nothing printed', args: ['retry', 'reviews', '--attempts', '2', '--from', '-'], input: '', code: 65,
    stderr: /no manifests found/ },
  { what: 'empty file for --from: 65', args: ['timeout', 'reviews', '2s', '--from', EMPTY], code: 65, stderr: /no manifests found/ },
  { what: 'unparseable --from: 65', args: ['timeout', 'reviews', '2s', '--from', BROKEN], code: 65, stderr: /broken\.yaml:\d+:\d+/ },
  { what: '--from in namespace bookinfo without -n: merged there, not a second VirtualService in default',
    args: ['retry', 'reviews', '--attempts', '2', '--from', SPLIT], code: 0,
    check: (docs) => {
      assert.equal(vs(docs).length, 1);
      assert.equal(vs(docs)[0].metadata.namespace, 'bookinfo');
      assert.equal(vs(docs)[0].spec.http[0].retries.attempts, 2);
      assert.equal(vs(docs)[0].spec.http[0].route.length, 2, 'the split is kept');
    } },
  { what: '--from with resources in two namespaces and no -n: usage error', args: ['timeout', 'reviews', '2s', '--from', TWO_NS], code: 64,
    stderr: /namespaces x, y: pass -n/ },
  { what: 'timeout --from an HTTPRoute edits its timeouts.request, adds no VirtualService',
    args: ['timeout', 'reviews', '2s', '--from', HTTPROUTE], code: 0,
    check: (docs) => {
      assert.equal(vs(docs).length, 0);
      const route = docs.find((d) => d.kind === 'HTTPRoute');
      assert.deepEqual(route.spec.rules.map((r: any) => r.timeouts), [{ request: '2s' }]);
    } },
  { what: 'retry --from an HTTPRoute sets its retry field and backendRequest timeout',
    args: ['retry', 'reviews', '--attempts', '3', '--retry-on', '503', '--per-try-timeout', '1s', '--from', HTTPROUTE], code: 0,
    check: (docs) => {
      assert.equal(vs(docs).length, 0);
      const rule = docs.find((d) => d.kind === 'HTTPRoute').spec.rules[0];
      assert.deepEqual(rule.retry, { attempts: 3, codes: [503] });
      assert.deepEqual(rule.timeouts, { backendRequest: '1s' });
    } },
  { what: 'retry --from an HTTPRoute refuses Envoy retry conditions it cannot express',
    args: ['retry', 'reviews', '--retry-on', '5xx', '--from', HTTPROUTE], code: 64, stderr: /status codes only/ },
  { what: 'a timeout past the longest Go duration is refused', args: ['timeout', 'reviews', '99999999999h'], code: 64, stderr: /too long/ },
  { what: 'an int32 field past 2147483647 is refused', args: ['circuit-break', 'reviews', '--max-connections', '2147483648'], code: 64,
    stderr: /from 1 to 2147483647/ },
  { what: 'a 17-digit number names the range, not "or more"', args: ['circuit-break', 'reviews', '--max-connections', '12345678901234567'], code: 64,
    stderr: /must be a whole number from 1 to 2147483647/ },
  { what: 'expose --gateway NAMESPACE/NAME binds to that Gateway', args: ['expose', 'httpbin', '--port', '8000', '--gateway', 'istio-system/shared-gateway'], code: 0,
    check: (docs) => {
      assert.equal(docs.length, 1, 'no Gateway is created');
      assert.deepEqual(docs[0].spec.gateways, ['istio-system/shared-gateway']);
    } },
  { what: 'expose --gateway with a bad namespace part is refused', args: ['expose', 'httpbin', '--port', '8000', '--gateway', 'Bad_NS/gw'], code: 64,
    stderr: /namespace/ },
  { what: 'install --set without =: usage error before any network', args: ['install', '--set', 'foo'], code: 64, stderr: /--set "foo"/ },
  { what: 'install --timeout without a unit: usage error', args: ['install', '--timeout', '5'], code: 64, stderr: /--timeout "5"/ },
  { what: 'install --timeout 1m30s is a duration like any other', args: ['install', '--timeout', '1m30s', '--set', 'x'], code: 64, stderr: /--set "x"/ },
  { what: 'install -f of a missing file: usage error', args: ['install', '-f', join(dir, 'missing.yaml')], code: 64, stderr: /no such file/ },
  { what: 'circuit-break leaves maxEjectionPercent to Istio (10%) unless given', args: ['circuit-break', 'reviews'], code: 0,
    check: (docs) => assert.equal(docs[0].spec.trafficPolicy.outlierDetection.maxEjectionPercent, undefined) },
  { what: 'circuit-break --max-ejection-percent is written when given', args: ['circuit-break', 'reviews', '--max-ejection-percent', '50'], code: 0,
    check: (docs) => assert.equal(docs[0].spec.trafficPolicy.outlierDetection.maxEjectionPercent, 50) },
  { what: 'version without a cluster: the client version, exit 0', args: ['version', '-o', 'json'], code: 0, stdout: /"client": "\d+\.\d+\.\d+"/ },
  { what: 'version --client --short: the bare version', args: ['version', '--client', '--short'], code: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  { what: '-o=json is accepted as kubectl accepts it', args: ['split', 'reviews', 'v1=100', '-o=json'], code: 0, stdout: /^\{/ },
  { what: 'kubectl-style flags before the subcommand', args: ['-n', 'bookinfo', 'split', 'reviews', 'v1=100'], code: 0,
    check: (docs) => assert.ok(docs.every((d) => d.metadata.namespace === 'bookinfo')) },
  { what: 'versions named like YAML 1.1 booleans are quoted, so kubectl reads them as strings', args: ['split', 'reviews', 'on=90', 'off=10'], code: 0,
    stdout: /subset: "on"[\s\S]*subset: "off"[\s\S]*name: "on"[\s\S]*version: "on"/ },
  { what: 'an unknown flag before the subcommand is still a usage error', args: ['--bogus', 'split', 'reviews', 'v1=100'], code: 64 },
];

for (const row of ROWS) {
  test(`first contact: ${row.what}`, async () => {
    const r = await meshctl(row.args, { input: row.input, env: NO_CLUSTER });
    const where = `meshctl ${row.args.join(' ')} → ${r.code}\nstderr: ${r.stderr}`;
    assert.equal(r.code, row.code, where);
    if (row.code !== 0) {
      assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace: ${where}`);
      if (row.code !== 79) assert.equal(r.stdout, '', `nothing on stdout: ${where}`);
    }
    if (row.stdout) assert.match(r.stdout, row.stdout, where);
    if (row.stderr) assert.match(r.stderr, row.stderr, where);
    if (row.notStderr) assert.doesNotMatch(r.stderr, row.notStderr, where);
    if (row.check) row.check(docsOf(r.stdout));
  });
}

test('normalizeArgv: -X=value split, leading kubectl flags moved after the subcommand, -- kept last', () => {
  const rows: [string[], string[]][] = [
    [['split', 'reviews', 'v1=100', '-o=json'], ['split', 'reviews', 'v1=100', '-o', 'json']],
    [['-n', 'bookinfo', 'split', 'reviews', 'v1=100'], ['split', 'reviews', 'v1=100', '-n', 'bookinfo']],
    [['--context=kind-mesh', '--verbose', 'status'], ['status', '--context=kind-mesh', '--verbose']],
    [['-n', 'x', 'analyze', '--', '-n'], ['analyze', '-n', 'x', '--', '-n']],
    [['--bogus', 'split'], ['--bogus', 'split']],
    [['-n'], ['-n']],
  ];
  for (const [input, want] of rows) assert.deepEqual(normalizeArgv(input), want, input.join(' '));
});
