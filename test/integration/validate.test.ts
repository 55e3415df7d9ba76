import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyCrds, gatewayApiCrds, gatewayApiModuleDir, istioCrds, yamlFilesUnder } from '../harness/crds.js';
import { assembleRelease, mirrorVersion, serveMirror, type Mirror } from '../harness/mirror.js';
import { testCluster } from '../harness/namespace.js';
import { istioctlValidates, upstreamBinaries } from '../harness/upstream.js';
import { runCli } from '../helpers/cli.js';
import { Kube } from '../../src/cluster/kube.js';
import { loadSources } from '../../src/manifests/documents.js';
import { CEL_NOT_CHECKED } from '../../src/schema/schema.js';

const cluster = testCluster();
let kubeClient: Promise<Kube> | undefined;
/** meshctl's client for the test cluster, one for the file's tests. */
const clusterKube = (): Promise<Kube> => (kubeClient ??= Kube.connect({ kubeconfig: cluster.kubeconfig }));
/** Makes a namespace in the test cluster (server-side apply: harmless when it is there). */
const ensureNamespace = (ns: string) => cluster.request('PATCH', `/api/v1/namespaces/${ns}?fieldManager=meshctl-test`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
/** The apiserver's verdict on creating an object: a dry run with strict field validation. */
async function dryRunCreate(kube: Kube, o: any): Promise<{ status: number; body: any }> {
  const item = await kube.pathFor(o.apiVersion, o.kind, o.metadata?.namespace ?? 'default', String(o.metadata?.name ?? 'x'));
  return kube.request('POST', `${item.replace(/\/[^/]*$/, '')}?dryRun=All&fieldValidation=Strict`, { body: o });
}
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/validate/', import.meta.url));
const files = ['good', 'bad'].flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, d, f)));
let mirror: Mirror;

before(async () => {
  await applyCrds(cluster, [...istioCrds(), ...gatewayApiCrds()]);
  for (const ns of ['bookinfo', 'backend', 'istio-system']) {
    await ensureNamespace(ns);
  }
  const root = mkdtempSync(join(tmpdir(), 'meshctl-mirror-'));
  await assembleRelease(root);
  mirror = await serveMirror(root);
});
after(() => mirror.close());

function expectations(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^# expect: (\d+:\d+ \w+ [\w-]+)$/gm)].map((m) => m[1]).sort();
}

test('with the CRDs installed in the cluster (--use-kube), every fixture gives exactly its expected findings', async () => {
  for (const file of files) {
    const r = await runCli(['validate', '--use-kube', file, '-o', 'json']);
    assert.ok(r.code === 0 || r.code === 65, `${file}: exit ${r.code} ${r.stderr}`);
    const got = JSON.parse(r.stdout).findings.map((f: any) => `${f.line}:${f.column} ${f.severity} ${f.rule}`).sort();
    assert.deepEqual(got, expectations(file), file);
  }
});

test('a release\'s CRDs (--version: downloaded from the mirror and cached) give the same verdicts as the cluster\'s', async () => {
  const env = { MESHCTL_MIRROR: mirror.url, MESHCTL_ISTIO_VERSION: mirrorVersion(), MESHCTL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'meshctl-cache-')) };
  // the release carries Istio's CRDs only: Gateway API files need --crds or --use-kube
  const istioFiles = files.filter((f) => !/gateway-api[^/]*\.yaml$/.test(f));
  const fromRelease = await runCli(['validate', '--version', mirrorVersion(), ...istioFiles, '-o', 'json'], { env });
  const fromCluster = await runCli(['validate', '--use-kube', ...istioFiles, '-o', 'json']);
  assert.equal(fromRelease.code, 65, fromRelease.stderr);
  assert.deepEqual(JSON.parse(fromRelease.stdout).findings, JSON.parse(fromCluster.stdout).findings);
  assert.match(JSON.parse(fromRelease.stdout).summary.schemas, /^Istio /);
  const cached = readdirSync(join(env.MESHCTL_CACHE_DIR, 'schemas'));
  assert.deepEqual(cached, [`istio-${mirrorVersion()}.json`], 'schemas cached by release version');
});

test('the bundled schemas are what scripts/gen-schemas.mjs generates from the Go modules the tests build from', async () => {
  const { execFileSync } = await import('node:child_process');
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  // the modules are in Go's module cache (scripts/build-upstream.sh fetched them): no network needed here
  const out = execFileSync(process.execPath, [join(repo, 'scripts', 'gen-schemas.mjs'), '--check'], { env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' } }).toString();
  assert.match(out, /is up to date/);
});

test('the bundled schemas (the offline default) give the same findings as the cluster\'s CRDs on every fixture', async () => {
  for (const file of files) {
    const bundled = await runCli(['validate', file, '-o', 'json']);
    const live = await runCli(['validate', '--use-kube', file, '-o', 'json']);
    assert.equal(bundled.code, live.code, file);
    assert.deepEqual(JSON.parse(bundled.stdout).findings, JSON.parse(live.stdout).findings, file);
  }
});

test('for every fixture object, meshctl\'s schema verdict agrees with the apiserver\'s server-side dry-run with strict field validation', async () => {
  const kube = await clusterKube();
  let compared = 0;
  let celSkipped = 0;
  const disagreements: string[] = [];
  for (const file of files) {
    const r = await runCli(['validate', '--use-kube', file, '-o', 'json']);
    const findings: any[] = JSON.parse(r.stdout).findings;
    const { objects } = await loadSources([file]);
    for (const src of objects) {
      const o = src.object;
      if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || !(await kube.serves(o.apiVersion, o.kind))) continue;
      const crdKind = o.apiVersion.includes('.');
      const mine = findings.filter((f) => f.kind === o.kind && f.name === (o.metadata?.name ?? '') && f.severity === 'error' && (!crdKind || ['schema', 'unknown-field', 'cel'].includes(f.rule)));
      const r2 = await kube.pathFor(o.apiVersion, o.kind, o.metadata?.namespace ?? 'default', String(o.metadata?.name ?? 'x'));
      const res = await kube.request('PATCH', `${r2}?dryRun=All&fieldValidation=Strict&fieldManager=meshctl-test&force=true`, { body: o, contentType: 'application/apply-patch+yaml' });
      const rejected = res.status >= 400;
      compared++;
      // and whether the CEL rules were skipped after a blocking schema error (an enum, a required field, a length),
      // asked by a create; a wrongly typed field stops a create before validation too, at building its managed
      // fields (500), as it stops an apply: not compared
      const created = await dryRunCreate(kube, o);
      const skipped = String(created.body?.message ?? '').includes(CEL_NOT_CHECKED);
      if (rejected !== mine.length > 0 || (created.status !== 500 && skipped !== mine.some((m) => m.message === CEL_NOT_CHECKED))) {
        disagreements.push(`${file} ${o.kind} ${o.metadata?.name}: apiserver ${res.status} ${res.body?.message ?? ''} / meshctl ${JSON.stringify(mine.map((m) => m.message))}`);
      }
      if (skipped) celSkipped++;
    }
  }
  assert.deepEqual(disagreements, []);
  assert.ok(compared >= 30, `compared ${compared} objects`);
  assert.ok(celSkipped >= 1, 'a fixture has CEL rules skipped by the apiserver');
});

test('CEL cost limits: meshctl stops a rule where the apiserver does (one evaluation over 1,000,000; an object over 10,000,000) and passes what it passes', async () => {
  const crdFile = join(FIXTURES, '..', 'crds', 'costly-rules-crd.yaml');
  const crd = parseAllDocuments(readFileSync(crdFile, 'utf8')).map((d) => d.toJS()).find((d) => d?.kind === 'CustomResourceDefinition');
  await applyCrds(cluster, [crd]); // the apiserver's estimate at creation lets these rules in
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-cost-'));
  const object = (name: string, items: number, groups: number, members: number) => ({
    apiVersion: 'test.meshctl.io/v1', kind: 'CostlyList', metadata: { name, namespace: 'default' },
    spec: {
      items: Array.from({ length: items }, (_, i) => `i${i}`),
      groups: Array.from({ length: groups }, () => ({ members: Array.from({ length: members }, (_, i) => `m${i}`) })),
    },
  });
  const cases = [
    { o: object('small', 100, 2, 100), expect: 'accepted' },
    { o: object('one-costly-call', 800, 0, 0), expect: 'call limit at spec' },
    { o: object('two-groups', 0, 2, 110), expect: 'accepted' },
    // each group's four rules cost about 370,000 (cel-go's units): the budget runs out at the 28th group
    { o: object('thirty-groups', 0, 30, 110), expect: 'budget at spec.groups[27]' },
    { o: object('fifty-groups', 0, 50, 110), expect: 'budget at spec.groups[27]' },
  ];
  // the verdict and where the rules stopped ("call limit at spec", "budget at spec.groups[27]")
  const verdictOf = (text: string, field: string) => (/call cost exceeds limit|limit for one evaluation/.test(text) ? `call limit at ${field}`
    : /running out of cost budget/.test(text) ? `budget at ${field}` : text === '' ? 'accepted' : `other: ${text}`);
  for (const c of cases) {
    const file = join(dir, `${c.o.metadata.name}.json`);
    writeFileSync(file, JSON.stringify(c.o));
    const r = await runCli(['validate', '--crds', crdFile, file, '-o', 'json']);
    const findings: any[] = JSON.parse(r.stdout).findings;
    const mine = verdictOf(findings.map((f) => f.message).join('\n'), findings[0]?.field ?? '');
    const res = await cluster.request('POST', '/apis/test.meshctl.io/v1/namespaces/default/costlylists?dryRun=All', c.o);
    const cause = res.body?.details?.causes?.[0];
    const theirs = res.status < 300 ? 'accepted' : verdictOf(String(res.body?.message), String(cause?.field ?? ''));
    assert.equal(theirs, c.expect, `apiserver on ${c.o.metadata.name}: ${res.status} ${res.body?.message ?? ''}`);
    assert.equal(mine, c.expect, `meshctl on ${c.o.metadata.name}: ${r.stdout}`);
    assert.equal(r.code, c.expect === 'accepted' ? 0 : 65);
  }
});

test('the Gateway API\'s own examples, valid and invalid, and its conformance suite\'s manifests (standard channel): meshctl\'s verdict on every object is the apiserver\'s', async () => {
  const dir = gatewayApiModuleDir();
  // the conformance manifests, copied from their module by scripts/build-upstream.sh
  const conformance = join(dirname(upstreamBinaries().gatewayApiCrds), 'conformance');
  const files = [
    ...yamlFilesUnder(join(dir, 'examples', 'standard')), ...yamlFilesUnder(join(dir, 'hack', 'invalid-examples', 'standard')), ...yamlFilesUnder(conformance),
  ];
  const where = (file: string) => (file.startsWith(conformance) ? `conformance/${file.slice(conformance.length + 1)}` : file.slice(dir.length + 1));
  const kube = await clusterKube();
  const r = await runCli(['validate', '--use-kube', ...files, '-o', 'json']);
  const findings: any[] = JSON.parse(r.stdout).findings;
  const { objects } = await loadSources(files);
  // the examples' namespaces, made first so that a dry-run is refused only for what the object holds
  for (const ns of new Set(objects.map((o) => o.object.metadata?.namespace).filter((n): n is string => typeof n === 'string'))) {
    await ensureNamespace(ns);
  }
  const counts = { objects: 0, apiserverRefused: 0, meshctlRefused: 0 };
  const disagreements: string[] = [];
  for (const src of objects) {
    const o = src.object;
    if (!(await kube.serves(o.apiVersion, o.kind))) continue; // a Service or the like beside the routes: not this corpus's point
    const res = await dryRunCreate(kube, o);
    const theirs = res.status >= 400 && res.status !== 409; // 409: an example namespace made above
    const mine = findings.some((f) => f.file === src.source && f.kind === o.kind && f.name === (o.metadata?.name ?? '') && f.severity === 'error');
    counts.objects++;
    if (theirs) counts.apiserverRefused++;
    if (mine) counts.meshctlRefused++;
    if (theirs !== mine) disagreements.push(`${where(src.source)} ${o.kind}/${o.metadata?.name}: apiserver ${res.status} ${res.body?.message ?? ''} / meshctl ${mine ? 'refuses' : 'accepts'}`);
  }
  console.log(`Gateway API examples and conformance manifests (standard): ${files.length} files, ${counts.objects} objects; refused by the apiserver ${counts.apiserverRefused}, by meshctl ${counts.meshctlRefused}; ${disagreements.length} disagreements`);
  assert.deepEqual(disagreements, []);
  assert.ok(counts.apiserverRefused >= 20, `the invalid examples are refused: ${JSON.stringify(counts)}`);
});

/**
 * Files of Istio's samples/ (the pinned module's; Helm templates, which no tool here renders, left out) on which
 * the three verdicts differ, and why. Each is checked to still differ, so the list stays true.
 */
const NOT_A_MANIFEST = 'not a Kubernetes manifest (a Helm chart\'s Chart.yaml or values, a Swagger file, a SPIRE config): meshctl refuses a document without apiVersion and kind; istioctl passes it over';
const NOT_DUAL_STACK = 'the test cluster is IPv4 only, so the apiserver refuses a Service asking for IPv6 or dual stack (the object is valid); meshctl and istioctl do not judge the cluster\'s networks';
const SAMPLES_DIFFER: Record<string, string> = {
  'ambient-argo/tag-chart/Chart.yaml': NOT_A_MANIFEST,
  'ambient-argo/tag-chart/values.yaml': NOT_A_MANIFEST,
  'bookinfo/swagger.yaml': NOT_A_MANIFEST,
  'security/spire-trust-domain-federation/spire-east.yaml': NOT_A_MANIFEST,
  'security/spire-trust-domain-federation/spire-west.yaml': NOT_A_MANIFEST,
  'mtls-echo/mtls-echo.yaml': 'a volume mount naming no volume of the pod ("ca-certs"): meshctl and the apiserver refuse it, istioctl does not check core kinds',
  'security/spire-trust-domain-federation/cluster-federated-trust-domain.yaml': 'a name that is a shell placeholder ("${CLUSTER}"): meshctl refuses it as every apiserver refuses such a name; the SPIRE CRD is not in the test cluster, so the apiserver is not asked',
  'tcp-echo/gateway-api/tcp-echo-20-v2.yaml': 'TCPRoute in v1alpha2, which the Gateway API v1.6.0 standard CRD no longer serves: meshctl refuses it (so would an apiserver with that CRD: not asked here, the version is not served), istioctl does not check Gateway API',
  'tcp-echo/gateway-api/tcp-echo-all-v1.yaml': 'TCPRoute in v1alpha2, as tcp-echo-20-v2.yaml',
  'bookinfo/platform/kube/bookinfo-details-dualstack.yaml': NOT_DUAL_STACK,
  'bookinfo/platform/kube/bookinfo-dualstack.yaml': NOT_DUAL_STACK,
  'bookinfo/platform/kube/bookinfo-ratings-discovery-dualstack.yaml': NOT_DUAL_STACK,
  'bookinfo/platform/kube/bookinfo-ratings-dualstack.yaml': NOT_DUAL_STACK,
  'helloworld/helloworld-dual-stack.yaml': NOT_DUAL_STACK,
  'tcp-echo/tcp-echo-dual-stack.yaml': NOT_DUAL_STACK,
  'tcp-echo/tcp-echo-ipv6.yaml': NOT_DUAL_STACK,
};

test('Istio\'s samples/: meshctl, istioctl validate and the apiserver\'s dry-run on every file (differences listed with their reasons)', async () => {
  const root = join(upstreamBinaries().istioModuleDir, 'samples');
  const files = yamlFilesUnder(root).filter((f) => !readFileSync(f, 'utf8').includes('{{')).sort();
  const kube = await clusterKube();
  const figures = { files: files.length, objects: 0, dryRun: 0, meshctl: 0, istioctl: 0, apiserver: 0 };
  const differ: Record<string, string> = {};
  for (const file of files) {
    const rel = file.slice(root.length + 1);
    const r = await runCli(['validate', file, '-o', 'json']);
    const meshctl = r.code !== 0;
    const istioctl = !istioctlValidates(file);
    let apiserver = false;
    const { objects } = await loadSources([file]);
    for (const src of objects) {
      const o = src.object;
      figures.objects++;
      if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || !(await kube.serves(o.apiVersion, o.kind))) continue;
      const ns = o.metadata?.namespace ?? 'default';
      if (ns !== 'default') await ensureNamespace(ns);
      const res = await dryRunCreate(kube, o);
      figures.dryRun++;
      if (res.status >= 400 && res.status !== 409) apiserver = true;
    }
    figures.meshctl += Number(meshctl);
    figures.istioctl += Number(istioctl);
    figures.apiserver += Number(apiserver);
    if (meshctl !== istioctl || meshctl !== apiserver) differ[rel] = `meshctl ${meshctl ? 'refuses' : 'accepts'}, istioctl ${istioctl ? 'refuses' : 'accepts'}, apiserver ${apiserver ? 'refuses' : 'accepts'}`;
  }
  console.log(`Istio samples: ${figures.files} files, ${figures.objects} objects (${figures.dryRun} dry-run by the apiserver); files refused: meshctl ${figures.meshctl}, istioctl ${figures.istioctl}, apiserver ${figures.apiserver}`);
  console.log(`Istio samples: ${Object.keys(differ).length} files with differing verdicts, each listed in SAMPLES_DIFFER with its reason`);
  assert.deepEqual(Object.keys(differ).sort(), Object.keys(SAMPLES_DIFFER).sort(), JSON.stringify(differ, null, 2));
});
