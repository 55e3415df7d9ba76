import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIVE_SOURCES, liveKinds, meshNetworksFromResources, overlay, READ_WITHOUT_LISTING, resourcesFromSources } from '../../src/analyze/load.js';
import { analyze, type AnalyzeOptions } from '../../src/analyze/index.js';
import { ALL_ANALYZERS, implementedCodes, parseSuppression } from '../../src/analyze/runner.js';
import { formatMessage, MESSAGES } from '../../src/analyze/messages.js';
import { hostMatches, indexKind, istioFqdn } from '../../src/analyze/snapshot.js';
import { loadSources } from '../../src/manifests/documents.js';
import { meshctl } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../../../test/fixtures/analyze/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

/** The `# expect: CODE Kind ns/name @LINE` lines of a testdata file, as a sorted multiset. */
export function expectedMessages(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^# expect: (\S+ .+)$/gm)].map((m) => m[1].trim()).sort();
}

/**
 * The library entry point on files alone, every namespace unless a namespace is given. The fixtures hold their
 * whole cluster, as Istio's analyzer tests do: a built-in kind they lack is absent, not unread.
 */
async function analyzeFiles(files: string[], opts: AnalyzeOptions = {}) {
  const result = await analyze({ paths: files, filesAreCluster: true }, { allNamespaces: opts.namespace === undefined, ...opts });
  assert.deepEqual(result.problems, []);
  return result;
}

/** A message as the fixtures state it: code, resource, and the line of the field it is about. */
const stated = (m: { code: string; origin: string; reference?: string }) => `${m.code} ${m.origin} @${m.reference?.split(':').pop()}`;

for (const file of FILES) {
  test(`testdata ${file}: the expected messages (code, resource, line), as a multiset`, async () => {
    const { messages } = await analyzeFiles([join(DIR, file)]);
    assert.deepEqual(messages.map(stated).sort(), expectedMessages(join(DIR, file)));
    for (const m of messages) assert.match(m.reference!, new RegExp(`${file}:\\d+$`), 'file-sourced messages carry file:line');
  });
}

const CLEAN = join(DIR, 'clean');
const CLEAN_FILES = readdirSync(CLEAN).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(CLEAN, f));

test('clean fixtures: every analyzer has one (named by # clean-for:), which holds what it reads, and where all analyzers report nothing unexpected', async () => {
  const covered = new Set<string>();
  for (const file of CLEAN_FILES) {
    const text = readFileSync(file, 'utf8');
    const names = [...text.matchAll(/^# clean-for: (.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/));
    const all = await analyzeFiles([file]);
    // every analyzer together: nothing but what the file states (Istio's notice on an EnvoyFilter)
    assert.deepEqual(all.messages.map(stated).sort(), expectedMessages(file), file);
    const resources = resourcesFromSources(await loadSources([file]));
    for (const name of names) {
      const analyzer = ALL_ANALYZERS.find((a) => a.name === name);
      assert.ok(analyzer, `${file}: no analyzer ${name}`);
      covered.add(name);
      const kinds = analyzer.reads.filter((k) => k !== 'MeshConfig');
      const held = new Set(resources.map((r) => indexKind(r.object.apiVersion, r.kind)));
      if (await meshNetworksFromResources(resources)) held.add('MeshNetworks');
      assert.ok(kinds.includes('*') || kinds.some((k) => held.has(k)), `${file} holds none of what ${name} reads (${kinds.join(', ')})`);
      const alone = await analyzeFiles([file], { analyzers: [name] });
      assert.deepEqual(alone.executed, [name]);
      assert.deepEqual(alone.messages.map(stated).filter((m) => !expectedMessages(file).includes(m)), [], `${name} on ${file}`);
    }
  }
  assert.deepEqual(ALL_ANALYZERS.map((a) => a.name).filter((n) => !covered.has(n)), [], 'analyzers without a clean fixture');
});

test('all testdata together gives the union of the expectations (analyzers are independent of file boundaries here)', async () => {
  const { messages } = await analyzeFiles(FILES.map((f) => join(DIR, f)));
  assert.deepEqual(messages.map(stated).sort(), FILES.flatMap((f) => expectedMessages(join(DIR, f))).sort());
});

/** A few of Istio's codes, names and levels as istio.io documents them, written here independently of the generated table. */
const SPOT_CHECK: Record<string, [string, string]> = {
  IST0001: ['InternalError', 'Error'], IST0101: ['ReferencedResourceNotFound', 'Error'], IST0102: ['NamespaceNotInjected', 'Info'],
  IST0110: ['ConflictingSidecarWorkloadSelectors', 'Error'], IST0133: ['SchemaWarning', 'Warning'], IST0144: ['InvalidApplicationUID', 'Warning'],
  IST0151: ['EnvoyFilterUsesRelativeOperation', 'Warning'], IST0162: ['GatewayPortNotDefinedOnService', 'Warning'],
  IST0174: ['UnknownDestinationRuleHost', 'Warning'], IST0177: ['ConflictingServiceEntryProtocol', 'Warning'],
};

test('at least 50 of Istio\'s codes are implemented, with Istio\'s names and levels; MSH codes are meshctl\'s own', () => {
  const codes = implementedCodes();
  const ist = codes.filter((t) => t.code.startsWith('IST'));
  assert.ok(ist.length >= 50, `${ist.length} IST codes`);
  for (const [code, [name, level]] of Object.entries(SPOT_CHECK)) {
    const t = Object.values(MESSAGES).find((m) => m.code === code);
    assert.deepEqual([t?.name, t?.level], [name, level], code);
  }
  for (const t of codes.filter((x) => !x.code.startsWith('IST'))) assert.match(t.code, /^MSH\d{4}$/);
  for (const a of ALL_ANALYZERS) assert.ok(a.reports.length > 0 && a.reads.length > 0, `${a.name} declares what it reads and reports`);
  assert.equal(formatMessage(MESSAGES.ReferencedResourceNotFound, ['host', 'reviews2']), 'Referenced host not found: "reviews2"');
  assert.equal(formatMessage(MESSAGES.SplitSubsetNotReady, [10, 'v2', 'cart', 1]), 'The route sends 10% of traffic to subset v2 of cart, but none of its 1 pod(s) is ready.');
  // Go's fmt: a list prints as [a b], %d a number
  assert.equal(formatMessage(MESSAGES.VirtualServiceDestinationPortSelectorRequired, ['cart', [80, 8080]]),
    'This VirtualService routes to a service "cart" that exposes multiple ports [80 8080]. Specifying a port in the destination is required to disambiguate.');
});

test('hosts as Istio completes them: a short name in the namespace, anything with a dot as written; wildcards match', () => {
  assert.equal(istioFqdn('reviews', 'bookinfo'), 'reviews.bookinfo.svc.cluster.local');
  assert.equal(istioFqdn('reviews.other', 'bookinfo'), 'reviews.other');
  assert.equal(istioFqdn('api.example.com', 'bookinfo'), 'api.example.com');
  assert.equal(istioFqdn('*.example.com', 'bookinfo'), '*.example.com');
  assert.ok(hostMatches('*.example.com', 'api.example.com'));
  assert.ok(!hostMatches('*.example.com', 'example.org'));
});

test('suppression by --suppress (with globs) and by namespace filter; analyzers selected by name', async () => {
  const all = await analyzeFiles([join(DIR, 'injection.yaml')]);
  const sup = await analyzeFiles([join(DIR, 'injection.yaml')], { suppress: [parseSuppression('IST0102=Namespace az-*')!, parseSuppression('IST01*=Pod az-inj/bare')!] });
  assert.deepEqual(sup.messages.map((m) => m.code).sort(), all.messages.map((m) => m.code).filter((c) => c !== 'IST0102' && c !== 'IST0103').sort());
  const ns = await analyzeFiles([join(DIR, 'injection.yaml')], { namespace: 'az-inj' });
  assert.deepEqual(ns.messages.map((m) => m.origin).sort(), ['Pod az-inj/bare', 'Pod az-inj/opted-out', 'Service az-inj/legacy']);
  const one = await analyzeFiles([join(DIR, 'injection.yaml')], { analyzers: ['service.*'] });
  assert.deepEqual(one.executed, ['service.PortNameAnalyzer']);
  assert.equal(parseSuppression('nonsense'), undefined);
});

test('files alone (istioctl\'s file mode): analyzers needing a built-in kind the files hold none of are skipped, not run on nothing; files that are the whole cluster run them all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-analyze-'));
  const file = join(dir, 'only-routes.yaml');
  writeFileSync(file, [
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: shop}\nspec:\n  hosts: [cart]\n  http:\n  - route:\n    - destination: {host: cart, subset: v1}',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: cart, namespace: shop}\nspec:\n  host: cart\n  subsets: [{name: v1, labels: {version: v1}}]',
  ].join('\n---\n'));
  const hostFindings = (r: { messages: { code: string; origin: string; message: string }[] }) =>
    r.messages.filter((m) => ['IST0101', 'IST0174'].includes(m.code)).map((m) => `${m.code} ${m.origin} ${m.message}`).sort();
  // istioctl analyze --use-kube=false on these two files: "No validation issues found" (it reads no Service)
  const fileMode = await analyze({ paths: [file] }, { allNamespaces: true });
  assert.deepEqual(hostFindings(fileMode), []);
  const skipped = new Map(fileMode.skipped.map((s) => [s.name, s.kinds]));
  assert.deepEqual(skipped.get('virtualservice.DestinationHostAnalyzer'), ['Service']);
  assert.deepEqual(skipped.get('destinationrule.SubsetSelectPodAnalyzer'), ['Service', 'Pod']);
  assert.ok(fileMode.executed.includes('virtualservice.DestinationRuleAnalyzer'), 'what needs only Istio kinds runs');
  assert.deepEqual([...fileMode.executed, ...skipped.keys()].sort(), ALL_ANALYZERS.map((a) => a.name).sort(), 'each analyzer is run or said skipped');
  // a Service in the files: the analyzers needing Services (and no other missing kind) run on what the files hold
  writeFileSync(join(dir, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: shop}\nspec: {ports: [{port: 80}]}\n');
  const withService = await analyze({ paths: [file, join(dir, 'svc.yaml')] }, { allNamespaces: true });
  assert.ok(withService.executed.includes('virtualservice.DestinationHostAnalyzer'));
  // (IST0174 is the subset analyzer's, which needs Pods too: still skipped)
  assert.deepEqual(hostFindings(withService), ['IST0101 VirtualService shop/r Referenced host not found: "cart"']);
  // a workload's pod template stands for its pods: with a Deployment and a Service, the subset analyzer runs
  writeFileSync(join(dir, 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart-v1, namespace: shop}\n' +
    'spec:\n  selector: {matchLabels: {app: cart}}\n  template:\n    metadata: {labels: {app: cart, version: v1}}\n    spec: {containers: [{name: c, image: i}]}\n');
  const withWorkload = await analyze({ paths: [file, join(dir, 'svc.yaml'), join(dir, 'deploy.yaml')] }, { allNamespaces: true });
  assert.ok(withWorkload.executed.includes('destinationrule.SubsetSelectPodAnalyzer'));
  // the files as the whole cluster (Istio's analyzer tests): every analyzer runs, no Service means none exists
  const whole = await analyzeFiles([file]);
  assert.deepEqual(whole.executed, ALL_ANALYZERS.map((a) => a.name));
  assert.deepEqual(whole.skipped, []);
  assert.deepEqual(hostFindings(whole), [
    'IST0101 VirtualService shop/r Referenced host not found: "cart"',
    'IST0174 DestinationRule shop/cart The host cart defined in the DestinationRule does not match any services in the mesh.',
  ]);
});

test('istioctl\'s per-kind schema analyzer names select the schema analyzer for that kind alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-analyze-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, [
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: shop}\nspec:\n  hosts: [cart]\n  http:\n  - timeout: 1x\n    route:\n    - destination: {host: cart}',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: cart, namespace: shop}\nspec:\n  host: cart\n  trafficPolicy: {connectionPool: {http: {idleTimeout: 1x}}}',
  ].join('\n---\n'));
  const all = await analyzeFiles([file], { analyzers: ['schema.ValidationAnalyzer'] });
  assert.deepEqual([...new Set(all.messages.map((m) => m.origin))].sort(), ['DestinationRule shop/cart', 'VirtualService shop/r']);
  const vs = await analyzeFiles([file], { analyzers: ['schema.ValidationAnalyzer.VirtualService'] });
  assert.deepEqual(vs.executed, ['schema.ValidationAnalyzer.VirtualService']);
  assert.deepEqual([...new Set(vs.messages.map((m) => m.origin))], ['VirtualService shop/r']);
});

test('files overlay live resources with the same identity', () => {
  const live = [{ object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'n' } }, kind: 'Service', namespace: 'n', name: 'a' }];
  const file = [{ ...live[0], file: 'a.yaml' }];
  const merged = overlay(live, file);
  assert.equal(merged.length, 1);
  assert.equal(merged[0].file, 'a.yaml');
});

test('analyze CLI: log format, exit 79 at the failure threshold in every format, thresholds, 65 and 64', async () => {
  const file = join(DIR, 'virtualservice.yaml');
  const log = await meshctl(['analyze', '--use-kube=false', file, '-A']);
  assert.equal(log.code, 79);
  assert.match(log.stdout, /^Error \[IST0101\] \(VirtualService az-vs\/reviews .*virtualservice\.yaml:85\) Referenced host not found: "reviews2"$/m);
  for (const format of ['json', 'yaml', 'sarif']) {
    const r = await meshctl(['analyze', '--use-kube=false', file, '-o', format, '-A']);
    assert.equal(r.code, 79, `exit 79 with -o ${format} too (istio#35054 fixed)`);
  }
  const json = JSON.parse((await meshctl(['analyze', '--use-kube=false', file, '-o', 'json', '-A'])).stdout);
  assert.deepEqual(Object.keys(json[0]).sort(), ['code', 'documentationUrl', 'level', 'message', 'origin', 'reference']);
  assert.equal(json.find((m: any) => m.code === 'IST0101').documentationUrl, 'https://istio.io/latest/docs/reference/config/analysis/ist0101/');
  const clean = join(DIR, 'injection.yaml');
  const warnOnly = await meshctl(['analyze', '--use-kube=false', clean, '-A']);
  assert.equal(warnOnly.code, 0, 'warnings and infos do not fail at the default threshold');
  const strict = await meshctl(['analyze', '--use-kube=false', clean, '--failure-threshold', 'warning', '-A']);
  assert.equal(strict.code, 79);
  const quiet = await meshctl(['analyze', '--use-kube=false', clean, '--output-threshold', 'Warning', '--failure-threshold', 'Warning', '-o', 'json', '-A']);
  assert.equal(quiet.code, 79, 'failure is computed before output filtering');
  assert.ok(JSON.parse(quiet.stdout).every((m: any) => m.level !== 'Info'));
  const none = await meshctl(['analyze', '--use-kube=false', join(DIR, '..', 'validate', 'good', 'gateway-api.yaml'), '-o', 'json']);
  assert.equal(none.code, 0);
  assert.equal(none.stdout, '[]\n');
  const broken = await meshctl(['analyze', '--use-kube=false', join(DIR, '..', 'validate', 'bad', 'duplicate-keys.yaml')]);
  assert.equal(broken.code, 65);
  assert.match(broken.stderr, /duplicate-keys\.yaml:5:3/);
  const badThreshold = await meshctl(['analyze', '--use-kube=false', file, '--failure-threshold', 'Fatal']);
  assert.equal(badThreshold.code, 64);
  const badSuppress = await meshctl(['analyze', '--use-kube=false', file, '-S', 'IST0101']);
  assert.equal(badSuppress.code, 64);
  const badAnalyzer = await meshctl(['analyze', '--use-kube=false', file, '--analyzer', 'nope']);
  assert.equal(badAnalyzer.code, 64);
  const list = await meshctl(['analyze', '-L']);
  assert.equal(list.code, 0);
  assert.equal(list.stdout.split('\n').filter((l) => /^\S/.test(l)).length, ALL_ANALYZERS.length);
  const verbose = await meshctl(['analyze', '--use-kube=false', clean, '-v']);
  assert.match(verbose.stderr, /Executed analyzers:/);
  const noCluster = await meshctl(['analyze', file, '-A'], { env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
  assert.equal(noCluster.code, 79);
  assert.match(noCluster.stderr, /no cluster configured .* analyzing the files only/);
});

test('an analyzer that throws yields IST0001 InternalError naming it; the other analyzers\' findings stay', async () => {
  const broken = { name: 'test.Broken', description: 'throws', reads: [], reports: [], run() { throw new Error('cannot read properties of undefined'); } };
  const files = [join(DIR, FILES[0])];
  const { messages } = await analyzeFiles(files, { from: [broken, ...ALL_ANALYZERS] });
  const internal = messages.filter((m) => m.code === 'IST0001');
  assert.deepEqual(internal.map((m) => [m.level, m.origin, m.message]), [['Error', 'Analyzer test.Broken', 'Internal error: analyzer test.Broken failed: cannot read properties of undefined']]);
  const without = await analyzeFiles(files);
  assert.deepEqual(messages.filter((m) => m.code !== 'IST0001'), without.messages, 'the others ran and reported as before');
});

test('namespace scope: messages about other namespaces are left out and counted; suppressed ones are not counted', async () => {
  const files = FILES.map((f) => join(DIR, f));
  const all = await analyzeFiles(files);
  const namespaces = [...new Set(all.messages.map((m) => /^\S+ ([^/\s]+)\//.exec(m.origin)?.[1]).filter(Boolean))] as string[];
  assert.ok(namespaces.length >= 2, 'the fixtures span namespaces');
  const ns = namespaces[0];
  const scoped = await analyzeFiles(files, { namespace: ns });
  const inNs = (m: { origin: string }) => new RegExp(`^\\S+ ${ns}/`).test(m.origin) || m.origin === `Namespace ${ns}` || !/\//.test(m.origin) && !m.origin.startsWith('Namespace ');
  assert.deepEqual(scoped.messages, all.messages.filter(inNs));
  assert.equal(scoped.otherNamespaces, all.messages.length - scoped.messages.length);
  assert.equal(all.otherNamespaces, 0);
  const suppressed = await analyzeFiles(files, { namespace: ns, suppress: [{ code: '*', resource: '*' }] });
  assert.deepEqual([suppressed.messages.length, suppressed.otherNamespaces], [0, 0]);
});

test('the README\'s code tables list every code meshctl reports, with its level', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  for (const t of implementedCodes()) assert.match(readme, new RegExp(`^\\| ${t.code} \\|(?: ${t.name} \\|)? ${t.level} \\|`, 'm'), t.code);
});

test('what each analyzer reads is what the live listing asks the cluster for', () => {
  for (const a of ALL_ANALYZERS) {
    for (const k of a.reads) assert.ok(k in LIVE_SOURCES || READ_WITHOUT_LISTING.includes(k), `${a.name} reads ${k}, which no live listing gives`);
  }
  const only = liveKinds(ALL_ANALYZERS.find((a) => a.name === 'envoyfilter.EnvoyPatchAnalyzer')!.reads).map(([, kind]) => kind);
  assert.deepEqual(only.sort(), ['ConfigMap', 'EnvoyFilter', 'Namespace'], 'one analyzer: its kinds, the mesh config and the namespaces (for the scope)');
  assert.equal(liveKinds(['*']).length, Object.keys(LIVE_SOURCES).length);
  const configMaps = (istioNamespace?: string) => liveKinds(['MeshConfig'], istioNamespace).find(([, kind]) => kind === 'ConfigMap')?.[2];
  assert.equal(configMaps(), 'istio-system', 'the istio ConfigMaps are listed in the istio namespace');
  assert.equal(configMaps('mesh-admin'), 'mesh-admin', '--istioNamespace moves them');
});

test('--meshConfigFile: the mesh config analysis uses (as istioctl\'s flag); a missing or unreadable one is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-meshconfig-'));
  const file = join(DIR, 'sidecar-telemetry.yaml');
  const codes = async (args: string[]) => {
    const r = await meshctl(['analyze', '--use-kube=false', '-A', '-o', 'json', ...args, file]);
    return JSON.parse(r.stdout).map((m: any) => m.code);
  };
  assert.ok((await codes([])).includes('IST0157'), 'no default access-log provider: a Telemetry without providers is ignored');
  const mesh = join(dir, 'mesh.yaml');
  writeFileSync(mesh, 'defaultProviders:\n  accessLogging: [envoy]\n');
  assert.ok(!(await codes(['--meshConfigFile', mesh])).includes('IST0157'), 'with a default access-log provider it is not');
  const missing = await meshctl(['analyze', '--use-kube=false', '--meshConfigFile', join(dir, 'none.yaml'), file]);
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /--meshConfigFile .*none\.yaml: no such file/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, '- just\n- a list\n');
  const refused = await meshctl(['analyze', '--use-kube=false', '--meshConfigFile', bad, file]);
  assert.equal(refused.code, 64);
  assert.match(refused.stderr, /bad\.yaml: not a mesh config/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
});

test('mesh networks (IST0126): from the istio ConfigMap\'s meshNetworks, or --meshNetworksFile instead; remote clusters\' secrets name known registries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-meshnetworks-'));
  const networks = (registries: string[]) => `networks:\n${registries.map((r, i) => `  net${i}:\n    endpoints:\n    - fromCidr: 10.${i}.0.0/16\n    - fromRegistry: ${r}\n`).join('')}`;
  const configMap = join(dir, 'istio.yaml');
  writeFileSync(configMap, [
    'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: istio', '  namespace: istio-system', 'data:', '  mesh: |-', '    rootNamespace: istio-system',
    '  meshNetworks: |-', ...networks(['Kubernetes', 'east', 'west', 'kubernetes']).trimEnd().split('\n').map((l) => `    ${l}`),
    '---', 'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: istio-remote-secret-east', '  namespace: istio-system', '  labels:', '    istio/multiCluster: "true"',
    'stringData:', '  east: kubeconfig of the east cluster', '',
  ].join('\n'));
  const ist0126 = async (paths: string[], meshNetworksFile?: string) =>
    (await analyze({ paths, meshNetworksFile }, { allNamespaces: true })).messages.filter((m) => m.code === 'IST0126').map((m) => `${m.message} @${m.reference?.split('/').pop()}`);
  // registry IDs are compared as written (Istio's is "Kubernetes"); east is a remote cluster's secret
  assert.deepEqual(await ist0126([configMap]), [
    'Unknown service registry west in network net2 @istio.yaml:9', 'Unknown service registry kubernetes in network net3 @istio.yaml:9',
  ], 'the ConfigMap\'s meshNetworks key is the position');
  const file = join(dir, 'meshnetworks.yaml');
  writeFileSync(file, networks(['External', 'north']));
  assert.deepEqual(await ist0126([configMap], file), ['Unknown service registry north in network net1 @meshnetworks.yaml:9'], 'the flag replaces the ConfigMap\'s; the endpoint is the position');
  const without = await analyze({ paths: [configMap] }, { allNamespaces: true, analyzers: ['meshnetworks.MeshNetworksAnalyzer'] });
  assert.equal(without.messages.length, 2);
  const scoped = await analyze({ paths: [configMap] }, { namespace: 'default' });
  assert.ok(!scoped.messages.some((m) => m.code === 'IST0126') && scoped.otherNamespaces >= 2, 'MeshNetworks is in istio-system: counted, not shown, for another namespace');

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'networks:\n  net0: [not, a, network]\n');
  const refused = await meshctl(['analyze', '--use-kube=false', '--meshNetworksFile', bad, configMap]);
  assert.equal(refused.code, 64);
  assert.match(refused.stderr, /bad\.yaml: not a mesh networks config: network net0 must be a mapping/);
  const two = join(dir, 'two.yaml');
  writeFileSync(two, 'networks: {}\n---\nnetworks: {}\n');
  const twice = await meshctl(['analyze', '--use-kube=false', '--meshNetworksFile', two, configMap]);
  assert.equal(twice.code, 64);
  assert.match(twice.stderr, /two\.yaml: not a mesh networks config: 2 documents, expected one/);
  const missing = await meshctl(['analyze', '--use-kube=false', '--meshNetworksFile', join(dir, 'none.yaml'), configMap]);
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /--meshNetworksFile .*none\.yaml: no such file/);
});

test('visibility: a host not exported to the referring namespace is not found; the mesh\'s default exportTo applies where a resource has none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-exportto-'));
  const file = join(dir, 'mesh.yaml');
  const vs = (ns: string, host: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: to-${host.split('.')[0]}, namespace: ${ns}}\nspec:\n  hosts: [x.${ns}.example.com]\n  http:\n  - route:\n    - destination: {host: ${host}}`;
  writeFileSync(file, [
    'apiVersion: v1\nkind: Service\nmetadata: {name: private, namespace: a, annotations: {networking.istio.io/exportTo: "."}}\nspec:\n  ports: [{name: http, port: 80}]',
    'apiVersion: v1\nkind: Service\nmetadata: {name: open, namespace: a}\nspec:\n  ports: [{name: http, port: 80}]',
    'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext, namespace: a}\nspec:\n  hosts: ["*.ext.example.com"]\n  exportTo: ["b"]\n  location: MESH_EXTERNAL\n  resolution: DNS\n  ports: [{number: 443, name: tls, protocol: TLS}]',
    vs('a', 'private.a.svc.cluster.local'), vs('b', 'private.a.svc.cluster.local'), vs('b', 'open.a.svc.cluster.local'),
    vs('b', 'api.ext.example.com'), vs('c', 'api.ext.example.com'),
  ].join('\n---\n'));
  const notFound = async (mesh?: string) => {
    const meshConfigFile = mesh && join(dir, 'meshconfig.yaml');
    if (meshConfigFile) writeFileSync(meshConfigFile, mesh!);
    const r = await analyze({ paths: [file], meshConfigFile }, { allNamespaces: true, analyzers: ['virtualservice.DestinationHostAnalyzer'] });
    return r.messages.filter((m) => m.code === 'IST0101').map((m) => `${m.origin} ${m.message}`).sort();
  };
  assert.deepEqual(await notFound(), [
    'VirtualService b/to-private Referenced host not found: "private.a.svc.cluster.local"',
    'VirtualService c/to-api Referenced host not found: "api.ext.example.com"',
  ]);
  // the mesh exports Services without an annotation to their own namespace only
  assert.deepEqual(await notFound('defaultServiceExportTo: ["."]\n'), [
    'VirtualService b/to-open Referenced host not found: "open.a.svc.cluster.local"',
    'VirtualService b/to-private Referenced host not found: "private.a.svc.cluster.local"',
    'VirtualService c/to-api Referenced host not found: "api.ext.example.com"',
  ]);
});

test('analyze CLI on files alone: says which analyzers it could not run and which objects are defined twice; reports what validate finds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-analyze-cli-'));
  const write = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
  // a DestinationRule alone: istioctl analyze --use-kube=false says "No validation issues found" (exit 0)
  const dr = write('dr.yaml', 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: default}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}]\n');
  const alone = await meshctl(['analyze', '--use-kube=false', dr]);
  assert.equal(alone.code, 0, alone.stdout);
  assert.equal(alone.stdout, '');
  assert.match(alone.stderr, /^Note: \d+ analyzer\(s\) not run: the files hold no Namespace, Pod, Secret, Service, ServiceAccount for them to check against \(files only; istioctl's file mode skips them too\); -v lists them\.$/m);
  assert.match(alone.stderr, /^✔ No validation issues found when analyzing namespace: default\.$/m);
  const verbose = await meshctl(['analyze', '--use-kube=false', dr, '-v']);
  assert.match(verbose.stderr, /^ {2}virtualservice\.DestinationHostAnalyzer \(no Service\)$/m);
  // the same object twice: the last definition is analyzed, and that is said
  const first = write('a.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v9}\n');
  const second = write('b.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n');
  const twice = await meshctl(['analyze', '--use-kube=false', dr, first, second]);
  assert.equal(twice.code, 0, `${twice.stdout}${twice.stderr}`);
  assert.match(twice.stderr, new RegExp(`^Note: 1 object\\(s\\) defined more than once; the last definition of each is analyzed: VirtualService default/reviews \\(2 times: ${first}:1, ${second}:1\\)\\.$`, 'm'));
  const reversed = await meshctl(['analyze', '--use-kube=false', dr, second, first]);
  assert.equal(reversed.code, 79, 'the last definition routes to v9, which no DestinationRule defines');
  assert.match(reversed.stdout, /^Error \[IST0101\] \(VirtualService default\/reviews .*a\.yaml:8\) Referenced host\+subset in destinationrule not found: "reviews\+v9"$/m);
  // a Gateway server without a port: validate refuses it, so analyze reports it (istioctl analyze: IST0106, exit 79)
  const noPort = write('gw.yaml', 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: default}\nspec:\n  servers:\n  - hosts: ["*"]\n');
  const gw = await meshctl(['analyze', '--use-kube=false', noPort]);
  assert.equal(gw.code, 79);
  assert.match(gw.stdout, /^Error \[IST0106\] \(Gateway default\/g .*gw\.yaml:6\) Schema validation error: spec\.servers\[0\]: missing required field "port"$/m);
  // istioctl's per-kind analyzer name is accepted
  const byName = await meshctl(['analyze', '--use-kube=false', noPort, dr, '--analyzer', 'schema.ValidationAnalyzer.Gateway']);
  assert.equal(byName.code, 79, byName.stderr);
  const other = await meshctl(['analyze', '--use-kube=false', noPort, '--analyzer', 'schema.ValidationAnalyzer.VirtualService']);
  assert.equal(other.code, 0, 'the Gateway is not the VirtualService analyzer\'s');
  // a named file that is not YAML or JSON is skipped as istioctl skips it; input that holds nothing is not "no issues"
  const notes = write('notes.md', '# Notes\nsome text: here\n');
  const skipped = await meshctl(['analyze', '--use-kube=false', notes, dr]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stderr, new RegExp(`^Skipping file ${notes}: analyze reads \\.yaml, \\.yml and \\.json files \\(as istioctl\\)$`, 'm'));
  const onlyNotes = await meshctl(['analyze', '--use-kube=false', notes]);
  assert.equal(onlyNotes.code, 65);
  assert.match(onlyNotes.stderr, new RegExp(`^Error: no resources found in ${notes}: nothing was analyzed$`, 'm'));
  const empty = await meshctl(['analyze', '--use-kube=false', write('empty.yaml', '')]);
  assert.equal(empty.code, 65, 'an empty file is not a clean one');
  assert.doesNotMatch(empty.stderr, /No validation issues/);
  const nothing = await meshctl(['analyze', '--use-kube=false']);
  assert.equal(nothing.code, 64);
  assert.equal(nothing.stderr, 'Error: nothing to analyze: name files or directories, or analyze the cluster (--use-kube=true)\n');
});
