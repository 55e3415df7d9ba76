import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSources, parseSource } from '../../src/manifests/documents.js';
import { SchemaSet } from '../../src/schema/schema.js';
import { crdsFromBundle } from '../../src/schema/bundled.js';
import { crdsFromFiles } from '../../src/validate/sources.js';
import { validateSources, type Finding } from '../../src/validate/run.js';
import { functionsOf } from '../../src/schema/cel.js';
import { meshctl } from '../helpers/cli.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const WIDGET_CRD = join(FIXTURES, 'crds', 'widget-crd.yaml');

/** `# expect: LINE:COL SEVERITY RULE` lines of a fixture (or its `expect-without-crds` lines). */
export function expectations(file: string, withoutCrds: boolean): string[] {
  const text = readFileSync(file, 'utf8');
  const read = (tag: string) => [...text.matchAll(new RegExp(`^# ${tag}: (\\d+:\\d+ \\w+ [\\w-]+)$`, 'gm'))].map((m) => m[1]);
  if (!withoutCrds) return read('expect').sort();
  const own = read('expect-without-crds');
  return (own.length > 0 ? own : read('expect').filter((e) => !/ (schema|unknown-field|cel)$/.test(e))).sort();
}

const key = (f: Finding) => `${f.line}:${f.column} ${f.severity} ${f.rule}`;

async function widgetSchemas(): Promise<SchemaSet> {
  return new SchemaSet(await crdsFromFiles([WIDGET_CRD]));
}

test('the schema engine on a CRD written for the test: types, enums, ranges, required, unknown and preserved fields, CEL', async () => {
  const file = join(FIXTURES, 'validate', 'widget', 'widgets.yaml');
  const findings = await validateSources(await loadSources([file]), await widgetSchemas());
  assert.deepEqual(findings.map(key).sort(), expectations(file, false));
  const msg = (line: number, col: number) => findings.find((f) => f.line === line && f.column === col)!;
  assert.equal(msg(25, 9).message, 'must be one of "fast", "safe", "legacy"');
  assert.equal(msg(25, 9).field, 'spec.mode');
  assert.equal(msg(26, 13).message, 'must be <= 10');
  // an enum or a length error stops the CEL rules, as in the apiserver
  assert.equal(msg(19, 1).message, 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation');
  assert.equal(msg(41, 1).message, 'min must not exceed max');
  assert.match(msg(46, 12).message, /^must be a valid duration greater than 1ms \(.*7x.*\)$/);
  assert.equal(msg(47, 3).message, 'no wildcards in label keys');
  assert.equal(msg(33, 3).field, 'spec.colour');
  assert.match(msg(33, 3).message, /unknown field/);
  assert.equal(msg(55, 1).message, 'missing required field "mode"');
  assert.equal(msg(56, 13).message, 'must be an integer');
  assert.match(msg(58, 13).message, /Widget is not served in test\.meshctl\.io\/v1alpha1 \(served: test\.meshctl\.io\/v1\)/);
  assert.equal(findings.filter((f) => f.name === 'good').length, 0, 'the good widget has no findings');
});

test('CEL coverage: transition rules are listed as not covered; Kubernetes\' URL library is covered', async () => {
  const coverage = await (await widgetSchemas()).celCoverage();
  const byRule = Object.fromEntries(coverage.map((c) => [c.rule.rule.rule, c.rule]));
  assert.equal(byRule["self.mode != 'legacy' || oldSelf.mode == 'legacy'"].covered, false);
  assert.equal(byRule["url(self).getScheme() == 'https'"].covered, true, 'Kubernetes\' URL library is evaluated');
  assert.equal(byRule["duration(self) >= duration('1ms')"].covered, true);
  assert.deepEqual(functionsOf("self.all(k, !k.contains('x(')) && size(self) > 0"), ['all', 'contains', 'size']);
});

test('CEL cost: a rule past one million steps in one evaluation, or an object past ten million, stops its rules as the apiserver does', async () => {
  const schemas = new SchemaSet(await crdsFromFiles([join(FIXTURES, 'crds', 'costly-rules-crd.yaml')]));
  const run = async (items: number, groups: number, members: number) => {
    const spec = {
      items: Array.from({ length: items }, (_, i) => `i${i}`),
      groups: Array.from({ length: groups }, () => ({ members: Array.from({ length: members }, (_, i) => `m${i}`) })),
    };
    const file = join(mkdtempSync(join(tmpdir(), 'meshctl-cost-')), 'list.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'test.meshctl.io/v1', kind: 'CostlyList', metadata: { name: 'l', namespace: 'default' }, spec }));
    return (await validateSources(await loadSources([file]), schemas)).map((f) => `${f.field}: ${f.message}`);
  };
  assert.deepEqual(await run(100, 2, 100), [], 'within the limits: every rule ran and passed');
  const oneCall = await run(800, 2, 100);
  assert.equal(oneCall.length, 1, oneCall.join('\n'));
  assert.match(oneCall[0], /^spec: the rule's cost passes the apiserver's limit for one evaluation \(1,000,000\); no further validation rules will be run: self\.items\.all/);
  const budget = await run(0, 50, 110);
  assert.equal(budget.length, 1, budget.join('\n'));
  // the four rules of a group cost about 370,000 together: the budget runs out at the 28th group, where the
  // apiserver's runs out (test/integration/validate.test.ts)
  assert.match(budget[0], /^spec\.groups\[27\]: validation failed due to running out of cost budget \(10,000,000 per object\), no further validation rules will be run$/);
});

const BAD = join(FIXTURES, 'validate', 'bad');

let bundled: SchemaSet | undefined;
async function bundledSchemas(): Promise<SchemaSet> {
  bundled ??= new SchemaSet(await crdsFromBundle());
  return bundled;
}

for (const name of readdirSync(BAD).filter((f) => f.endsWith('.yaml'))) {
  test(`fixture bad/${name}: with the bundled schemas (the offline default), exactly its expected findings at their line and column`, async () => {
    const file = join(BAD, name);
    const findings = await validateSources(await loadSources([file]), await bundledSchemas());
    assert.deepEqual(findings.map(key).sort(), expectations(file, false));
  });
}

/** Istio's standing warning on every EnvoyFilter (its validation gives it for each one). */
const ENVOY_FILTER_NOTICE = (f: { rule: string; message: string }) => f.rule === 'envoyfilter' && /exposes internal implementation details/.test(f.message);

test('good fixtures (every kind, Gateway API included) have no findings with the bundled schemas (but Istio\'s notice on each EnvoyFilter)', async () => {
  const dir = join(FIXTURES, 'validate', 'good');
  const set = await loadSources(readdirSync(dir).map((f) => join(dir, f)));
  const findings = await validateSources(set, await bundledSchemas());
  assert.deepEqual(findings.filter((f) => !ENVOY_FILTER_NOTICE(f)), []);
  assert.equal(findings.length, set.objects.filter((o) => o.object.kind === 'EnvoyFilter').length);
});

test('without a schema for a kind, every document of it is reported "not schema-checked" (a warning; an error with --strict), Istio kinds included', async () => {
  const dir = join(FIXTURES, 'validate', 'good');
  const set = await loadSources(readdirSync(dir).map((f) => join(dir, f)));
  const findings = (await validateSources(set, await widgetSchemas())).filter((f) => !ENVOY_FILTER_NOTICE(f));
  assert.deepEqual(findings.filter((f) => f.severity === 'error'), []);
  assert.ok(findings.every((f) => f.rule === 'unknown-kind' && /not schema-checked/.test(f.message)), JSON.stringify(findings));
  const crdKinds = set.objects.filter((o) => String(o.object.apiVersion).includes('.'));
  assert.equal(findings.length, crdKinds.length, 'one finding per document of a CRD kind');
  assert.ok(findings.some((f) => f.kind === 'VirtualService'), 'Istio kinds are not passed silently');
  const strict = await validateSources(set, await widgetSchemas(), { strict: true });
  assert.equal(strict.filter((f) => f.severity === 'error').length, crdKinds.length);
});

test('the bundled schemas: Istio\'s 15 CRDs and the Gateway API\'s, standard by default, experimental on request', async () => {
  const standard = await crdsFromBundle();
  const kinds = (list: typeof standard) => new Set(list.map((k) => `${k.group}/${k.kind}`));
  for (const k of ['networking.istio.io/VirtualService', 'security.istio.io/AuthorizationPolicy', 'telemetry.istio.io/Telemetry', 'extensions.istio.io/WasmPlugin', 'gateway.networking.k8s.io/HTTPRoute']) {
    assert.ok(kinds(standard).has(k), k);
  }
  assert.match(standard[0].origin, /^bundled: Istio \S+, Gateway API v\S+ standard$/);
  const experimental = await crdsFromBundle('experimental');
  assert.ok(kinds(experimental).has('gateway.networking.x-k8s.io/XBackendTrafficPolicy'));
  assert.ok(!kinds(standard).has('gateway.networking.x-k8s.io/XBackendTrafficPolicy'));
});

test('hostile input ends in a finding, never a crash: deep nesting, 50 MB, binary, non-UTF-8', async () => {
  const deep = await parseSource(Buffer.from('a: ' + '['.repeat(20000) + ']'.repeat(20000)), 'deep.yaml');
  assert.equal(deep.objects.length, 0);
  assert.equal(deep.problems.length >= 1, true);
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-validate-'));
  const big = join(dir, 'big.yaml');
  writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, 'a'));
  const bigSet = await loadSources([big]);
  assert.match(bigSet.problems[0].message, /50\.0 MiB, over the 32 MiB limit/);
  const binary = await parseSource(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), 'bin');
  assert.match(binary.problems[0].message, /binary file/);
  const latin1 = await parseSource(Buffer.from('name: caf\xe9\n', 'latin1'), 'latin1.yaml');
  assert.match(latin1.problems[0].message, /not valid UTF-8/);
});

/** The validate command, one row per behaviour: its arguments, stdin, exit code and what its output shows. */
interface CliRow {
  what: string;
  args: string[];
  input?: string;
  code: number;
  check?: (r: { stdout: string; stderr: string }) => void;
}

const BROKEN_DIR = mkdtempSync(join(tmpdir(), 'meshctl-validate-'));
writeFileSync(join(BROKEN_DIR, 'a-broken.yaml'), 'kind: [unclosed\n');
writeFileSync(join(BROKEN_DIR, 'b.yaml'), readFileSync(join(BAD, 'service-ports.yaml')));
writeFileSync(join(BROKEN_DIR, 'ignored.txt'), 'not yaml: [');

const VALIDATE_ROWS: CliRow[] = [
  { what: 'a valid file: exit 0, nothing on stdout, a summary on stderr', args: ['--crds', WIDGET_CRD, join(FIXTURES, 'validate', 'good', 'core.yaml')], code: 0,
    check: (r) => {
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /1 file\(s\), \d+ document\(s\): no problems/);
    } },
  { what: 'a directory with a broken file: 65, the other files still checked, only .yaml/.yml/.json read', args: ['--crds', WIDGET_CRD, BROKEN_DIR], code: 65,
    check: (r) => {
      const lines = r.stdout.trim().split('\n');
      assert.match(lines[0], /a-broken\.yaml:\d+:\d+: error: /);
      assert.ok(lines.some((l) => l.endsWith('b.yaml:11:13: error: Service default/reviews: spec.ports[0].port: port 70000 is not in 1–65535')), r.stdout);
      assert.ok(!r.stdout.includes('ignored.txt'));
    } },
  { what: '-o json: summary and findings with their fields', args: ['--crds', WIDGET_CRD, '-f', join(BAD, 'service-ports.yaml'), '-o', 'json'], code: 65,
    check: (r) => {
      const parsed = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(parsed.findings[0]).sort(), ['column', 'field', 'file', 'kind', 'line', 'message', 'name', 'namespace', 'rule', 'severity']);
      assert.equal(parsed.findings[0].field, 'spec.ports[0].port');
      assert.deepEqual(parsed.summary, { files: 1, documents: 1, checked: 1, unchecked: 0, unparsed: 0, errors: parsed.findings.length, warnings: 0, schemas: `files ${WIDGET_CRD}` });
    } },
  { what: '-o sarif: SARIF 2.1.0 with rule index, level and region', args: ['--crds', WIDGET_CRD, join(BAD, 'service-ports.yaml'), '-o', 'sarif'], code: 65,
    check: (r) => {
      const sarif = JSON.parse(r.stdout);
      assert.equal(sarif.version, '2.1.0');
      const result = sarif.runs[0].results[0];
      assert.equal(result.level, 'error');
      assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 11, startColumn: 13 });
      assert.equal(sarif.runs[0].tool.driver.rules[result.ruleIndex].id, result.ruleId);
    } },
  { what: 'stdin (-) is named <stdin> in positions', args: ['--crds', WIDGET_CRD, '-'], input: readFileSync(join(BAD, 'metadata-name.yaml'), 'utf8'), code: 65,
    check: (r) => assert.match(r.stdout, /^<stdin>:4:9: error: Service default\/Bad_Name: metadata\.name: /) },
  { what: '--strict: a kind without a schema is an error', args: ['--crds', WIDGET_CRD, '--strict', join(BAD, 'unknown-kind.yaml')], code: 65,
    check: (r) => assert.match(r.stdout, /error: Widget default\/w: kind: Widget in example\.com\/v1: not schema-checked/) },
  { what: 'without --strict: a kind without a schema is a warning, exit 0', args: ['--crds', WIDGET_CRD, join(BAD, 'unknown-kind.yaml')], code: 0,
    check: (r) => assert.match(r.stdout, /warning: Widget default\/w: kind: .*not schema-checked/) },
  { what: 'a missing path: usage error naming it', args: ['--crds', WIDGET_CRD, '/nonexistent.yaml'], code: 64,
    check: (r) => assert.match(r.stderr, /\/nonexistent\.yaml: no such file or directory/) },
  { what: 'no path at all: usage error', args: [], code: 64 },
];

for (const row of VALIDATE_ROWS) {
  test(`validate CLI: ${row.what}`, async () => {
    const r = await meshctl(['validate', ...row.args], { input: row.input });
    assert.equal(r.code, row.code, `${row.what}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    row.check?.(r);
  });
}

test('validate offline by default: the bundled schemas, no network, an empty cache; empty input is 65, never "no problems"', async () => {
  const env = { MESHCTL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-cache-')), MESHCTL_MIRROR: 'http://127.0.0.1:1', HTTPS_PROXY: 'http://127.0.0.1:1' };
  const typo = await meshctl(['validate', '-'], { env, input: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  htpp: []\n' });
  assert.equal(typo.code, 65, typo.stderr);
  assert.match(typo.stdout, /^<stdin>:6:3: error: VirtualService r: spec\.htpp: unknown field/m);
  assert.match(typo.stderr, /\(schemas: bundled: Istio /);
  const route = await meshctl(['validate', join(FIXTURES, 'validate', 'good', 'gateway-api.yaml')], { env });
  assert.equal(route.code, 0, route.stdout + route.stderr);
  assert.deepEqual(readdirSync(env.MESHCTL_CACHE_DIR), [], 'nothing downloaded or cached');
  for (const input of ['', '\n---\n# only a comment\n']) {
    const empty = await meshctl(['validate', '-'], { input });
    assert.equal(empty.code, 65, JSON.stringify(input));
    assert.match(empty.stderr, /^Error: no manifests found in <stdin>/);
  }
  const emptyDir = mkdtempSync(join(tmpdir(), 'meshctl-empty-'));
  const dirRun = await meshctl(['validate', emptyDir]);
  assert.equal(dirRun.code, 65);
  assert.match(dirRun.stderr, /no manifests found .*no \.yaml, \.yml or \.json files/);
  const mixed = await meshctl(['validate', '--crds', WIDGET_CRD, '--version', '1.30.3', emptyDir]);
  assert.equal(mixed.code, 64);
});

test('--crds takes a URL (https, or http on loopback) as well as files', async () => {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    if (req.url === '/widget-crd.yaml') res.writeHead(200).end(readFileSync(WIDGET_CRD));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const file = join(FIXTURES, 'validate', 'widget', 'widgets.yaml');
    const r = await meshctl(['validate', '--crds', `${base}/widget-crd.yaml`, file, '-o', 'json']);
    assert.equal(r.code, 65);
    assert.deepEqual(JSON.parse(r.stdout).findings.map((f: Finding) => key(f)).sort(), expectations(file, false));
    const missing = await meshctl(['validate', '--crds', `${base}/nope.yaml`, file]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--crds http:\/\/127\.0\.0\.1:\d+\/nope\.yaml: HTTP 404/);
    const plain = await meshctl(['validate', '--crds', 'http://crds.example.com/x.yaml', file]);
    assert.equal(plain.code, 64);
  } finally {
    server.close();
  }
});

test('documents: split at markers; the fast and the careful parser agree on values and positions', async () => {
  const { splitDocuments } = await import('../../src/manifests/documents.js');
  assert.deepEqual(splitDocuments('a: 1\n---\nb: 2\n--- {c: 3}\n'), [
    { text: 'a: 1', line: 0 }, { text: '---\nb: 2', line: 1 }, { text: '--- {c: 3}\n', line: 3 },
  ]);
  assert.deepEqual(splitDocuments('%YAML 1.2\n---\na: 1\n').length, 1, 'directives keep the stream whole');
  const plain = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: 80\n      name: web\n';
  const anchored = plain.replace('name: web', 'name: &n web');
  for (const text of [plain, `# leading comment\n---\n${plain}`]) {
    const fast = await parseSource(Buffer.from(text), 'f.yaml');
    const careful = await parseSource(Buffer.from(text.replace(plain, anchored)), 'f.yaml');
    assert.deepEqual(fast.objects[0].object, careful.objects[0].object);
    for (const path of [['spec', 'ports', 0, 'port'], ['spec', 'ports'], ['metadata', 'name'], ['spec', 'missing', 'deeper']] as FieldPathT[]) {
      assert.deepEqual(fast.objects[0].locate(path), careful.objects[0].locate(path), JSON.stringify(path));
    }
  }
  const second = await parseSource(Buffer.from(`${plain}---\n${plain.replace('port: 80', 'port: 81')}`), 'f.yaml');
  assert.deepEqual(second.objects[1].locate(['spec', 'ports', 0, 'port']), { line: 16, column: 13 }, 'positions of later documents count the lines before them');
});

type FieldPathT = (string | number)[];

test('Kubernetes\' CEL URL library: what Go\'s url.ParseRequestURI accepts, and the parts of a URL', async () => {
  const { parseUrl } = await import('../../src/schema/cel-url.js');
  const rows: [string, string | undefined][] = [
    ['https://example.com/jwks.json', 'https|example.com|/jwks.json'],
    ['HTTP://Example.com:8080/a%20b?x=1', 'http|Example.com:8080|/a%20b'],
    ['oci://registry.example.com/plugin:v1', 'oci|registry.example.com|/plugin:v1'],
    ['/just/a/path', '||/just/a/path'],
    ['mailto:someone@example.com', 'mailto||'],
    ['hTPp\\\blah', undefined],
    ['#%blah$#@', undefined],
    ['http://#%blah$#@', undefined],
    ['http://host:port/', undefined],
    ['http://ex ample.com/', undefined],
    ['relative/path', undefined],
    ['', undefined],
  ];
  for (const [text, want] of rows) {
    const u = parseUrl(text);
    assert.equal(u === undefined ? undefined : `${u.scheme}|${u.host}|${u.escapedPath}`, want, JSON.stringify(text));
  }
  const u = parseUrl('https://[::1]:8443/x')!;
  assert.deepEqual([u.hostname, u.port], ['::1', '8443']);
  const schemas = new SchemaSet(await crdsFromFiles([WIDGET_CRD]));
  const entry = schemas.find('test.meshctl.io/v1', 'Widget')!;
  const widget = (endpoint: string) => ({ apiVersion: 'test.meshctl.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { mode: 'fast', endpoint } });
  assert.deepEqual((await schemas.validate(widget('https://ok.example.com') as any, entry)).filter((f) => f.check === 'cel'), []);
  assert.deepEqual((await schemas.validate(widget('http://plain.example.com') as any, entry)).filter((f) => f.check === 'cel').map((f) => f.message), ['must be https']);
});

test('the validators compiled at build time give the same findings as ajv compiling the schemas at run time, on every fixture', async () => {
  const files = ['good', 'bad'].flatMap((d) => readdirSync(join(FIXTURES, 'validate', d)).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, 'validate', d, f)));
  const kinds = await crdsFromBundle();
  const set = await loadSources(files);
  const precompiled = await validateSources(set, new SchemaSet(kinds));
  const atRunTime = await validateSources(set, new SchemaSet(kinds, false));
  assert.deepEqual(precompiled, atRunTime);
  assert.ok(precompiled.some((f) => f.rule === 'schema'), 'the fixtures exercise the schema validators');
  const { PRECOMPILED } = await import('../../src/schema/precompiled/index.js');
  const { ajvSchema, schemaKey } = await import('../../src/schema/prepare.js');
  const missing = kinds.filter((k) => !(schemaKey(ajvSchema(k.schema)) in PRECOMPILED)).map((k) => `${k.kind} ${k.version}`);
  assert.deepEqual(missing, [], 'every bundled kind has a validator compiled at build time');
});

test('YAML is read as the apiserver\'s go-yaml reads it: a plain scalar ending in ":" inside a flow list is one string', async () => {
  const set = await parseSource(Buffer.from('apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se, namespace: default}\n' +
    'spec:\n  hosts: [example.com]\n  addresses: [1.2.3.4, 2001:db8::]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  exportTo: [".", "a:]"]\n'), 'se.yaml');
  assert.deepEqual(set.problems, []);
  const spec = set.objects[0].object.spec as any;
  assert.deepEqual(spec.addresses, ['1.2.3.4', '2001:db8::']);
  assert.deepEqual(spec.ports, [{ number: 80, name: 'http', protocol: 'HTTP' }], 'flow mappings with values are unchanged');
  assert.deepEqual(spec.exportTo, ['.', 'a:]'], 'quoted scalars are unchanged');
  assert.deepEqual((await validateSources(set, new SchemaSet(await crdsFromBundle()))).filter((f) => f.severity === 'error'), []);
});

test('cloneData copies parsed data deeply, a __proto__ key included, without touching the original', async () => {
  const { cloneData } = await import('../../src/schema/schema.js');
  const original = JSON.parse('{"a": [1, {"b": null}], "__proto__": {"polluted": true}, "c": "x"}');
  const copy = cloneData(original);
  assert.deepEqual(copy, original);
  assert.notEqual(copy.a, original.a);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.deepEqual(Object.keys(copy), ['a', '__proto__', 'c']);
  assert.equal(({} as any).polluted, undefined);
});

test('patterns and CEL matches() are RE2, as the apiserver\'s: (?i) works, and backtracking patterns run in linear time on long values', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-re2-'));
  // the Gateway API's GRPCRoute checks a service name with a CEL rule using (?i): JavaScript's RegExp refuses it
  const grpc = join(dir, 'grpc.yaml');
  writeFileSync(grpc, 'apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g, namespace: default}\nspec:\n  parentRefs: [{name: gw}]\n' +
    '  rules:\n  - matches:\n    - method: {service: helloworld.Greeter, method: SayHello}\n    backendRefs: [{name: hello, port: 50051}]\n' +
    '---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: bad, namespace: default}\nspec:\n  parentRefs: [{name: gw}]\n' +
    '  rules:\n  - matches:\n    - method: {service: "hello world", method: SayHello}\n');
  const grpcFindings = await validateSources(await loadSources([grpc]), new SchemaSet(await crdsFromBundle()));
  assert.deepEqual(grpcFindings.map((f) => `${f.name} ${f.rule} ${f.message}`), [
    'bad cel service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
  ]);
  // a CRD whose pattern and CEL rule backtrack exponentially in a backtracking engine, on a 200 KB value
  const crd = join(dir, 'crd.yaml');
  writeFileSync(crd, 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n' +
    '  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n' +
    '    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n' +
    "              name: {type: string, pattern: '^(a+)+$'}\n              code: {type: string}\n            x-kubernetes-validations:\n" +
    "            - rule: \"!has(self.name) || self.name.matches('^(a|aa)+$')\"\n              message: name is not a's\n" +
    "            - rule: \"!has(self.code) || self.code.matches('(?i)^abc$')\"\n              message: code is not abc\n");
  const widgets = join(dir, 'widgets.yaml');
  writeFileSync(widgets, `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: long}\nspec: {name: "${'a'.repeat(200_000)}b"}\n` +
    '---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: upper}\nspec: {name: aaa, code: ABC}\n');
  const findings = await validateSources(await loadSources([widgets]), new SchemaSet(await crdsFromFiles([crd])));
  assert.deepEqual(findings.map((f) => `${f.name} ${f.rule} ${f.message}`).sort(), [
    'long cel name is not a\'s',
    'long schema must match the pattern ^(a+)+$',
  ]);
});

test('a document with more anchors and aliases than manifests need is refused before it is parsed (the parser is quadratic in them)', async () => {
  const doc = (n: number) => 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n' +
    Array.from({ length: n }, (_, i) => `  - name: &a${i} r${i}\n    route: [{destination: {host: *a${i}}}]\n`).join('');
  const within = await parseSource(Buffer.from(doc(1000)), 'within.yaml');
  assert.deepEqual(within.problems, []);
  assert.equal(within.objects[0].object.spec.http[999].route[0].destination.host, 'r999');
  const over = await parseSource(Buffer.from(doc(1001)), 'over.yaml');
  assert.deepEqual(over.objects, []);
  assert.deepEqual(over.problems.map((p) => `${p.line}:${p.column} ${p.message}`), ['1:1 too many YAML anchors and aliases (2002, over 2000): not read']);
});
