/**
 * The ghost proxy against a real istiod: a local cluster (pilot-discovery standing in for the istiod Deployment)
 * with the demo profile and bookinfo, installed by `meshctl up`. meshctl asks istiod for a pod's configuration as
 * that pod's sidecar would (xDS on port 15010, through a port-forward to istiod's pod) and
 * - `proxy-config` prints what the built istioctl prints from the same configuration saved as an Envoy config dump
 *   (`istioctl proxy-config … --file`). Intended difference: the order of rows among names that are not numbers
 *   (istioctl sorts with a comparison that leaves them in an order of its sort's making), so rows are compared as sets;
 * - `explain request` shows the 90/10 split meshctl applied, named after its VirtualService, and the server side:
 *   PERMISSIVE then STRICT after `mtls strict`; authorization allowed, denied after `authz deny-all`, allowed for the
 *   service account an `authz allow` names (for GET only).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kube } from '../../src/cluster/kube.js';
import { ghostConfig } from '../../src/mesh/xds/ghost-config.js';
import { fingerprint } from '../../src/mesh/xds/pushed.js';
import { requireIstioctl } from '../harness/upstream.js';
import { runCli } from '../helpers/cli.js';
import { runInPty, silentServer } from '../helpers/pty.js';
import { createTestNamespace, testCluster } from '../harness/namespace.js';
import { istioTestCases } from '../harness/istio-cases.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const CONTEXT = 'meshctl-local-xds';
const env = { MESHCTL_STATE_DIR: tmp('meshctl-state-'), KUBECONFIG: join(tmp('meshctl-kc-'), 'config'), MESHCTL_CACHE_DIR: tmp('meshctl-cache-') };
const C = ['--context', CONTEXT];
let kube: Kube;
let productpage: string;

const meshctl = async (args: string[], code = 0) => {
  const r = await runCli(args, { env, timeoutMs: 120_000 });
  assert.equal(r.code, code, `meshctl ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return r;
};

before(async () => {
  await meshctl(['up', '--provider', 'local', '--name', 'xds', '--timeout', '3m']);
  kube = await Kube.connect({ kubeconfig: env.KUBECONFIG, context: CONTEXT });
  const pods = await kube.list('v1', 'Pod', { namespace: 'bookinfo', labelSelector: 'app=productpage' });
  productpage = `${pods[0].metadata.name}.bookinfo`;
  const split = await meshctl(['split', 'v1=90', 'v2=10', '-n', 'bookinfo', '--apply', '--wait=pushed', ...C]);
  assert.match(split.stderr, /^pushed: istiod serves the change to pod bookinfo\/\S+ after \d+\.\ds \(config version \S+\)$/m, split.stderr);
  // once the wait is over, istiod serves the split: asked at once, with no retry (by service account this time)
  const now = JSON.parse((await meshctl(['explain', 'request', '--from', 'bookinfo/bookinfo-productpage', '--to', 'http://reviews:9080/', '-o', 'json', ...C])).stdout);
  assert.deepEqual(now.clusters.map((c: any) => c.percent), [90, 10], 'the split is served when --wait=pushed returns');
});

after(async () => {
  await meshctl(['down', '--provider', 'local', '--name', 'xds']);
});

/** Table rows without the header, sorted (istioctl's order among non-numeric names is its sort's). */
const rows = (text: string) => text.replace(/\n$/, '').split('\n').slice(1).sort();

/** proxy-config's tables for `pod` against istioctl's from the same configuration saved as a config dump; the row counts. */
async function compareWithIstioctl(pod: string): Promise<Record<string, number>> {
  const istioctl = requireIstioctl();
  const dump = await meshctl(['proxy-config', 'all', pod, '-o', 'json', ...C]);
  assert.doesNotMatch(dump.stderr, /cannot decode/, 'every type istiod sent is decoded');
  const file = join(tmp('meshctl-dump-'), 'dump.json');
  writeFileSync(file, dump.stdout);
  const counts: Record<string, number> = {};
  for (const [ours, theirs] of [['routes', 'routes'], ['clusters', 'clusters'], ['listeners', 'listeners'], ['endpoints', 'eds']] as const) {
    const m = await meshctl(['proxy-config', ours, pod, ...C]);
    const i = spawnSync(istioctl, ['proxy-config', theirs, '--file', file], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '' } });
    assert.equal(i.status, 0, `istioctl proxy-config ${theirs} --file: ${i.stderr}`);
    assert.equal(m.stdout.split('\n')[0], i.stdout.split('\n')[0], `${ours}: the same header`);
    assert.deepEqual(rows(m.stdout), rows(i.stdout), `${ours} of ${pod}: the same rows as istioctl ${theirs}`);
    counts[ours] = rows(m.stdout).length;
    assert.ok(counts[ours] > 0, `${ours}: rows`);
    const fromFile = await meshctl(['proxy-config', ours, '--file', file]);
    assert.equal(fromFile.stdout, m.stdout, `${ours}: the same table from the saved dump`);
  }
  return counts;
}

test('proxy-config prints what istioctl proxy-config --file prints from the same configuration saved as a config dump', async () => {
  const counts = await compareWithIstioctl(productpage);
  process.stderr.write(`proxy-config rows equal to istioctl's: ${JSON.stringify(counts)}\n`);
  const routes = await meshctl(['proxy-config', 'routes', productpage, ...C]);
  assert.match(routes.stdout, /^9080 +reviews\.bookinfo\.svc\.cluster\.local:9080 .* reviews\.bookinfo$/m, 'the reviews route names its VirtualService');
  const clusters = await meshctl(['proxy-config', 'clusters', productpage, '--fqdn', 'reviews', ...C]);
  for (const subset of ['v1', 'v2']) assert.match(clusters.stdout, new RegExp(`^reviews\\.bookinfo\\.svc\\.cluster\\.local +9080 +${subset} +outbound +EDS +reviews\\.bookinfo$`, 'm'));
});

test('meshctl test: the example routing tests pass; a wrong expectation is exit 79 with what the mesh does instead, in JUnit too', async () => {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const ok = await meshctl(['test', join(repo, 'examples', 'bookinfo-routing.yaml'), ...C]);
  assert.match(ok.stdout, /2 of 2 test\(s\) passed/);
  const dir = tmp('meshctl-routing-');
  const file = join(dir, 'wrong.yaml');
  writeFileSync(file, [
    'tests:',
    '- name: half and half',
    '  from: { namespace: bookinfo, selector: app=productpage }',
    '  request: { url: "http://reviews:9080/" }',
    '  expect: { destinations: { v1: 50, v2: 50 }, mtls: STRICT }',
    '- name: no such pod',
    '  from: nosuchpod.bookinfo',
    '  request: { url: "http://reviews:9080/" }',
    '  expect: { status: 200 }',
  ].join('\n'));
  const junit = join(dir, 'report.xml');
  const failed = await meshctl(['test', file, '--junit', junit, ...C], 79);
  assert.match(failed.stdout, /destinations: v1 gets 90% of requests, expected 50%/);
  assert.match(failed.stdout, /mtls: PERMISSIVE at pod bookinfo\/reviews-v1-\S+, expected STRICT/);
  assert.match(failed.stdout, /could not be checked: pod bookinfo\/nosuchpod not found/);
  assert.match(failed.stderr, /2 of 2 test\(s\) failed/);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuite name="meshctl test" tests="2" failures="1" errors="1"/);
  assert.match(xml, /<failure message="destinations: v1 gets 90% of requests, expected 50%">/);
  writeFileSync(file, 'tests:\n- name: x\n  from: a.b\n  request: { url: "http://r/" }\n  expect: { colour: blue }\n');
  const bad = await meshctl(['test', file, ...C], 65);
  assert.match(bad.stderr, /tests\[0\] \(x\): expect: unknown field "colour"/);
});

const explain = async (extra: string[] = []) => JSON.parse((await meshctl(['explain', 'request', '--from', productpage, '--to', 'http://reviews:9080/', '-o', 'json', ...extra, ...C])).stdout);

test('explain request: the 90/10 split meshctl applied, from its VirtualService; mTLS and authorization verdicts follow the policies', async () => {
  const x = await explain();
  assert.equal(x.listener, '0.0.0.0_9080');
  assert.equal(x.route.virtualService, 'reviews.bookinfo');
  assert.deepEqual(x.clusters.map((c: any) => [c.subset, c.percent, c.destinationRule]), [['v1', 90, 'reviews.bookinfo'], ['v2', 10, 'reviews.bookinfo']]);
  assert.ok(x.clusters.every((c: any) => c.endpoints.length === 1 && c.endpoints[0].sidecar), 'each subset has its pod, with a sidecar');
  assert.deepEqual(x.server.map((s: any) => [s.mtlsMode, s.verdict]), [['PERMISSIVE', 'ALLOW'], ['PERMISSIVE', 'ALLOW']]);
  const dump = join(tmp('meshctl-dump-'), 'dump.json');
  writeFileSync(dump, (await meshctl(['proxy-config', 'all', productpage, '-o', 'json', ...C])).stdout);
  const offline = await meshctl(['explain', 'request', '--file', dump, '--to', 'http://reviews:9080/', '-o', 'json']);
  assert.deepEqual(JSON.parse(offline.stdout).clusters, x.clusters, 'explained from the saved dump: the same destinations');
  assert.match(offline.stderr, /the client side only/);
  const text = await meshctl(['explain', 'request', '--from', productpage, '--to', 'http://reviews:9080/', ...C]);
  assert.match(text.stdout, /^ +90% +outbound\|9080\|v1\|reviews\.bookinfo\.svc\.cluster\.local$/m);
  assert.match(text.stdout, /from VirtualService bookinfo\/reviews/);

  await meshctl(['mtls', 'strict', '-n', 'bookinfo', '--apply', ...C]);
  await meshctl(['authz', 'deny-all', '-n', 'bookinfo', '--apply', ...C]);
  const denied = await eventually(explain, (e) => e.server.every((s: any) => s.mtlsMode === 'STRICT' && s.verdict === 'DENY'));
  assert.match(denied.server[0].peerAuthentication, /PeerAuthentication bookinfo\/default/);
  assert.match(denied.server[0].policy, /AuthorizationPolicy bookinfo\/deny-all/);

  await meshctl(['authz', 'allow', '-n', 'bookinfo', '--to', 'app=reviews', '--from-sa', 'bookinfo/bookinfo-productpage', '--methods', 'GET', '--apply', ...C]);
  const allowed = await eventually(explain, (e) => e.server.every((s: any) => s.verdict === 'ALLOW'));
  assert.match(allowed.server[0].policy, /AuthorizationPolicy bookinfo\/allow-reviews/);
  const post = await explain(['--method', 'POST']);
  assert.ok(post.server.every((s: any) => s.verdict === 'DENY'), 'POST is not among the allowed methods');
  // a pod with STRICT mTLS and authorization policies: inbound chains and RBAC filters, read by istioctl too
  const reviews = `${allowed.server[0].pod.split('/')[1]}.bookinfo`;
  const counts = await compareWithIstioctl(reviews);
  process.stderr.write(`proxy-config rows of ${reviews} (STRICT, policies) equal to istioctl's: ${JSON.stringify(counts)}\n`);
});

/** Asks again (istiod pushes a change within a second or two) until `ok`, for at most 20 s. */
async function eventually<T>(get: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const t = await get();
    if (ok(t) || Date.now() > deadline) return t;
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('--wait=pushed after inject and install: istiod serves a pod its configuration; --wait without --apply is exit 64', async () => {
  const inject = await meshctl(['inject', 'enable', '-n', 'bookinfo', '--wait=pushed', ...C]);
  assert.match(inject.stderr, /pushed: istiod serves pod bookinfo\/\S+ its configuration after \d+\.\ds/);
  const install = await runCli(['install', '--profile', 'demo', '-y', '--wait=pushed', ...C], { env, timeoutMs: 300_000 });
  assert.equal(install.code, 0, install.stderr);
  assert.match(install.stderr, /pushed: istiod serves pod \S+ its configuration after \d+\.\ds/);
  const noApply = await meshctl(['split', 'v1=90', 'v2=10', '-n', 'bookinfo', '--wait=pushed', ...C], 64);
  assert.match(noApply.stderr, /--wait waits for what --apply writes/);
  const bad = await meshctl(['split', 'v1=90', 'v2=10', '-n', 'bookinfo', '--apply', '--wait=ready', ...C], 64);
  assert.match(bad.stderr, /the one condition is "pushed"/);
  const unchanged = await meshctl(['split', 'v1=90', 'v2=10', '-n', 'bookinfo', '--apply', '--wait=pushed', ...C]);
  assert.match(unchanged.stderr, /nothing changed, so istiod has nothing to push/);
});

test('proxy-config and explain: a pod that is not there is exit 64; a cluster without istiod is exit 2', async () => {
  const missing = await meshctl(['proxy-config', 'routes', 'nosuchpod.bookinfo', ...C], 64);
  assert.match(missing.stderr, /pod bookinfo\/nosuchpod not found/);
  const unreachable = await meshctl(['proxy-config', 'routes', productpage, '--xds-address', '127.0.0.1:1', '--timeout', '5s', ...C], 2);
  assert.match(unreachable.stderr, /istiod's xDS server at 127\.0\.0\.1:1 is unreachable|did not send a whole configuration/);
  const bad = await meshctl(['explain', 'request', '--from', productpage, '--to', 'ftp://x/', ...C], 64);
  assert.match(bad.stderr, /only http:\/\/ and https:\/\//);
  // the shared control plane of the integration tests runs no istiod
  const shared = testCluster();
  const ns = await createTestNamespace(shared, 'xds');
  const pod = await shared.request('POST', `/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app' }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } });
  assert.equal(pod.status, 201, JSON.stringify(pod.body));
  const noIstiod = await runCli(['proxy-config', 'routes', `app.${ns}`, '--kubeconfig', shared.kubeconfig], { env });
  assert.equal(noIstiod.code, 2, noIstiod.stderr);
  assert.match(noIstiod.stderr, /no running istiod pod in namespace istio-system/);
});

test('the xDS descriptors are what scripts/gen-xds-descriptors.mjs generates from the Istio module the tests build istiod from', () => {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  // the modules are in Go's module cache (scripts/build-upstream.sh fetched them for pilot-discovery): no network needed
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'gen-xds-descriptors.mjs'), '--check'], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /is up to date/);
});

test('pty: Ctrl-C while istiod does not answer ends explain at once with 130; --timeout ends it with exit 2', async () => {
  const hung = await silentServer();
  try {
    const args = ['explain', 'request', '--from', productpage, '--to', 'http://reviews:9080/', '--xds-address', `127.0.0.1:${hung.port}`, ...C];
    const interrupted = await runInPty(args, env, undefined, { typeAfter: { ms: 2000, keys: '\x03' }, limitMs: 20_000 });
    assert.equal(interrupted.code, 130, JSON.stringify(interrupted.screen));
    assert.ok(interrupted.ms < 6000, `ended ${interrupted.ms} ms after start`);
    const timedOut = await runInPty([...args, '--timeout', '3s'], env, undefined, { limitMs: 20_000 });
    assert.equal(timedOut.code, 2, JSON.stringify(timedOut.screen));
    assert.match(timedOut.screen, /did not send a whole configuration for sidecar~\S+ within 3s/);
  } finally {
    await hung.close();
  }
});

/** What istiod serves the ghost of pod NAMESPACE/NAME now. */
const ghostSnapshot = async (name: string, namespace: string) => (await ghostConfig(kube, { name, namespace }, { timeoutMs: 20_000 })).snapshot;

/** Asks istiod for the pod's configuration every half second until its fingerprint passes `ok`, for `ms` at most; whether it did. */
async function untilFingerprint(name: string, namespace: string, ok: (fp: string) => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const fp = fingerprint(await ghostSnapshot(name, namespace));
    if (ok(fp) || Date.now() > deadline) return ok(fp);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The pod's fingerprint once istiod has taken in what was just made: two asks 1.5 s apart agree (at most 40 asks). */
async function settledFingerprint(name: string, namespace: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 40; i++) {
    const fp = fingerprint(await ghostSnapshot(name, namespace));
    if (fp === last) return fp;
    last = fp;
    await new Promise((r) => setTimeout(r, 1500));
  }
  throw new Error(`the configuration of ${namespace}/${name} did not settle`);
}

/** The pod's address once kwok has given it one (30 s at most). */
async function podAddress(name: string, namespace: string): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const ip = (await kube.get({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } }))?.status?.podIP;
    if (ip) return ip;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`pod ${namespace}/${name} got no address`);
}

/**
 * Istio's own simulation test of sidecar routes (TestSidecarRoutes in pilot/pkg/networking/core, read from the
 * Istio module with go/ast by test/sim-cases/main.go at test time): each case's VirtualServices and Sidecars are
 * applied to the real istiod, and for each domain the case expects, `explain`'s answer for a request to that host
 * (a wildcard domain: a host it covers) from a pod of the case's namespace must be that domain's virtual host with
 * the expected cluster (or, expected absent, not that domain's virtual host). Intended difference: the Services'
 * second port is named http-alt (two ports named http are refused by the apiserver; Istio's fake cluster takes them).
 */
test('Istio\'s sidecar route simulation cases, explained on the real istiod', async () => {
  const cases = istioTestCases('routes', 'pilot/pkg/networking/core/sidecar_simulation_test.go') as SimCase[];
  type SimCase = {
    name: string; configs: Record<string, any>[] | null; proxyNamespace: string; routeName: string; expected: Record<string, string[] | null>; skipped?: string;
  };
  assert.ok(cases.length >= 25, `Istio's cases: ${cases.length}`);

  const { explainOutbound } = await import('../../src/mesh/xds/explain.js');
  const namespaces = ['default', 'not-default', 'arbitrary'];
  for (const ns of namespaces) await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const service = (name: string, namespace: string) => kube.apply({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }, { name: 'http-alt', port: 8080 }] },
  } as any);
  await service('known', 'default');
  await service('alt-known', 'default');
  await service('not-default', 'not-default');
  for (const ns of ['default', 'not-default']) {
    await kube.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sim-client', namespace: ns }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } } as any);
  }
  for (const ns of ['default', 'not-default']) await podAddress('sim-client', ns);
  const clean: Record<string, string> = {};
  for (const ns of ['default', 'not-default']) clean[ns] = await settledFingerprint('sim-client', ns);
  const removeAll = async () => {
    for (const ns of namespaces) {
      for (const kind of ['VirtualService', 'Sidecar']) {
        for (const o of await kube.list('networking.istio.io/v1', kind, { namespace: ns })) await kube.delete(o);
      }
    }
  };

  const results: string[] = [];
  let compared = 0;
  let agreed = 0;
  for (const c of cases) {
    if (c.skipped || !c.configs) { results.push(`skipped ${c.name}: ${c.skipped ?? 'no configs'}`); continue; }
    await removeAll();
    for (const ns of ['default', 'not-default']) assert.ok(await untilFingerprint('sim-client', ns, (fp) => fp === clean[ns], 20_000), `${c.name}: istiod pushed the clean configuration`);
    const ordered = [...c.configs].sort((a, b) => String(a.Time ?? '2020').localeCompare(String(b.Time ?? '2020')));
    let lastTime: string | undefined;
    for (const cfg of ordered) {
      // creation time orders VirtualServices for the same host (Istio's cases set it; the apiserver stamps it, to the second)
      if (lastTime !== undefined && cfg.Time !== lastTime) await new Promise((r) => setTimeout(r, 1100));
      lastTime = cfg.Time;
      if (cfg.kind === 'vsArgs') {
        const hosts: string[] = cfg.Matches ?? [cfg.Match];
        await kube.apply({
          apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
          metadata: { name: `${cfg.Namespace}${String(cfg.Match ?? hosts[0]).replace('*', 'wild')}${cfg.Dest}`, namespace: cfg.Namespace },
          spec: {
            hosts,
            http: [{
              route: [{ destination: { host: cfg.Dest, ...(cfg.Port ? { port: { number: Number(cfg.Port) } } : {}) } }],
              ...(cfg.PortMatch ? { match: [{ port: Number(cfg.PortMatch) }] } : {}),
            }],
          },
        } as any);
      } else {
        await kube.apply({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: cfg.Namespace, namespace: cfg.Namespace }, spec: { egress: [{ hosts: cfg.Egress }] } } as any);
      }
    }
    // istiod pushes within a second or two; a case whose objects do not change this proxy's configuration stays clean
    await untilFingerprint('sim-client', c.proxyNamespace, (fp) => fp !== clean[c.proxyNamespace], 5_000);
    const s = await ghostSnapshot('sim-client', c.proxyNamespace);
    for (const [domain, want] of Object.entries(c.expected)) {
      const host = domain.replace('*', 'wildcard-probe');
      const svc = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(host);
      const live = svc ? await kube.get({ apiVersion: 'v1', kind: 'Service', metadata: { name: svc[1], namespace: svc[2] } }) : undefined;
      const x = explainOutbound(s, { method: 'GET', scheme: 'http', host, port: Number(c.routeName), path: '/', headers: {}, ...(live?.spec?.clusterIP ? { destinationIp: live.spec.clusterIP } : {}) });
      const gotDomain = x.virtualHost?.domain;
      const got = x.clusters.map((cl) => cl.name);
      const ok = want === null ? gotDomain !== domain : gotDomain === domain && JSON.stringify(got) === JSON.stringify(want);
      compared++;
      if (ok) agreed++;
      else results.push(`DIFFERS ${c.name} [${c.routeName}] ${domain}: Istio expects ${JSON.stringify(want)}, explain: vhost domain ${gotDomain ?? '(none)'} → ${JSON.stringify(got)}${x.problem ? ` (${x.problem})` : ''}`);
    }
  }
  await removeAll();
  process.stderr.write(`Istio TestSidecarRoutes through explain: ${agreed} of ${compared} expectations agree (${cases.length} cases)\n${results.join('\n')}\n`);
  assert.equal(agreed, compared, results.filter((r) => r.startsWith('DIFFERS')).join('\n'));
});

/**
 * Istio's simulation of PeerAuthentication on a pod's ports without a Service (TestPeerAuthenticationPassthrough,
 * read from the module like the route cases): each case's policies are applied in namespace default to a pod labelled
 * app=foo, and each call (a port, mTLS or plaintext) must land where Istio expects, on the real istiod's inbound
 * configuration: the cluster matched, or no filter chain (the connection refused). Cases whose configuration holds a
 * ServiceEntry are left out (its endpoint is the simulated proxy's own address, 1.1.1.1, which no pod here has).
 */
test('Istio\'s PeerAuthentication passthrough simulation cases, on the real istiod\'s inbound configuration', async () => {
  const cases = istioTestCases('peer-authentication', 'pilot/pkg/networking/core/peer_authentication_simulation_test.go') as PaCase[];
  type PaCase = { name: string; config: string; calls: { name: string; port: number; tls: string; cluster?: string; error?: string }[]; skipped?: string };
  assert.ok(cases.length >= 6, `Istio's cases: ${cases.length}`);

  const { inboundCall } = await import('../../src/mesh/xds/inbound.js');
  const { parse } = await import('yaml');
  await kube.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'foo', namespace: 'default', labels: { app: 'foo' } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } } as any);
  const ip = await podAddress('foo', 'default');
  const removeAll = async () => {
    for (const o of await kube.list('security.istio.io/v1', 'PeerAuthentication', { namespace: 'default' })) await kube.delete(o);
  };
  await removeAll();
  const clean = await settledFingerprint('foo', 'default');
  const lines: string[] = [];
  let compared = 0;
  let agreed = 0;
  for (const c of cases) {
    if (c.skipped || c.config.includes('kind: ServiceEntry')) { lines.push(`skipped ${c.name}: ${c.skipped ?? 'a ServiceEntry for the simulated proxy\'s own address'}`); continue; }
    await removeAll();
    assert.ok(await untilFingerprint('foo', 'default', (fp) => fp === clean, 20_000), `${c.name}: istiod pushed the configuration without policies`);
    for (const doc of c.config.split(/^---$/m).map((d) => parse(d)).filter(Boolean)) {
      await kube.apply({ ...doc, metadata: { ...doc.metadata, namespace: 'default' } });
    }
    await untilFingerprint('foo', 'default', (fp) => fp !== clean, 5_000);
    const s = await ghostSnapshot('foo', 'default');
    for (const call of c.calls) {
      const got = inboundCall(s, { port: call.port, mtls: call.tls === 'MTLS', destinationIp: ip });
      const ok = call.error === 'ErrNoFilterChain' ? got.chain === undefined : call.cluster !== undefined && got.cluster === call.cluster;
      compared++;
      if (ok) agreed++;
      else lines.push(`DIFFERS ${c.name} / ${call.name}: Istio expects ${call.error ?? call.cluster}, meshctl: ${got.chain === undefined ? 'no filter chain' : `chain ${got.chain} → ${got.cluster}`}`);
    }
  }
  await removeAll();
  process.stderr.write(`Istio TestPeerAuthenticationPassthrough on the inbound configuration: ${agreed} of ${compared} calls agree (${cases.length} cases)\n${lines.join('\n')}\n`);
  assert.equal(agreed, compared, lines.filter((l) => l.startsWith('DIFFERS')).join('\n'));
});
