/**
 * Differential test: the real istioctl's `validate` (Istio's own validation, built from the Istio module the
 * tests use) and `meshctl validate` (bundled schemas, offline) on every validate fixture. For every object,
 * the verdicts (any error, or none) must agree, except where the fixture documents the difference with a line
 *   # istioctl-differs: Kind/name: reason
 * Files that cannot be parsed must be refused by both. istioctl needs no cluster for this (KUBECONFIG is empty).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayApiModuleDir, yamlFilesUnder } from '../harness/crds.js';
import { istioTestCases } from '../harness/istio-cases.js';
import { istioctlValidates, requireIstioctl } from '../harness/upstream.js';
import { runCli } from '../helpers/cli.js';
import { loadSources } from '../../src/manifests/documents.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/validate/', import.meta.url));
const files = ['good', 'bad'].flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, d, f)));

/** The objects istioctl validate reports errors for, as `Kind/name` (a List's errors name every item of it). */
function istioctlErrors(istioctl: string, file: string, listItems: string[]): { code: number | null; ids: Set<string>; text: string } {
  const r = spawnSync(istioctl, ['validate', '-f', file], { env: { ...process.env, KUBECONFIG: '' } });
  const text = r.stdout.toString() + r.stderr.toString();
  const at = text.search(/^Error: /m);
  const ids = new Set<string>();
  if (at !== -1) {
    for (const m of text.slice(at).matchAll(/^\t\* ([^/\s]+)\/([^/\s]*)\/?(\S*?): /gm)) {
      // "Kind/namespace/name" or "Kind/name"
      const [kind, a, b] = [m[1], m[2], m[3]];
      if (kind === 'List') listItems.forEach((i) => ids.add(i));
      else ids.add(`${kind}/${b || a}`);
    }
  }
  return { code: r.status, ids, text };
}

test('istioctl validate and meshctl validate agree on every fixture object, apart from the differences each fixture documents', async () => {
  const istioctl = requireIstioctl();
  let compared = 0;
  let agreed = 0;
  const documented: string[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const name = file.slice(FIXTURES.length);
    const text = readFileSync(file, 'utf8');
    const declared = new Map([...text.matchAll(/^# istioctl-differs: (\S+): (.+)$/gm)].map((m) => [m[1], m[2]]));
    const mine = await runCli(['validate', file, '-o', 'json'], { env: { KUBECONFIG: '' } });
    const { objects, problems: parse } = await loadSources([file]);
    if (parse.length > 0) {
      const theirs = istioctlErrors(istioctl, file, []);
      compared++;
      if (theirs.code === 0 || mine.code !== 65) problems.push(`${name}: unparseable, but istioctl exit ${theirs.code}, meshctl exit ${mine.code}`);
      else agreed++;
      continue;
    }
    const listItems = /^kind: List$/m.test(text) ? objects.map((o) => `${o.object.kind}/${o.object.metadata?.name}`) : [];
    const theirs = istioctlErrors(istioctl, file, listItems);
    const findings: any[] = JSON.parse(mine.stdout).findings;
    const seen = new Set<string>();
    for (const { object: o } of objects) {
      const id = `${o.kind}/${o.metadata?.name}`;
      seen.add(id);
      const meshctlRefuses = findings.some((f) => f.severity === 'error' && f.kind === o.kind && f.name === o.metadata?.name);
      const istioctlRefuses = theirs.ids.has(id);
      compared++;
      if (meshctlRefuses === istioctlRefuses) {
        agreed++;
        if (declared.has(id)) problems.push(`${name} ${id}: documented as a difference, but both ${meshctlRefuses ? 'refuse' : 'accept'} it`);
      } else if (declared.has(id)) {
        documented.push(`${name} ${id} (meshctl ${meshctlRefuses ? 'refuses' : 'accepts'}): ${declared.get(id)}`);
      } else {
        problems.push(`${name} ${id}: meshctl ${meshctlRefuses ? 'refuses' : 'accepts'}, istioctl ${istioctlRefuses ? 'refuses' : 'accepts'}\n${theirs.text}`);
      }
    }
    for (const id of declared.keys()) if (!seen.has(id)) problems.push(`${name}: documents ${id}, which the file does not have`);
  }
  process.stderr.write(`istioctl validate vs meshctl validate: ${compared} objects or files compared, ${agreed} agree, ${documented.length} documented differences:\n${documented.map((d) => `  ${d}`).join('\n')}\n`);
  assert.deepEqual(problems, []);
  assert.ok(compared >= 60, `compared ${compared}`);
});

test('schemas/istio-operator.json is what scripts/gen-istio-operator-schema.mjs generates from the Istio module (the shapes istioctl decodes an IstioOperator into)', () => {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'gen-istio-operator-schema.mjs'), '--check'], { cwd: repo, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /is up to date/);
});

test('IstioOperator install overlays: meshctl refuses what istioctl\'s decoding refuses (unknown fields and wrong types in the spec, the components\' k8s and the values) and accepts what it accepts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-iop-'));
  const spec = (text: string) => `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: x}\nspec:\n${text}`;
  const cases: Record<string, string> = {
    'values: an unknown field': '  values:\n    global:\n      proxyy: {}\n',
    'values: a proto name (snake case) is accepted': '  values:\n    istio_cni:\n      enabled: true\n',
    'values: a numeric string for an integer is accepted': '  values:\n    pilot:\n      replicaCount: "2"\n',
    'values: a word for an integer': '  values:\n    pilot:\n      replicaCount: two\n',
    'values: a string for a boolean': '  values:\n    pilot:\n      autoscaleEnabled: "yes"\n',
    'k8s: an unknown field': '  components:\n    pilot:\n      k8s:\n        replicaCountt: 2\n',
    'k8s: an unknown field deep in a Kubernetes type': '  components:\n    pilot:\n      k8s:\n        resources:\n          requestz: {cpu: 1}\n',
    'k8s: quantities as strings or numbers are accepted': '  components:\n    pilot:\n      k8s:\n        resources:\n          requests: {cpu: 100m, memory: 1}\n',
    'k8s: a gateway with a label map and an env list is accepted': '  components:\n    ingressGateways:\n    - name: gw\n      enabled: true\n      label: {app: gw}\n      k8s:\n        env:\n        - {name: A, value: b}\n',
    'meshConfig: unknown fields are not decoded strictly (accepted)': '  meshConfig:\n    accessLogFilee: /dev/stdout\n',
    'an unknown spec field': '  bogus: 1\n',
    'an unknown component': '  components:\n    pilots:\n      enabled: true\n',
  };
  const differ: string[] = [];
  let refused = 0;
  for (const [name, text] of Object.entries(cases)) {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, spec(text));
    const meshctl = (await runCli(['validate', file])).code === 0;
    const istioctl = istioctlValidates(file);
    if (!istioctl) refused++;
    if (meshctl !== istioctl) differ.push(`${name}: meshctl ${meshctl ? 'accepts' : 'refuses'}, istioctl ${istioctl ? 'accepts' : 'refuses'}`);
  }
  assert.deepEqual(differ, []);
  assert.ok(refused >= 6, `istioctl refuses ${refused} of the cases`);
});

test('the Gateway API module\'s own examples: meshctl accepts every valid one and refuses every invalid one (istioctl, which does not check Gateway API schemas, refuses none)', async () => {
  const dir = gatewayApiModuleDir();
  const figures: string[] = [];
  for (const channel of ['standard', 'experimental']) {
    const valid = yamlFilesUnder(join(dir, 'examples', channel));
    const r = await runCli(['validate', '--gateway-api-channel', channel, ...valid, '-o', 'json']);
    assert.equal(r.code, 0, `${channel} examples: ${r.stdout.slice(0, 2000)}`);
    assert.equal(JSON.parse(r.stdout).summary.unchecked, 0, 'every example is schema-checked');
    const invalid = yamlFilesUnder(join(dir, 'hack', 'invalid-examples', channel));
    const accepted: string[] = [];
    let istioctlRefused = 0;
    for (const file of invalid) {
      const v = await runCli(['validate', '--gateway-api-channel', channel, file]);
      if (v.code !== 65) accepted.push(`${file.slice(dir.length + 1)}: exit ${v.code}`);
      if (spawnSync(requireIstioctl(), ['validate', '-f', file], { encoding: 'utf8', timeout: 60_000 }).status !== 0) istioctlRefused++;
    }
    assert.deepEqual(accepted, [], `${channel}: invalid examples meshctl accepts`);
    figures.push(`${channel}: ${valid.length} valid files accepted, ${invalid.length} invalid refused by meshctl, ${istioctlRefused} by istioctl`);
  }
  console.log(`Gateway API examples: ${figures.join('; ')}`);
});

/**
 * istioctl's own validate test (TestValidateResource in istioctl/pkg/validate, read from the Istio module by
 * test/sim-cases/main.go): each case's input through `meshctl validate` and the built `istioctl validate -f`. Where
 * meshctl's verdict is not istioctl's, the case is listed here with the reason; each is checked to still differ.
 */
const NO_CONTAINERS = 'a Deployment without containers (the case is a fragment): meshctl refuses it as the apiserver does; istioctl checks only its labels';
const NO_API_VERSION = 'a document without apiVersion: meshctl refuses it, as kubectl and the apiserver do; istioctl passes it over';
const PROTOCOL_WARNING = 'a Service port whose protocol Istio cannot tell: istioctl refuses it, meshctl warns (exit 0), as the apiserver and istiod accept it';
const ISTIOCTL_CASES_DIFFER: Record<string, string> = {
  'version label missing deployment': NO_CONTAINERS,
  'skip validating deployment': NO_CONTAINERS,
  'metric labels k8s recommended': NO_CONTAINERS,
  'metric labels istio canonical': NO_CONTAINERS,
  'skip validating service': NO_API_VERSION,
  'service with udp port': NO_API_VERSION,
  'invalid port naming service': PROTOCOL_WARNING,
  'invalid service list': PROTOCOL_WARNING,
  'appProtocol=fake': PROTOCOL_WARNING,
};

test('istioctl\'s own validate cases (TestValidateResource): meshctl\'s verdict is istioctl\'s, apart from the differences listed with their reasons', async () => {
  const cases = istioTestCases('validate-resource', 'istioctl/pkg/validate/validate_test.go') as { name: string; in: string; valid: boolean; warn: boolean; skipped?: string }[];
  assert.ok(cases.length >= 20, `istioctl's cases: ${cases.length}`);
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-istioctl-cases-'));
  const differ: Record<string, string> = {};
  let agreeWithIstioTest = 0;
  for (const [i, c] of cases.entries()) {
    assert.equal(c.skipped, undefined, `${c.name}: ${c.skipped}`);
    const file = join(dir, `case-${i}.yaml`);
    writeFileSync(file, c.in);
    const r = await runCli(['validate', file, '-o', 'json']);
    const findings: { severity: string; rule: string }[] = JSON.parse(r.stdout).findings;
    const meshctl = r.code === 0;
    const istioctl = istioctlValidates(file);
    if (meshctl === c.valid) agreeWithIstioTest++;
    if (meshctl !== istioctl) differ[c.name] = `meshctl ${meshctl ? 'accepts' : 'refuses'}, istioctl ${istioctl ? 'accepts' : 'refuses'}`;
    if (ISTIOCTL_CASES_DIFFER[c.name] === PROTOCOL_WARNING) assert.ok(findings.some((f) => f.rule === 'port-protocol' && f.severity === 'warning'), `${c.name}: meshctl warns`);
    // where Istio expects a warning on a valid input, meshctl warns too
    if (c.valid && c.warn) assert.ok(findings.some((f) => f.severity === 'warning'), `${c.name}: a warning`);
  }
  console.log(`istioctl's validate cases: ${cases.length}; meshctl agrees with istioctl on ${cases.length - Object.keys(differ).length}, with the test's expectation on ${agreeWithIstioTest}`);
  assert.deepEqual(Object.keys(differ).sort(), Object.keys(ISTIOCTL_CASES_DIFFER).sort(), JSON.stringify(differ, null, 2));
});
