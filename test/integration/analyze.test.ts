import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyCrds, istioCrds } from '../harness/crds.js';
import { createTestNamespace, eventually, testCluster } from '../harness/namespace.js';
import { runCli } from '../helpers/cli.js';
import { requireIstioctl } from '../harness/upstream.js';
import { implementedCodes } from '../../src/analyze/runner.js';
import { spawnSync } from 'node:child_process';
import { Kube } from '../../src/cluster/kube.js';
import { loadSources } from '../../src/manifests/documents.js';

const cluster = testCluster();
const DIR = fileURLToPath(new URL('../../../test/fixtures/analyze/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(DIR, f));
/** Clean fixtures (one per analyzer; files only: they hold webhooks and CRDs not to be applied to the shared cluster). */
const CLEAN = readdirSync(join(DIR, 'clean')).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(DIR, 'clean', f));

function expected(): string[] {
  // without the ` @LINE`: live resources have no file
  return FILES.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^# expect: (\S+ \S+ \S+)/gm)].map((m) => m[1])).sort();
}

/** Messages about the testdata's own namespaces (az-*), as `CODE Kind ns/name`. */
function ours(stdout: string): string[] {
  return JSON.parse(stdout).filter((m: any) => /^\S+ az-/.test(m.origin)).map((m: any) => `${m.code} ${m.origin}`).sort();
}

before(async () => {
  await applyCrds(cluster, istioCrds());
  const kube = await Kube.connect({ kubeconfig: cluster.kubeconfig });
  const { objects } = await loadSources(FILES);
  // namespaces first, then everything else, as the files have them (server-side apply; status is ignored)
  const ordered = [...objects.filter((o) => o.object.kind === 'Namespace'), ...objects.filter((o) => o.object.kind !== 'Namespace')];
  for (const { object } of ordered) {
    const { status: _status, ...obj } = object as any;
    await kube.apply(obj, { force: true, fieldManager: 'meshctl-test' });
  }
  // kwok makes scheduled pods Running and Ready; the one with an impossible nodeSelector stays Pending
  await eventually('testdata pods settled', async () => {
    const pods = (await kube.list('v1', 'Pod')).filter((p) => p.metadata.namespace!.startsWith('az-'));
    return pods.length === objects.filter((o) => o.object.kind === 'Pod').length &&
      pods.filter((p) => p.metadata.name !== 'cart-v2').every((p) => (p as any).status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  });
});

// the testdata's pods without sidecars in injected namespaces would make later tests' `meshctl status` unhealthy
after(async () => {
  const names = (await loadSources(FILES)).objects.filter((o) => o.object.kind === 'Namespace').map((o) => o.object.metadata.name);
  for (const ns of names) await cluster.request('DELETE', `/api/v1/namespaces/${ns}`);
  await eventually('testdata namespaces deleted', async () => {
    for (const ns of names) if ((await cluster.request('GET', `/api/v1/namespaces/${ns}`)).status !== 404) return false;
    return true;
  }, 120_000);
});

test('the same testdata applied to the cluster gives the same messages as the files', async () => {
  const live = await runCli(['analyze', '-A', '-o', 'json']);
  assert.ok(live.code === 79, `exit ${live.code}: ${live.stderr}`);
  // the cluster has no ingress gateway pod, which file analysis assumes (as istioctl): the `# live-also:` lines
  const liveAlso = FILES.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^# live-also: (\S+ \S+ [^\s:]+)/gm)].map((m) => m[1]));
  // compared as sets: live messages have no line, so the same message at two places of one resource is one message
  const unique = (l: string[]) => [...new Set(l)].sort();
  assert.deepEqual(unique(ours(live.stdout)), unique([...expected(), ...liveAlso]));
  for (const m of JSON.parse(live.stdout)) assert.equal(m.reference, undefined, 'live resources have no file reference');
});

test('files overlay the live cluster: a fixed file wins over the live object, and says it came from the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-analyze-'));
  const fixed = join(dir, 'ghost-fixed.yaml');
  writeFileSync(fixed, 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ghost\n  namespace: az-dr\nspec:\n  host: ratings\n');
  const r = await runCli(['analyze', '-A', fixed, '-o', 'json']);
  const msgs = JSON.parse(r.stdout);
  assert.ok(!msgs.some((m: any) => m.code === 'IST0174' && m.origin === 'DestinationRule az-dr/ghost'), 'the file\'s version of ghost is analyzed, not the live one');
  const broken = join(dir, 'ghost-broken.yaml');
  writeFileSync(broken, readFileSync(fixed, 'utf8').replace('host: ratings', 'host: nowhere'));
  const r2 = await runCli(['analyze', '-A', broken, '-o', 'json']);
  const ghost = JSON.parse(r2.stdout).find((m: any) => m.code === 'IST0174' && m.origin === 'DestinationRule az-dr/ghost');
  assert.equal(ghost.reference, `${broken}:7`);
  assert.match(ghost.message, /The host nowhere defined/);
});

test('namespace scoping: -n reports on one namespace; system namespaces are never reported', async () => {
  const r = await runCli(['analyze', '-n', 'az-inj', '-o', 'json']);
  const origins = JSON.parse(r.stdout).map((m: any) => m.origin);
  assert.ok(origins.length > 0);
  assert.ok(origins.every((o: string) => /az-inj/.test(o)), JSON.stringify(origins));
  const all = await runCli(['analyze', '-A', '-o', 'json']);
  const elsewhere = JSON.parse(all.stdout).filter((m: any) => !/az-inj/.test(m.origin) && !/^Namespace az-inj$/.test(m.origin)).length;
  assert.ok(elsewhere > 0);
  assert.match(r.stderr, new RegExp(`^${elsewhere} message\\(s\\) about resources in other namespaces than az-inj were not shown \\(-A shows every namespace\\)\\.$`, 'm'), 'what is left out is counted');
  assert.doesNotMatch(all.stderr, /not shown/);
  assert.ok(!JSON.parse(all.stdout).some((m: any) => /kube-system|kube-public|kube-node-lease/.test(m.origin)));
});

/**
 * The differences from istioctl a fixture explains, for a message meshctl gives and istioctl does not:
 * `# istioctl-differs: CODE Kind ns/name: reason` in both modes, `# istioctl-differs-files:` on files only (globs
 * allowed in the code and the resource).
 */
function explained(files: string[], mode: 'files' | 'live'): { code: RegExp; origin: RegExp; reason: string }[] {
  const glob = (g: string) => new RegExp(`^${g.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const tag = mode === 'files' ? /^# istioctl-differs(?:-files)?: (\S+) ([^:]+): (.+)$/gm : /^# istioctl-differs: (\S+) ([^:]+): (.+)$/gm;
  return files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(tag)].map((m) => ({ code: glob(m[1]), origin: glob(m[2].trim()), reason: m[3] })));
}

/** istioctl's messages as `CODE Kind ns/name`, only the codes meshctl implements. */
function istioctlMessages(args: string[]): string[] {
  const r = spawnSync(requireIstioctl(), ['analyze', '-A', '-o', 'json', ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.ok(r.stdout.trim().startsWith('['), `istioctl ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const codes = new Set(implementedCodes().map((t) => t.code));
  return JSON.parse(r.stdout).filter((m: any) => codes.has(m.code)).map((m: any) => `${m.code} ${m.origin}`).sort();
}

/** Every istioctl message is meshctl's too; every meshctl extra is explained in a fixture. Returns the counts. */
function differential(where: string, istioctl: string[], meshctl: string[], files: string[], mode: 'files' | 'live') {
  const left = [...meshctl];
  const missing: string[] = [];
  for (const m of istioctl) {
    const i = left.indexOf(m);
    if (i >= 0) left.splice(i, 1);
    else missing.push(m);
  }
  const reasons = explained(files, mode);
  const unexplained = left.filter((m) => !reasons.some((r) => r.code.test(m.split(' ')[0]) && r.origin.test(m.split(' ').slice(1).join(' '))));
  return { istioctl: istioctl.length, meshctl: meshctl.length, extra: left.length, missing: missing.map((m) => `${where}: ${m}`), unexplained: unexplained.map((m) => `${where}: ${m}`) };
}

test('differential, files: on every fixture, meshctl reports every message istioctl reports on a code meshctl implements; its extras are explained', async () => {
  const totals = { istioctl: 0, meshctl: 0, extra: 0, missing: [] as string[], unexplained: [] as string[] };
  for (const file of [...FILES, ...CLEAN]) {
    const istioctl = istioctlMessages(['--use-kube=false', file]);
    const meshctl = await runCli(['analyze', '--use-kube=false', '-A', '-o', 'json', file]);
    const c = differential(basename(file), istioctl, JSON.parse(meshctl.stdout).map((m: any) => `${m.code} ${m.origin}`).sort(), [file], 'files');
    totals.istioctl += c.istioctl;
    totals.meshctl += c.meshctl;
    totals.extra += c.extra;
    totals.missing.push(...c.missing);
    totals.unexplained.push(...c.unexplained);
  }
  console.log(`differential (files, ${FILES.length + CLEAN.length} fixtures): istioctl ${totals.istioctl} messages on meshctl's codes, ${totals.istioctl - totals.missing.length} given by meshctl; ` +
    `meshctl ${totals.meshctl}, ${totals.extra} of them not istioctl's (each explained in its fixture)`);
  assert.deepEqual(totals.missing, [], 'istioctl reports these and meshctl does not');
  assert.deepEqual(totals.unexplained, [], 'meshctl reports these, istioctl does not, and no fixture says why (# istioctl-differs:)');
});

test('differential, live: the fixtures applied to the cluster, istioctl and meshctl analyze -A agree the same way', async () => {
  const istioctl = istioctlMessages(['--kubeconfig', cluster.kubeconfig]).filter((m) => /^\S+ \S+ az-/.test(m));
  const meshctl = ours((await runCli(['analyze', '-A', '-o', 'json'])).stdout);
  const c = differential('live', istioctl, meshctl, FILES, 'live');
  console.log(`differential (live): istioctl ${c.istioctl} messages on meshctl's codes, ${c.istioctl - c.missing.length} given by meshctl; ` +
    `meshctl ${c.meshctl}, ${c.extra} of them not istioctl's (each explained in a fixture)`);
  assert.deepEqual(c.missing, [], 'istioctl reports these and meshctl does not');
  assert.deepEqual(c.unexplained, [], 'meshctl reports these, istioctl does not, and no fixture says why (# istioctl-differs:)');
});

test('differential, live mesh networks (IST0126): the istio ConfigMap\'s meshNetworks and a remote cluster\'s secret, read from the cluster by both tools', async () => {
  // a namespace of its own stands for the istio namespace (istioctl: ISTIOCTL_ISTIONAMESPACE; meshctl: -i), so the
  // shared cluster's istio-system is not touched
  const ns = await createTestNamespace(cluster, 'meshnet');
  const kube = await Kube.connect({ kubeconfig: cluster.kubeconfig });
  const meshNetworks = 'networks:\n  local:\n    endpoints:\n    - fromRegistry: Kubernetes\n  east:\n    endpoints:\n    - fromRegistry: cluster-east\n' +
    '  west:\n    endpoints:\n    - fromRegistry: cluster-west\n    - fromCidr: 10.9.0.0/16\n';
  await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: ns }, data: { mesh: 'rootNamespace: istio-system\n', meshNetworks } } as any);
  // a kubeconfig without a current context: istioctl makes no remote client of it (it would dial the address)
  const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n';
  await kube.apply({
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'istio-remote-secret-east', namespace: ns, labels: { 'istio/multiCluster': 'true' } },
    stringData: { 'cluster-east': kubeconfig },
  } as any);
  try {
    const r = spawnSync(requireIstioctl(), ['analyze', '-n', ns, '-o', 'json', '--kubeconfig', cluster.kubeconfig], {
      encoding: 'utf8', timeout: 120_000, env: { ...process.env, ISTIOCTL_ISTIONAMESPACE: ns },
    });
    assert.ok(r.stdout.trim().startsWith('['), `istioctl: exit ${r.status}: ${r.stderr}`);
    const pick = (stdout: string) => JSON.parse(stdout).filter((m: any) => m.code === 'IST0126').map((m: any) => `${m.origin}: ${m.message}`).sort();
    const istioctl = pick(r.stdout);
    const meshctl = await runCli(['analyze', '-n', ns, '-i', ns, '-o', 'json']);
    assert.equal(meshctl.code, 79, meshctl.stderr);
    assert.deepEqual(istioctl, [`MeshNetworks ${ns}/meshnetworks: Unknown service registry cluster-west in network west`], 'istioctl\'s verdict');
    assert.deepEqual(pick(meshctl.stdout), istioctl, 'meshctl\'s is the same');
  } finally {
    await cluster.request('DELETE', `/api/v1/namespaces/${ns}`);
  }
});

test('credentials the cluster refuses: analyze, status, uninstall, inject and version end with exit 2 naming the user and the cluster, never "no issues"', async () => {
  const { parse, stringify } = await import('yaml');
  const kc = parse(readFileSync(cluster.kubeconfig, 'utf8'));
  const user = kc.contexts.find((c: any) => c.name === kc['current-context']).context.user;
  kc.users = kc.users.map((u: any) => (u.name === user ? { name: u.name, user: { token: 'expired-or-forged-token' } } : u));
  const bad = join(mkdtempSync(join(tmpdir(), 'meshctl-badtoken-')), 'config');
  writeFileSync(bad, stringify(kc), { mode: 0o600 });
  const refused = new RegExp(`^Error: the cluster at https://127\\.0\\.0\\.1:\\d+ \\(context ${kc['current-context']}\\) refused the credentials of user ${user}: they are not valid or have expired`, 'm');
  for (const args of [['analyze'], ['analyze', '-A'], ['status'], ['version'], ['uninstall', '-y'], ['inject', 'enable', '-n', 'default'], ['split', 'reviews', 'v1=90', 'v2=10', '--apply', '-n', 'default']]) {
    const r = await runCli([...args, '--kubeconfig', bad]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, refused, args.join(' '));
    assert.doesNotMatch(r.stderr, /No validation issues|no meshctl install found|does not serve/, args.join(' '));
  }
});

test('analyze -n of a namespace the cluster does not have: exit 2 saying so, not "no issues"', async () => {
  const r = await runCli(['analyze', '-n', 'no-such-namespace-x1', '--kubeconfig', cluster.kubeconfig]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^Error: namespace no-such-namespace-x1 does not exist in context \S+ \(kubectl get namespaces lists them; -A analyzes every namespace\)$/m);
  const ok = await runCli(['analyze', '-n', 'kube-system', '--kubeconfig', cluster.kubeconfig]);
  assert.notEqual(ok.code, 2, ok.stderr);
});

test('pty: Ctrl-C during analyze with the cluster, while a file that takes long to read is read, ends it at once with 130', async () => {
  const { runInPty } = await import('../helpers/pty.js');
  // 200 VirtualServices of 999 anchored rule names each (under the 2,000 anchors and aliases refused unread): the
  // YAML parser's time grows with their square, about a minute of reading here
  const doc = (n: number) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v${n}, namespace: default}\nspec:\n  hosts: [a]\n  http:\n` +
    Array.from({ length: 999 }, (_, i) => `  - name: &a${i} r${i}\n    route: [{destination: {host: *a${i}}}]\n`).join('');
  const file = join(mkdtempSync(join(tmpdir(), 'meshctl-slow-')), 'anchors.yaml');
  writeFileSync(file, Array.from({ length: 200 }, (_, n) => doc(n)).join('---\n'));
  const run = await runInPty(['analyze', file, '--kubeconfig', cluster.kubeconfig], {}, undefined, { typeAfter: { ms: 3000, keys: '\x03' }, limitMs: 90_000 });
  assert.equal(run.code, 130, run.screen);
  assert.match(run.screen, /interrupted/);
  // ended by the Ctrl-C, not by the work finishing (a minute)
  assert.ok(run.ms < 15_000, `ended ${run.ms} ms after the start (Ctrl-C at 3000 ms)`);
});
