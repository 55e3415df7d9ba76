/**
 * Hostile or careless input, at the command line: inputs that never end or never start, unreadable paths,
 * kubeconfigs carrying secrets, mirrors that redirect elsewhere, broken caches and interrupted downloads.
 * Each case checks the exit code, the one error line, and what is (not) printed or left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESHCTL_BIN, meshctl } from '../helpers/cli.js';

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec:\n  ports: [{port: 80}]\n';
const NO_STACK = /\n\s+at /;

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `meshctl-${prefix}-`));
}

/** Starts meshctl, returning the child and a promise of its exit code (a signal's name if it died of one). */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [MESHCTL_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

/** Resolves with `p`, or with 'timeout' after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

test('a FIFO is read through the event loop: validated once its writer writes, and Ctrl-C ends the wait for one', async () => {
  const dir = tmp('fifo');
  const fifo = join(dir, 'in.yaml');
  execFileSync('mkfifo', [fifo]);
  const reader = start(['validate', fifo]);
  setTimeout(() => writeFileSync(fifo, SERVICE), 300);
  const written = await within(reader.done, 20_000);
  assert.notEqual(written, 'timeout', 'the FIFO was read to its end');
  assert.equal((written as { code: number }).code, 0, (written as { stderr: string }).stderr);
  // nobody writes: meshctl waits, as cat does, but an interrupt ends it (a thread blocked in open() did not)
  const waiting = start(['validate', fifo]);
  await new Promise((r) => setTimeout(r, 500));
  waiting.child.kill('SIGINT');
  const interrupted = await within(waiting.done, 5_000);
  if (interrupted === 'timeout') waiting.child.kill('SIGKILL');
  assert.notEqual(interrupted, 'timeout', 'Ctrl-C ended the wait');
  assert.equal((interrupted as { code: number }).code, 130);
});

test('a FIFO among the manifests of a walked directory is named, not read (reading it could block forever)', async () => {
  const dir = tmp('fifo-dir');
  writeFileSync(join(dir, 'svc.yaml'), SERVICE);
  execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
  const r = await within(meshctl(['validate', dir]), 20_000);
  assert.notEqual(r, 'timeout');
  const { code, stderr } = r as { code: number; stderr: string };
  assert.equal(code, 64, stderr);
  assert.match(stderr, /^Error: .*pipe\.yaml: not a regular file\n$/);
});

test('endless inputs are read up to the 32 MiB limit and no further: /dev/zero and a large stdin are exit 65', async () => {
  const zero = await meshctl(['validate', '/dev/zero']);
  assert.equal(zero.code, 65, zero.stderr);
  assert.match(zero.stdout, /\/dev\/zero:1:1: error: file is 32\.\d MiB, over the 32 MiB limit; split it \(stopped reading there\)/);
  // the analyzer reads the same way
  const big = `# ${'x'.repeat(1023)}\n`.repeat(40 * 1024);
  const stdin = await meshctl(['analyze', '--use-kube=false', '-'], { input: big });
  assert.equal(stdin.code, 65, stdin.stderr);
  assert.match(stdin.stdout + stdin.stderr, /<stdin>.*over the 32 MiB limit; split it \(stopped reading there\)/);
});

test('an unreadable directory is "permission denied", not "no such file"', async () => {
  const dir = tmp('denied');
  chmodSync(dir, 0o755);
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  writeFileSync(join(locked, 'svc.yaml'), SERVICE);
  chmodSync(locked, 0o000);
  try {
    // root reads everything: drop to nobody for this one run
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    let out = '';
    let code = 0;
    try {
      execFileSync(asUser[0], [...asUser.slice(1), MESHCTL_BIN, 'validate', locked], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', HOME: dir } });
    } catch (err) {
      code = (err as { status: number }).status;
      out = String((err as { stderr: Buffer }).stderr);
    }
    assert.equal(code, 64, out);
    assert.match(out, /^Error: .*locked: permission denied\n$/);
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('a kubeconfig\'s secrets are never printed: no parser code frame, even with --verbose; a broken client key is one line', async () => {
  const dir = tmp('kubeconfig');
  const broken = join(dir, 'broken');
  writeFileSync(broken, 'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: SUPERSECRETTOKEN123\n   client-key-data: QUFBQUFBQUFBQUFB\n  bad: [\n');
  const r = await meshctl(['status', '--kubeconfig', broken, '--verbose']);
  assert.equal(r.code, 64, r.stderr);
  assert.match(r.stderr, /^Error: cannot load kubeconfig .*broken: /);
  assert.doesNotMatch(r.stderr, /SUPERSECRET|QUFBQU/);
  const badKey = join(dir, 'bad-key');
  writeFileSync(badKey, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://admin:hunter2@127.0.0.1:9', insecure-skip-tls-verify: true}}]
users: [{name: u, user: {client-certificate-data: ${Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64')}, client-key-data: ${Buffer.from('not a key').toString('base64')}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
  for (const args of [['status'], ['status', '--verbose']]) {
    const k = await meshctl([...args, '--kubeconfig', badKey]);
    assert.equal(k.code, 64, k.stderr);
    assert.match(k.stderr, /^Error: cannot use the credentials of context x: its client certificate or key is not usable/);
    assert.doesNotMatch(k.stderr, NO_STACK);
    assert.doesNotMatch(k.stderr, /hunter2/);
  }
});

/** A loopback HTTP server answering with `handler`; closed by the returned function. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler!(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, hits };
}

test('network reads are capped: an endless list of releases or --crds answer, an archive announced too large, are refused without reading on', async () => {
  let sent = 0;
  const endless = (res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    // at most 256 MiB, and only while the reader reads (the socket's buffer pushes back)
    const more = (): void => {
      while (sent < 256 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  };
  const mirror = await serve((req, res) => {
    if (req.url === '/releases.json' || req.url === '/crds.yaml') endless(res);
    else if (req.url?.endsWith('.tar.gz')) res.writeHead(200, { 'content-length': String(2 * 1024 * 1024 * 1024) }).flushHeaders();
    else res.writeHead(404).end();
  });
  try {
    const cache = tmp('cache');
    const latest = await meshctl(['download', '--version', 'latest', '--mirror', mirror.url], { env: { MESHCTL_CACHE_DIR: cache } });
    assert.equal(latest.code, 2, latest.stderr);
    assert.match(latest.stderr, /^Error: the list of releases is larger than 8388608 bytes: refused/m);
    assert.ok(sent < 128 * 1024 * 1024, `meshctl stopped reading (${sent} bytes sent)`);
    sent = 0;
    const crds = await meshctl(['validate', '--crds', `${mirror.url}/crds.yaml`, '-'], { input: SERVICE });
    assert.equal(crds.code, 2, crds.stderr);
    assert.match(crds.stderr, /^Error: --crds http:\S+ is larger than 33554432 bytes: refused/m);
    const archive = await meshctl(['download', '--version', '1.30.3', '--mirror', mirror.url], { env: { MESHCTL_CACHE_DIR: cache } });
    assert.equal(archive.code, 2, archive.stderr);
    assert.match(archive.stderr, /is 2147483648 bytes, over the 1073741824-byte limit of a release archive: refused/);
    const left = existsSync(join(cache, 'releases')) ? readdirSync(join(cache, 'releases')) : [];
    assert.deepEqual(left, [], 'nothing left in the cache, not even a partial download');
  } finally {
    mirror.server.close();
  }
});

test('a full disk during a download: one line (exit 2), no stack trace, nothing partial left and the space given back', { skip: process.getuid?.() !== 0 && 'needs root (a small tmpfs in a mount namespace)' }, async () => {
  const archive = Buffer.alloc(3 * 1024 * 1024, 7);
  const mirror = await serve((req, res) => {
    if (req.url === '/1.30.3/istio-1.30.3-linux-amd64.tar.gz') res.writeHead(200, { 'content-length': String(archive.length) }).end(archive);
    else res.writeHead(404).end();
  });
  try {
    const small = tmp('smallfs');
    // the cache is a 1 MiB tmpfs, mounted in a mount namespace of the command's own
    const script = `mount -t tmpfs -o size=1m tmpfs "$0" && "$1" "$2" download --version 1.30.3 --mirror "$3"; rc=$?; echo "left: $(find "$0" -type f | wc -l) used: $(df -k "$0" | tail -1 | awk '{print $3}')"; exit $rc`;
    // spawned, not spawnSync: the mirror answers from this process's event loop
    const child = spawn('unshare', ['-m', 'sh', '-c', script, small, process.execPath, MESHCTL_BIN, mirror.url], {
      env: { ...process.env, MESHCTL_CACHE_DIR: small, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000,
    });
    const r = { status: null as number | null, stdout: '', stderr: '' };
    child.stdout.on('data', (d) => (r.stdout += d));
    child.stderr.on('data', (d) => (r.stderr += d));
    r.status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^Error: cannot write \S+istio-1\.30\.3-linux-amd64\.tar\.gz: no space left on the device \(free some space, or set MESHCTL_CACHE_DIR to a disk with room\); nothing was kept$/m);
    assert.doesNotMatch(r.stderr, NO_STACK);
    assert.match(r.stdout, /^left: 0 used: 0$/m, 'no file left, the space given back');
  } finally {
    mirror.server.close();
  }
});

test('every redirect hop is held to the mirror rules: a loopback mirror cannot send meshctl to plain http elsewhere', async () => {
  const mirror = await serve((req, res) => {
    if (req.url?.startsWith('/hop/')) res.writeHead(302, { location: req.url.replace('/hop/', '/') }).end();
    else if (req.url === '/releases.json') res.writeHead(302, { location: 'http://releases.example.invalid/releases.json' }).end();
    else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else res.writeHead(404).end();
  });
  try {
    const cache = tmp('cache');
    const r = await meshctl(['download', '--version', 'latest', '--mirror', mirror.url], { env: { MESHCTL_CACHE_DIR: cache } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: refusing to download the list of releases: .*redirects to http:\/\/releases\.example\.invalid\/releases\.json \(plain http is only allowed for loopback mirrors; use https\)$/m);
    // a redirect within the loopback mirror is followed (and then 404 is the answer)
    const followed = await meshctl(['download', '--version', '1.30.3', '--mirror', `${mirror.url}/hop`], { env: { MESHCTL_CACHE_DIR: cache } });
    assert.equal(followed.code, 2, followed.stderr);
    assert.match(followed.stderr, /not found at .*\/hop\/1\.30\.3\//);
    assert.ok(mirror.hits.some((h) => h.startsWith('/1.30.3/istio-1.30.3-')), 'the redirect was followed');
    const crds = await meshctl(['validate', '--crds', `${mirror.url}/loop`, '-'], { input: SERVICE });
    assert.equal(crds.code, 2, crds.stderr);
    assert.match(crds.stderr, /more than 5 redirects/);
  } finally {
    mirror.server.close();
  }
});

test('credentials in a mirror URL are not printed; --crds URLs are judged as --crds, not as --mirror', async () => {
  const cache = tmp('cache');
  const r = await meshctl(['download', '--version', '1.30.3', '--mirror', 'http://admin:hunter2@127.0.0.1:9/'], { env: { MESHCTL_CACHE_DIR: cache } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot download .* from http:\/\/127\.0\.0\.1:9\//);
  assert.doesNotMatch(r.stderr, /hunter2|admin/);
  const crds = await meshctl(['validate', '--crds', 'http://crds.example.com/crds.yaml', '-'], { input: SERVICE });
  assert.equal(crds.code, 64, crds.stderr);
  assert.match(crds.stderr, /^Error: --crds http:\/\/crds\.example\.com\/crds\.yaml: plain http is only allowed/);
  assert.doesNotMatch(crds.stderr, /--mirror/);
  const version = await meshctl(['validate', '--version', 'x/../../../other/path', '-'], { input: SERVICE, env: { MESHCTL_CACHE_DIR: cache } });
  assert.equal(version.code, 64, version.stderr);
  assert.match(version.stderr, /--version "x\/\.\.\/\.\.\/\.\.\/other\/path" is not a release version/);
});

test('a releases list with null entries, a cache path that is a file and an unwritable cache are clear errors, not crashes', async () => {
  const mirror = await serve((req, res) => {
    if (req.url === '/releases.json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([null, 5, { tag_name: null }, { tag_name: '1.31.0-rc.0', prerelease: true }]));
    else res.writeHead(404).end();
  });
  try {
    const nulls = await meshctl(['download', '--version', 'latest', '--mirror', mirror.url], { env: { MESHCTL_CACHE_DIR: tmp('cache') } });
    assert.equal(nulls.code, 2, nulls.stderr);
    assert.match(nulls.stderr, /no stable release listed .*\(it lists: 1\.31\.0-rc\.0\); pass --version/);
    const file = join(tmp('cache-file'), 'cache');
    writeFileSync(file, 'not a directory');
    const inTheWay = await meshctl(['download', '--version', '1.30.3', '--mirror', mirror.url], { env: { MESHCTL_CACHE_DIR: file } });
    assert.equal(inTheWay.code, 64, inTheWay.stderr);
    assert.match(inTheWay.stderr, /^Error: cannot use the cache directory .*cache: a file is in the way \(set MESHCTL_CACHE_DIR to a writable directory\)\n$/);
    // a cache directory meshctl may not write to (as root everything is writable: run as nobody)
    const locked = tmp('cache-locked');
    chmodSync(locked, 0o755);
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const denied = spawnSync(asUser[0], [...asUser.slice(1), MESHCTL_BIN, 'download', '--version', '1.30.3', '--mirror', mirror.url], { env: { ...process.env, MESHCTL_CACHE_DIR: locked, NO_COLOR: '1' }, encoding: 'utf8' });
    assert.equal(denied.status, 64, denied.stderr);
    assert.match(denied.stderr, /^Error: cannot use the cache directory .*cache-locked.*: EACCES: permission denied.* \(set MESHCTL_CACHE_DIR to a writable directory\)\n$/);
  } finally {
    mirror.server.close();
  }
});

test('a download ended by SIGTERM or Ctrl-C leaves no temp dir; one left by a killed meshctl is removed by the next', async () => {
  const mirror = await serve((req, res) => {
    if (req.url?.endsWith('.tar.gz')) {
      res.writeHead(200, { 'content-length': '10000000' });
      res.write(Buffer.alloc(65536, 1)); // and then nothing: the transfer hangs
    } else res.writeHead(404).end();
  });
  try {
    const cache = tmp('cache');
    const temps = () => (existsSync(join(cache, 'releases')) ? readdirSync(join(cache, 'releases')) : []);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const run = start(['download', '--version', '1.30.3', '--mirror', mirror.url], { MESHCTL_CACHE_DIR: cache });
      for (let i = 0; i < 100 && !temps().some((t) => t.startsWith('.tmp-')); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(temps().some((t) => t.startsWith('.tmp-')), 'the download started');
      await new Promise((r) => setTimeout(r, 300));
      run.child.kill(signal);
      const end = await within(run.done, 10_000);
      assert.notEqual(end, 'timeout');
      assert.equal((end as { code: number }).code, signal === 'SIGTERM' ? 143 : 130);
      assert.deepEqual(temps(), [], `nothing left after ${signal}`);
    }
    // SIGKILL cannot be caught: the next meshctl removes what a dead one left
    mkdirSync(join(cache, 'releases', '.tmp-999999999-0a1b2c'), { recursive: true });
    mkdirSync(join(cache, 'releases', `.tmp-${process.pid}-0a1b2c`), { recursive: true });
    const next = await meshctl(['download', '--version', '1.30.4', '--mirror', 'http://127.0.0.1:9'], { env: { MESHCTL_CACHE_DIR: cache } });
    assert.equal(next.code, 2, next.stderr);
    assert.deepEqual(temps(), [`.tmp-${process.pid}-0a1b2c`], 'the dead process\'s temp dir is gone; a live one\'s stays');
    rmSync(join(cache, 'releases'), { recursive: true });
  } finally {
    mirror.server.closeAllConnections();
    mirror.server.close();
  }
});

const VS = (spec: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: default}\nspec:\n${spec}`;
const DR = (spec: string) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: default}\nspec:\n${spec}`;

/** --from documents of the wrong types: each is refused with its position, exit 65, never "unexpected error". */
const WRONG_FROM: { what: string; doc: string; args: string[]; message: RegExp }[] = [
  { what: 'hosts: reviews (a string for a list)', doc: VS('  hosts: reviews\n  http: [{route: [{destination: {host: reviews}}]}]\n'), args: ['split', 'reviews', 'v1=50', 'v2=50'], message: /^Error: <stdin>:5:10: VirtualService default\/reviews: spec\.hosts must be a list\n$/ },
  { what: 'http: "x"', doc: VS('  hosts: [reviews]\n  http: "x"\n'), args: ['retry', 'reviews', '--attempts', '2'], message: /spec\.http must be a list/ },
  { what: 'http: [null]', doc: VS('  hosts: [reviews]\n  http: [null]\n'), args: ['timeout', 'reviews', '1s'], message: /spec\.http\[0\] must be an object/ },
  { what: 'subsets: 5', doc: DR('  host: reviews\n  subsets: 5\n'), args: ['split', 'reviews', 'v1=50', 'v2=50'], message: /spec\.subsets must be a list/ },
  { what: 'trafficPolicy: "x"', doc: DR('  host: reviews\n  trafficPolicy: "x"\n'), args: ['circuit-break', 'reviews', '--max-connections', '1'], message: /spec\.trafficPolicy must be an object/ },
  { what: 'HTTPRoute rules: "x"', doc: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: reviews, namespace: default}\nspec:\n  parentRefs: [{group: "", kind: Service, name: reviews}]\n  rules: "x"\n', args: ['timeout', 'reviews', '1s'], message: /spec\.rules must be a list/ },
  { what: 'a known kind in an unknown apiVersion', doc: 'apiVersion: networking.istio.io/v9\nkind: VirtualService\nmetadata: {name: reviews}\nspec: {hosts: reviews}\n', args: ['timeout', 'reviews', '1s'], message: /does not know VirtualService in networking\.istio\.io\/v9 \(known: networking\.istio\.io\/v1/ },
  { what: 'metadata.namespace: [x]', doc: VS('  hosts: [reviews]\n').replace('namespace: default', 'namespace: [x]'), args: ['timeout', 'reviews', '1s'], message: /metadata\.namespace must be a string/ },
];

for (const { what, doc, args, message } of WRONG_FROM) {
  test(`--from with ${what}: exit 65 naming the field, not a crash`, async () => {
    const r = await meshctl([...args, '--from', '-'], { input: doc });
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /unexpected error/);
    assert.equal(r.stdout, '');
  });
}

test('analyze: list items and fields of the wrong type are IST0106 findings on that resource (which is analyzed no further), never a crash', async () => {
  const docs = [
    VS('  hosts: [reviews]\n  http: ["x"]\n'),
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [5]}]\n',
    VS('  hosts: [ratings]\n  gateways: [5]\n  http: [{route: [{destination: {host: ratings}}]}]\n').replace('name: reviews', 'name: ratings'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: details, namespace: default}\nspec:\n  ports: [null]\n',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, labels: {app: 5}}\nstatus: {conditions: "x"}\n',
  ].join('---\n');
  const r = await meshctl(['analyze', '--use-kube=false', '-A', '-'], { input: docs });
  assert.equal(r.code, 79, r.stderr);
  assert.doesNotMatch(r.stderr, /unexpected error|\n\s+at /);
  for (const line of [
    /Error \[IST0106\] \(VirtualService default\/reviews <stdin>:\d+\) Schema validation error: spec\.http\[0\]: must be an object/,
    /Error \[IST0106\] \(Gateway default\/gw <stdin>:\d+\) Schema validation error: spec\.servers\[0\]\.hosts\[0\]: must be a string/,
    /Error \[IST0106\] \(VirtualService default\/ratings <stdin>:\d+\) Schema validation error: spec\.gateways\[0\]: must be a string/,
    /Error \[IST0106\] \(Service default\/details <stdin>:\d+\) Schema validation error: spec\.ports\[0\]: must be an object/,
    /Error \[IST0106\] \(Pod default\/p <stdin>:\d+\) Schema validation error: metadata\.labels\.app: must be a string/,
    /Error \[IST0106\] \(Pod default\/p <stdin>:\d+\) Schema validation error: status\.conditions: must be a list/,
  ]) assert.match(r.stdout, line);
});

test('125,000 small documents are read without overflowing the stack', async () => {
  const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n';
  const r = await meshctl(['validate', '-'], { input: `${doc}---\n`.repeat(125_000) });
  assert.equal(r.code, 0, r.stderr.slice(0, 500));
  assert.match(r.stderr, /125000 document\(s\): no problems/);
});

test('YAML output escapes the characters a YAML 1.1 reader takes for line breaks (NEL, LS, PS), so a value round-trips', async () => {
  const r = await meshctl(['authz', 'allow', '--to', 'app=x', '-n', 'bookinfo', '--from-sa', 'bookinfo/gw', '--paths', '/a\u2028b', '--paths', '/c\u0085d']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /- "\/a\\Lb"\n\s+- "\/c\\Nd"\n/);
  assert.doesNotMatch(r.stdout, /[\u0085\u2028\u2029]/);
  const { parse } = await import('yaml');
  assert.deepEqual(parse(r.stdout, { version: '1.1' }).spec.rules[0].to[0].operation.paths, ['/a\u2028b', '/c\u0085d']);
});

test('label keys are checked wherever one is given, and a bad one is shown escaped on one line', async () => {
  for (const args of [
    ['split', 'reviews', 'v1=50', 'v2=50', '--api', 'gateway', '--port', '80', '--app-label', 'ap p\nq'],
    ['route', 'reviews', '--match', 'header:x=y', '--to', 'v2', '--label-key', 'ap p\nq'],
    ['mirror', 'reviews', '--to', 'v2', '--label-key', 'ap p\nq'],
    ['split', 'reviews', 'v1=50', 'v2=50', '--label-key', 'ap p\nq'],
  ]) {
    const r = await meshctl(args);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^Error: --(app-label|label-key) "ap p\\nq" is not a valid label key .*\n$/);
  }
  const prefixed = await meshctl(['split', 'reviews', 'v1=50', 'v2=50', '--label-key', 'app.kubernetes.io/version']);
  assert.equal(prefixed.code, 0, prefixed.stderr);
  const selector = await meshctl(['mtls', 'strict', '-n', 'x', '--selector', 'a/b/c=d']);
  assert.equal(selector.code, 64, selector.stderr);
});

test('conflict messages grow with the resources, not the pairs: 2,000 VirtualServices of one host name ten parties each', async () => {
  const vs = (i: number) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs${i}, namespace: default}\nspec:\n  hosts: [reviews]\n  http: [{route: [{destination: {host: reviews}}]}]\n`;
  const r = await meshctl(['analyze', '--use-kube=false', '-A', '-'], { input: Array.from({ length: 2000 }, (_, i) => vs(i)).join('---\n') });
  assert.equal(r.code, 79, r.stderr);
  const lines = r.stdout.trim().split('\n').filter((l) => l.includes('[IST0109]'));
  assert.equal(lines.length, 2000, 'one message per VirtualService, as istioctl');
  assert.match(lines[0], /The VirtualServices default\/vs0,default\/vs1,default\/vs10,.* and 1990 more associated with mesh gateway define the same host \*\/reviews\.default\.svc\.cluster\.local/);
  assert.ok(r.stdout.length < 2_000_000, `${r.stdout.length} bytes (every pair named would be ~50 MB; each route's host not found adds a line)`);
});

test('conflicting gateways: one message per gateway naming the others (ten, then a count), not one per pair', async () => {
  const gw = (i: number) => `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw${i}, namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]\n`;
  // the gateway pod: files alone without any Pod skip the analyzers that look workloads up (as istioctl's file mode)
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: ingress, namespace: istio-system, labels: {istio: ingressgateway}}\nspec: {containers: [{name: istio-proxy, image: proxyv2}]}\n';
  const r = await meshctl(['analyze', '--use-kube=false', '-A', '-'], { input: [pod, ...Array.from({ length: 300 }, (_, i) => gw(i))].join('---\n') });
  assert.equal(r.code, 79, r.stderr);
  const lines = r.stdout.trim().split('\n').filter((l) => l.includes('[IST0145]'));
  assert.equal(lines.length, 300, 'every party of the conflict is reported once (one per pair would be 44,850 lines)');
  const byGateway = new Map(lines.map((l) => [/\(Gateway default\/(gw\d+) /.exec(l)![1], l]));
  // the others in sorted order, ten named, then a count
  assert.match(byGateway.get('gw299')!, /Conflict with gateways default\/gw0,default\/gw1,default\/gw10,.* and 289 more \(workload selector istio=ingressgateway, port 80, hosts \*\)/);
  assert.match(byGateway.get('gw0')!, /Conflict with gateways default\/gw1,default\/gw10,.* and 289 more/);
});
