import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { meshctl } from '../helpers/cli.js';

/** One valid invocation per generator. */
const GENERATORS: string[][] = [
  ['split', 'reviews', 'v1=90', 'v2=10'],
  ['split', 'reviews', 'v1=50,v2=50', '--api', 'gateway', '--port', '9080'],
  ['route', 'reviews', '--match', 'header:end-user=jason', '--to', 'v2', '--default', 'v1'],
  ['retry', 'reviews', '--attempts', '3', '--per-try-timeout', '2s', '--retry-on', '5xx,reset,connect-failure'],
  ['timeout', 'reviews', '500ms'],
  ['fault', 'ratings', '--delay', '7s', '--percent', '100', '--match', 'header:end-user=jason'],
  ['fault', 'ratings', '--abort', '500', '--percent', '10'],
  ['mirror', 'reviews', '--to', 'v2', '--percent', '100'],
  ['circuit-break', 'reviews', '--max-connections', '1'],
  ['mtls', 'strict', '--mesh-wide'],
  ['mtls', 'permissive', '-n', 'bookinfo', '--selector', 'app=ratings'],
  ['authz', 'deny-all', '-n', 'bookinfo'],
  ['authz', 'allow', '--to', 'app=productpage', '-n', 'bookinfo', '--from-sa', 'bookinfo/gw', '--methods', 'GET', '--paths', '/api/*', '--ports', '9080'],
  ['expose', 'productpage', '--port', '9080', '--path', '/productpage'],
];

for (const args of GENERATORS) {
  test(`${args.join(' ')}: YAML round-trips and -o json prints the same objects`, async () => {
    const yamlRun = await meshctl(args);
    assert.equal(yamlRun.code, 0, yamlRun.stderr);
    assert.equal(yamlRun.stderr, '');
    const docs = parseAllDocuments(yamlRun.stdout).map((d) => {
      assert.deepEqual(d.errors, []);
      return d.toJS();
    });
    assert.ok(docs.length >= 1);
    for (const d of docs) {
      assert.equal(typeof d.apiVersion, 'string');
      assert.equal(typeof d.kind, 'string');
      assert.equal(typeof d.metadata.name, 'string');
      assert.equal(typeof d.metadata.namespace, 'string');
    }
    const jsonRun = await meshctl([...args, '-o', 'json']);
    assert.equal(jsonRun.code, 0, jsonRun.stderr);
    const parsed = JSON.parse(jsonRun.stdout);
    assert.deepEqual(docs.length === 1 ? [parsed] : parsed.items, docs);
    if (docs.length > 1) assert.equal(parsed.kind, 'List');
  });
}

/** Bad input: one line on stderr naming the argument and the rule, exit 64, nothing on stdout. */
const BAD: [string[], RegExp][] = [
  [['split', 'reviews', 'v1=90', 'v2=20'], /add up to 110/],
  [['split', 'reviews', 'v1=-10', 'v2=110'], /v1=-10/],
  [['split', 'reviews', 'v1=50.5', 'v2=49.5'], /whole number/],
  [['split', 'reviews', 'v1=50', 'v1=50'], /given more than once/],
  [['split', 'Reviews', 'v1=100'], /not a valid Service name/],
  [['split', 'reviews', 'v1=100', '-n', 'Bad_NS'], /namespace "Bad_NS"/],
  [['split', 'reviews', 'v1=100', '--api', 'gateway'], /needs --port/],
  [['split', 'reviews', 'v1=100', '--api', 'linkerd'], /invalid/],
  [['split', 'reviews', 'v1=100', '-o', 'xml'], /invalid/],
  [['split', 'reviews'], /split needs at least one VERSION=WEIGHT/],
  [['split', 'reviews', 'v1=100', '--weights'], /unknown option '--weights'/],
  [['route', 'reviews', '--to', 'v2'], /at least one --match/],
  [['route', 'reviews', '--match', 'header:end-user', '--to', 'v2'], /--match "header:end-user"/],
  [['route', 'reviews', '--match', 'uri~=(a', '--to', 'v2'], /invalid regular expression/],
  [['retry', 'reviews', '--per-try-timeout', '2x'], /--per-try-timeout "2x" is not a duration/],
  [['retry', 'reviews', '--retry-on', '5xx,sometimes'], /--retry-on "sometimes"/],
  [['retry', 'reviews', '--attempts', '-1'], /--attempts/],
  [['timeout', 'reviews', '7x'], /timeout "7x" is not a duration/],
  [['fault', 'ratings', '--delay', '7x'], /--delay "7x"/],
  [['fault', 'ratings', '--abort', '500', '--percent', '120'], /--percent "120" is over 100/],
  [['fault', 'ratings', '--abort', '99'], /--abort "99"/],
  [['fault', 'ratings'], /needs --delay, --abort/],
  [['mirror', 'reviews', '--to', 'v2', '--percent', '101'], /over 100/],
  [['mirror', 'reviews'], /required option '--to/],
  [['circuit-break', 'reviews', '--interval', '1x'], /--interval "1x"/],
  [['circuit-break', 'reviews', '--max-ejection-percent', '150'], /--max-ejection-percent/],
  [['mtls', 'sometimes'], /invalid/],
  [['mtls', 'strict', '--mesh-wide', '--selector', 'app=x'], /do not mix/],
  [['authz', 'allow', '--to', 'app=x'], /at least one of/],
  [['authz', 'allow', '--from-sa', 'nosa'], /expected NAMESPACE\/SERVICEACCOUNT/],
  [['authz', 'allow', '--methods', 'FETCH'], /not an HTTP method/],
  [['authz', 'allow', '--paths', '/a/*/b'], /only one \*/],
  [['expose', 'productpage'], /needs --port/],
  [['expose', 'productpage', '--port', '9080', '--host', 'Bad Host'], /--host "Bad Host"/],
  // the host and path-template rules are validate's (manifests/syntax.ts), given to the flags
  [['expose', 'productpage', '--port', '9080', '--host', 'a.*.example.com'], /--host "a\.\*\.example\.com": a wildcard is only allowed as the first label/],
  [['authz', 'allow', '--to', 'app=x', '--paths', '/api/{id}/x'], /--paths "\/api\/\{id\}\/x": \{ and \} are only allowed in the path templates/],
  [['nosuchcommand'], /unknown command/],
];

for (const [args, pattern] of BAD) {
  test(`bad input: meshctl ${args.join(' ')} → exit 64, one line, empty stdout`, async () => {
    const r = await meshctl(args);
    assert.equal(r.code, 64, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, pattern);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.length <= 2, `at most the error and a suggestion: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('--from merges into a file; a bad file is exit 65 with its position; a missing file is exit 65', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-test-'));
  const split = await meshctl(['split', 'reviews', 'v1=90', 'v2=10']);
  const good = join(dir, 'reviews.yaml');
  writeFileSync(good, split.stdout);
  const merged = await meshctl(['timeout', 'reviews', '2s', '--from', good, '-o', 'json']);
  assert.equal(merged.code, 0, merged.stderr);
  const items = JSON.parse(merged.stdout).items;
  assert.equal(items[0].spec.http[0].timeout, '2s');
  assert.equal(items[0].spec.http[0].route.length, 2);
  assert.equal(items[1].kind, 'DestinationRule');

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n');
  const r = await meshctl(['timeout', 'reviews', '2s', '--from', bad]);
  assert.equal(r.code, 65);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /bad\.yaml:5:3: .*unique/i);

  const missing = await meshctl(['timeout', 'reviews', '2s', '--from', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 65);
  assert.match(missing.stderr, /cannot read .*nope\.yaml: no such file/);
});

test('stdin composition: split | retry --from -', async () => {
  const split = await meshctl(['split', 'reviews', 'v1=90', 'v2=10']);
  const r = await meshctl(['retry', 'reviews', '--attempts', '2', '--from', '-', '-o', 'json'], { input: split.stdout });
  assert.equal(r.code, 0, r.stderr);
  const [vs] = JSON.parse(r.stdout).items;
  assert.deepEqual(vs.spec.http[0].retries, { attempts: 2 });
  assert.equal(vs.spec.http[0].route[1].weight, 10);
});

test('--version, --help and every command\'s --help with examples', async () => {
  const v = await meshctl(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = await meshctl(['--help']);
  assert.equal(h.code, 0);
  for (const name of ['split', 'route', 'retry', 'timeout', 'fault', 'mirror', 'circuit-break', 'mtls', 'authz', 'expose', 'download', 'install', 'uninstall', 'profile', 'status', 'completion']) {
    assert.match(h.stdout, new RegExp(`\\n  ${name}\\b`), `top-level help lists ${name}`);
    const sub = await meshctl([name, '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /Examples:\n {2}/, `${name} --help has examples`);
  }
  for (const sub of [['authz', 'allow'], ['authz', 'deny-all'], ['profile', 'list'], ['profile', 'show'], ['profile', 'diff']]) {
    const r = await meshctl([...sub, '--help']);
    assert.match(r.stdout, new RegExp(`Examples:\n  meshctl ${sub[0]}`));
  }
});

test('completion: --context and -n values come from the kubeconfig', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-test-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n' +
    'contexts: [{name: kind-mesh, context: {cluster: a, user: b, namespace: bookinfo}}, {name: prod, context: {cluster: c, user: d}}]\n');
  // the cluster is unreachable (no clusters): namespaces come from the kubeconfig alone
  const contexts = await meshctl(['__complete', 'status', '--context', ''], { env: { KUBECONFIG: kubeconfig } });
  assert.deepEqual(contexts.stdout.trim().split('\n'), [':words', 'kind-mesh', 'prod']);
  const namespaces = await meshctl(['__complete', 'split', '-n', 'b'], { env: { KUBECONFIG: kubeconfig } });
  assert.deepEqual(namespaces.stdout.trim().split('\n'), [':words', 'bookinfo']);
});

test('profile list, show and diff; an unknown profile lists the known ones', async () => {
  const list = await meshctl(['profile', 'list', '-o', 'json']);
  assert.equal(list.code, 0);
  assert.deepEqual(JSON.parse(list.stdout).map((p: any) => p.name), ['ambient', 'default', 'demo', 'minimal']);
  const show = await meshctl(['profile', 'show', 'demo']);
  assert.match(show.stdout, /kind: IstioOperator/);
  assert.match(show.stdout, /meshctl\.io\/ingress-gateway: istio-ingressgateway/);
  assert.doesNotMatch(show.stdout, /nodePort/, 'node ports are added on Kind and local clusters only (profiles/overlays)');
  const diff = await meshctl(['profile', 'diff', 'default', 'demo', '--overlay']);
  assert.match(diff.stdout, /^- {3}profile: default$/m);
  assert.match(diff.stdout, /^\+ {3}profile: demo$/m);
  const unknown = await meshctl(['profile', 'show', 'sidecarless']);
  assert.equal(unknown.code, 64);
  assert.match(unknown.stderr, /unknown profile "sidecarless" \(known profiles: ambient, default, demo, minimal\)/);
});

test('cluster commands with a kubeconfig that does not exist: one line, exit 64', async () => {
  const r = await meshctl(['status', '--kubeconfig', '/nonexistent/kubeconfig']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /^Error: --kubeconfig \/nonexistent\/kubeconfig: no such file/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('text output cannot be forged by what a manifest holds: a newline or ESC in a name is printed escaped, one line per finding', async () => {
  const hostile = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: "x\\nfake.yaml:1:1: error: forged\\u001b[31m"\n  namespace: default\nspec:\n  ports: [{port: 70000}]\n';
  const validate = await meshctl(['validate', '-'], { input: hostile });
  assert.equal(validate.code, 65);
  assert.doesNotMatch(validate.stdout, /^fake\.yaml/m, 'no forged line');
  assert.ok(!validate.stdout.includes('\x1b'), 'no raw ESC');
  assert.match(validate.stdout, /x\\nfake\.yaml:1:1: error: forged\\x1b\[31m/);
  const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: "v\\nError [IST0000] (forged)"\n  namespace: default\nspec:\n  hosts: [reviews]\n  http: [{route: [{destination: {host: nowhere}}]}]\n';
  const analyze = await meshctl(['analyze', '--use-kube=false', '-'], { input: vs });
  assert.equal(analyze.code, 79, analyze.stderr);
  assert.doesNotMatch(analyze.stdout, /^Error \[IST0000\]/m, 'no forged line');
});

test('directories are walked through symbolic links, link loops end, and a dangling link is reported, not skipped', async () => {
  const { symlinkSync, mkdirSync: mk } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-links-'));
  const real = join(dir, 'real');
  mk(real);
  writeFileSync(join(real, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec:\n  ports: [{port: 70000}]\n');
  const walked = join(dir, 'walked');
  mk(walked);
  symlinkSync(join(real, 'svc.yaml'), join(walked, 'linked.yaml'));
  symlinkSync(real, join(walked, 'linked-dir'));
  symlinkSync(walked, join(walked, 'loop'));
  const r = await meshctl(['validate', walked]);
  assert.equal(r.code, 65, r.stderr);
  assert.match(r.stdout, /linked\.yaml:5:\d+: error: .*port 70000/, 'a linked file is validated');
  assert.match(r.stdout, /linked-dir\/svc\.yaml:5:\d+: error/, 'a linked directory is walked');
  symlinkSync(join(dir, 'nowhere.yaml'), join(walked, 'dangling.yaml'));
  const dangling = await meshctl(['validate', walked]);
  assert.equal(dangling.code, 64);
  assert.match(dangling.stderr, /dangling\.yaml: no such file or directory/);
});
