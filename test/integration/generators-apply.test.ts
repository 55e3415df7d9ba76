import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { applyCrds, gatewayApiCrds, istioCrds } from '../harness/crds.js';
import { createTestNamespace, testCluster } from '../harness/namespace.js';
import { runCli } from '../helpers/cli.js';

const cluster = testCluster();
const VS_PATH = (ns: string, name = 'reviews') => `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${name}`;
const DR_PATH = (ns: string, name = 'reviews') => `/apis/networking.istio.io/v1/namespaces/${ns}/destinationrules/${name}`;

before(async () => {
  await applyCrds(cluster, [...istioCrds(), ...gatewayApiCrds()]);
});

/** Server-side applies `obj` as another tool would (field manager `manager`). */
async function applyAs(manager: string, path: string, obj: object): Promise<void> {
  const res = await cluster.request('PATCH', `${path}?fieldManager=${manager}`, obj, { 'content-type': 'application/apply-patch+yaml' });
  assert.ok(res.status === 200 || res.status === 201, `seeding ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

async function get(path: string): Promise<any> {
  const res = await cluster.request('GET', path);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.body;
}

/** Services and their pods (one per version, labelled app and version), as a sample deploys them. */
async function seedWorkloads(ns: string, apps: [string, string[]][]): Promise<void> {
  for (const [app, versions] of apps) {
    const svc = await cluster.request('POST', `/api/v1/namespaces/${ns}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: app }, spec: { selector: { app }, ports: [{ name: 'http', port: 9080 }] },
    });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    for (const version of versions) {
      const pod = await cluster.request('POST', `/api/v1/namespaces/${ns}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `${app}-${version}`, labels: { app, version } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
      });
      assert.equal(pod.status, 201, JSON.stringify(pod.body));
    }
  }
}

/** A canary in progress, owned by another tool: reviews all on v1, with retries and an annotation of its own. */
async function seedCanary(ns: string): Promise<void> {
  await applyAs('ci-bot', VS_PATH(ns), {
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: ns, annotations: { team: 'reviews' } },
    spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }], retries: { attempts: 2 } }] },
  });
  await applyAs('ci-bot', DR_PATH(ns), {
    apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: ns },
    spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
  });
}

test('split --apply changes exactly the weights of the live VirtualService; another manager\'s fields are a conflict unless --force', async () => {
  const ns = await createTestNamespace(cluster, 'apply');
  await seedCanary(ns);
  const vsBefore = await get(VS_PATH(ns));
  const drBefore = await get(DR_PATH(ns));

  const conflict = await runCli(['split', 'reviews', 'v1=75', 'v2=25', '-n', ns, '--apply']);
  assert.equal(conflict.code, 2, conflict.stderr);
  assert.match(conflict.stderr, /^Error: VirtualService .*\/reviews: fields meshctl would change are owned by another field manager \(conflict with "ci-bot".*\.spec\.http.*\); nothing was applied\. Rerun with --force/m);
  assert.equal((await get(VS_PATH(ns))).metadata.resourceVersion, vsBefore.metadata.resourceVersion, 'nothing applied');

  // --diff alone shows what would change and changes nothing
  const diff = await runCli(['split', 'reviews', 'v1=75', 'v2=25', '-n', ns, '--diff']);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, new RegExp(`^--- live/VirtualService ${ns}/reviews\\n\\+\\+\\+ result/VirtualService ${ns}/reviews\\n@@ `, 'm'));
  assert.match(diff.stdout, /^-\s+weight: 100$/m);
  assert.match(diff.stdout, /^\+\s+weight: 75$/m);
  assert.match(diff.stdout, /^\+\s+subset: v2$/m);
  assert.doesNotMatch(diff.stdout, /DestinationRule/, 'the DestinationRule already has both subsets');
  assert.equal((await get(VS_PATH(ns))).metadata.resourceVersion, vsBefore.metadata.resourceVersion, '--diff changes nothing');

  const forced = await runCli(['split', 'reviews', 'v1=75', 'v2=25', '-n', ns, '--apply', '--force', '--diff']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /^virtualservice\.networking\.istio\.io\/reviews configured$/m);
  assert.match(forced.stdout, /^destinationrule\.networking\.istio\.io\/reviews unchanged$/m);
  const vs = await get(VS_PATH(ns));
  assert.deepEqual(vs.spec.http[0].route, [
    { destination: { host: 'reviews', subset: 'v1' }, weight: 75 },
    { destination: { host: 'reviews', subset: 'v2' }, weight: 25 },
  ]);
  assert.deepEqual(vs.spec.http[0].retries, { attempts: 2 }, 'the retries the other tool set are kept');
  assert.equal(vs.metadata.annotations.team, 'reviews', 'its annotation too');
  assert.deepEqual(vs.spec.hosts, ['reviews']);
  assert.ok(vs.metadata.managedFields.some((m: any) => m.manager === 'meshctl'), 'applied with field manager meshctl');
  assert.equal((await get(DR_PATH(ns))).metadata.resourceVersion, drBefore.metadata.resourceVersion, 'the DestinationRule is not written');

  // a second run has nothing to do: no write at all
  const again = await runCli(['split', 'reviews', 'v1=75', 'v2=25', '-n', ns, '--apply', '-o', 'json']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).map((c: any) => `${c.kind}/${c.action}`), ['VirtualService/unchanged', 'DestinationRule/unchanged']);
  assert.equal((await get(VS_PATH(ns))).metadata.resourceVersion, vs.metadata.resourceVersion);
});

test('--apply creates what is missing; --dry-run=server checks it and writes nothing; the other generators apply too', async () => {
  const ns = await createTestNamespace(cluster, 'apply');
  await seedWorkloads(ns, [['reviews', ['v1', 'v2']]]);
  const dry = await runCli(['split', 'reviews', 'v1=90', 'v2=10', '-n', ns, '--apply', '--dry-run', 'server']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, 'virtualservice.networking.istio.io/reviews created (server dry run)\ndestinationrule.networking.istio.io/reviews created (server dry run)\n');
  assert.equal((await cluster.request('GET', VS_PATH(ns))).status, 404, 'a dry run creates nothing');
  const made = await runCli(['split', 'reviews', 'v1=90', 'v2=10', '-n', ns, '--apply']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout, 'virtualservice.networking.istio.io/reviews created\ndestinationrule.networking.istio.io/reviews created\n');
  // the next generator composes with what is live now: the weights stay, the timeout is added
  const timeout = await runCli(['timeout', 'reviews', '2s', '-n', ns, '--apply']);
  assert.equal(timeout.code, 0, timeout.stderr);
  assert.equal(timeout.stdout, 'virtualservice.networking.istio.io/reviews configured\n');
  const vs = await get(VS_PATH(ns));
  assert.equal(vs.spec.http[0].timeout, '2s');
  assert.deepEqual(vs.spec.http[0].route.map((r: any) => r.weight), [90, 10]);
  const authz = await runCli(['authz', 'deny-all', '-n', ns, '--apply']);
  assert.equal(authz.code, 0, authz.stderr);
  assert.equal(authz.stdout, 'authorizationpolicy.security.istio.io/deny-all created\n');
  const mixed = await runCli(['split', 'reviews', 'v1=90', 'v2=10', '-n', ns, '--apply', '--from', '-'], { input: 'x' });
  assert.equal(mixed.code, 64);
  assert.match(mixed.stderr, /--from and --apply/);
});

test('--apply owns only what it changes: another manager\'s tls.mode stays theirs, and goes when they remove it', async () => {
  const ns = await createTestNamespace(cluster, 'owner');
  // the platform team's DestinationRule: plaintext to reviews, and the two subsets
  const platform = (tls: boolean) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: ns },
    spec: {
      host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
      ...(tls ? { trafficPolicy: { tls: { mode: 'DISABLE' } } } : {}),
    },
  });
  await applyAs('platform', DR_PATH(ns), platform(true));
  const res = await runCli(['circuit-break', 'reviews', '--max-connections', '50', '-n', ns, '--apply']);
  assert.equal(res.code, 0, res.stderr);
  const dr = await get(DR_PATH(ns));
  assert.equal(dr.spec.trafficPolicy.connectionPool.tcp.maxConnections, 50, 'the change is applied');
  assert.equal(dr.spec.trafficPolicy.tls.mode, 'DISABLE');
  const mine = dr.metadata.managedFields.find((m: any) => m.manager === 'meshctl');
  assert.ok(mine, 'meshctl applied');
  const owned = JSON.stringify(mine.fieldsV1);
  assert.match(owned, /f:connectionPool/);
  assert.doesNotMatch(owned, /f:tls/, 'meshctl does not co-own the tls mode it did not set');
  // the platform team removes plaintext: it is gone, since nobody else owns it
  await applyAs('platform', DR_PATH(ns), platform(false));
  const after = await get(DR_PATH(ns));
  assert.equal(after.spec.trafficPolicy?.tls, undefined, 'plaintext did not outlive its owner\'s removal');
  assert.equal(after.spec.trafficPolicy.connectionPool.tcp.maxConnections, 50, 'meshctl\'s own field stays');
});

test('the card\'s form live: split v1=90 v2=10 -n NS --apply splits the one Service whose pods are v1 and v2; ambiguity or none is exit 64', async () => {
  const ns = await createTestNamespace(cluster, 'infer');
  await seedWorkloads(ns, [['reviews', ['v1', 'v2']], ['ratings', ['v1']]]);
  const r = await runCli(['split', 'v1=90', 'v2=10', '-n', ns, '--apply']);
  assert.equal(r.code, 0, r.stderr);
  const vs = await get(VS_PATH(ns));
  assert.deepEqual(vs.spec.http[0].route.map((d: any) => `${d.destination.host}/${d.destination.subset}=${d.weight}`), ['reviews/v1=90', 'reviews/v2=10']);
  const amb = await runCli(['split', 'v1=100', '-n', ns, '--apply']);
  assert.equal(amb.code, 64);
  assert.equal(amb.stderr, `Error: 2 services could be meant (ratings, reviews) in namespace ${ns} (Services whose pods carry version=v1): name one (meshctl split SERVICE v1=100)\n`);
  const none = await runCli(['split', 'v7=50', 'v8=50', '-n', ns, '--diff']);
  assert.equal(none.code, 64);
  assert.match(none.stderr, /^Error: no service to infer from namespace \S+ \(Services whose pods carry version=v7, version=v8\): name it/);
  // route names versions: the Service with v1 and v2 pods; retry names none: the one service the namespace routes
  const route = await runCli(['route', '--match', 'header:end-user=jason', '--to', 'v2', '--default', 'v1', '-n', ns, '--apply']);
  assert.equal(route.code, 0, route.stderr);
  assert.equal((await get(VS_PATH(ns))).spec.http[0].match[0].headers['end-user'].exact, 'jason');
  const retry = await runCli(['retry', '--attempts', '2', '-n', ns, '--apply']);
  assert.equal(retry.code, 0, retry.stderr);
  assert.ok((await get(VS_PATH(ns))).spec.http.every((h: any) => h.retries.attempts === 2));
  const empty = await createTestNamespace(cluster, 'infer-none');
  const noRouting = await runCli(['timeout', '2s', '-n', empty, '--apply']);
  assert.equal(noRouting.code, 64);
  assert.equal(noRouting.stderr, `Error: no service to infer from namespace ${empty} (services its VirtualServices, DestinationRules and HTTPRoutes route): name it (meshctl timeout SERVICE 2s)\n`);
});

test('--apply checks before it writes: an error the change would bring (a typo\'d service, a subset no pod has) is exit 79 with nothing written; --force writes', async () => {
  const ns = await createTestNamespace(cluster, 'check');
  await seedWorkloads(ns, [['reviews', ['v1', 'v2']]]);
  const typo = await runCli(['split', 'reviwes', 'v1=90', 'v2=10', '-n', ns, '--apply']);
  assert.equal(typo.code, 79, typo.stderr);
  assert.match(typo.stderr, new RegExp(`^Error \\[IST0101\\] \\(VirtualService ${ns}/reviwes\\) Referenced host not found: "reviwes"$`, 'm'));
  assert.match(typo.stderr, /^Error: nothing applied: the change would bring 1 error\(s\) \(fix them, or --force to apply anyway\)$/m);
  assert.equal(typo.stdout, '');
  assert.equal((await cluster.request('GET', VS_PATH(ns, 'reviwes'))).status, 404, 'nothing written');
  assert.equal((await cluster.request('GET', DR_PATH(ns, 'reviwes'))).status, 404);

  const made = await runCli(['split', 'reviews', 'v1=90', 'v2=10', '-n', ns, '--apply']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stderr, '', 'a change that brings nothing says nothing');
  // a version no pod has: the subset it adds selects nothing (IST0173)
  const v9 = await runCli(['route', 'reviews', '--match', 'header:end-user=jason', '--to', 'v9', '--default', 'v1', '-n', ns, '--apply']);
  assert.equal(v9.code, 79, v9.stderr);
  assert.match(v9.stderr, /\[IST0173\] \(DestinationRule \S+\/reviews\) .*v9/);
  assert.deepEqual((await get(DR_PATH(ns))).spec.subsets.map((x: any) => x.name), ['v1', 'v2'], 'the DestinationRule is as it was');
  const diff = await runCli(['route', 'reviews', '--match', 'header:end-user=jason', '--to', 'v9', '--default', 'v1', '-n', ns, '--diff']);
  assert.equal(diff.code, 79, '--diff shows the change and says it would be refused');
  assert.match(diff.stdout, /^\+ +name: v9$/m);
  const forced = await runCli(['route', 'reviews', '--match', 'header:end-user=jason', '--to', 'v9', '--default', 'v1', '-n', ns, '--apply', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /\[IST0173\]/, 'said, and written anyway');
  // v2, which split added, goes: the catch-all now routes to v1 alone and nothing else routes to v2
  assert.deepEqual((await get(DR_PATH(ns))).spec.subsets.map((x: any) => x.name), ['v1', 'v9']);
  // routing back: v9, which meshctl added and nothing routes to any more, goes with it (IST0173 stops firing)
  const back = await runCli(['route', 'reviews', '--match', 'header:end-user=jason', '--to', 'v2', '--default', 'v1', '-n', ns, '--apply']);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual((await get(DR_PATH(ns))).spec.subsets.map((x: any) => x.name), ['v1', 'v2']);
  // the header route goes, and v2 with it: meshctl added it and nothing routes to it any more
  const cleared = await runCli(['route', '--match', 'header:end-user=jason', '--clear', '-n', ns, '--apply']);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.deepEqual((await get(VS_PATH(ns))).spec.http.map((h: any) => h.match ?? 'default'), ['default']);
  assert.deepEqual((await get(DR_PATH(ns))).spec.subsets.map((x: any) => x.name), ['v1']);
  const again = await runCli(['route', 'reviews', '--match', 'header:end-user=jason', '--clear', '-n', ns, '--apply']);
  assert.equal(again.code, 64, 'a route that is not there is said, not a quiet no-op');
  const clean = await runCli(['analyze', '-n', ns]);
  assert.equal(clean.code, 0, clean.stderr);
  // a namespace the cluster does not have: said, exit 2, before anything is looked up or written
  for (const args of [['split', 'reviews', 'v1=100'], ['split', 'v1=100'], ['authz', 'deny-all']]) {
    const r = await runCli([...args, '-n', 'no-such-ns-q7', '--apply']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^Error: namespace no-such-ns-q7 does not exist in context \S+ \(create it, or pass -n\)$/m);
  }
});
