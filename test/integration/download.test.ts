import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleRelease, MIRROR_ARCH, mirrorVersion, serveMirror, writeReleasesIndex, type Mirror } from '../harness/mirror.js';
import { runCli } from '../helpers/cli.js';
import { tarGz, type TarEntry } from '../helpers/tar-writer.js';

let root = '';
let mirror: Mirror;
const version = mirrorVersion();

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'meshctl-mirror-'));
  await assembleRelease(root);
  mirror = await serveMirror(root);
});
after(() => mirror.close());

/** Publishes a crafted archive as `version` in the mirror (with a correct checksum unless told otherwise). */
function publish(v: string, archive: Buffer, checksum: string | null = createHash('sha256').update(archive).digest('hex')): void {
  const dir = join(root, v);
  mkdirSync(dir, { recursive: true });
  const name = `istio-${v}-linux-${MIRROR_ARCH}.tar.gz`;
  writeFileSync(join(dir, name), archive);
  if (checksum !== null) writeFileSync(join(dir, `${name}.sha256`), `${checksum}  ${name}\n`);
}

const release = (v: string, extra: TarEntry[] = []) => tarGz([{ path: `istio-${v}/bin/istioctl`, content: '#!/bin/sh\necho fake\n', mode: 0o755 }, ...extra]);

function download(cache: string, args: string[]) {
  return runCli(['download', '--mirror', mirror.url, ...args], { env: { MESHCTL_CACHE_DIR: cache, MESHCTL_MIRROR: '' } });
}

function cacheEntries(cache: string): string[] {
  return existsSync(join(cache, 'releases')) ? readdirSync(join(cache, 'releases')) : [];
}

test('download from the loopback mirror: verified, extracted, cached; a second run uses no network', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'meshctl-cache-'));
  const first = await download(cache, ['--version', version, '-o', 'json']);
  assert.equal(first.code, 0, first.stderr);
  const rel = JSON.parse(first.stdout);
  assert.equal(rel.version, version);
  assert.equal(rel.downloaded, true);
  assert.match(first.stderr, /verified sha256 [0-9a-f]{64}/);
  assert.ok(existsSync(join(rel.dir, 'bin', 'istioctl')));
  assert.ok(existsSync(join(rel.dir, 'samples', 'bookinfo', 'bookinfo.yaml')), 'meshctl\'s samples are in the release');
  assert.deepEqual(cacheEntries(cache), [`istio-${version}`], 'no temp dirs left');
  const hits = [...mirror.hits.values()].reduce((a, b) => a + b, 0);
  const second = await download(cache, ['--version', version]);
  assert.equal(second.code, 0);
  assert.equal(second.stdout.trim(), rel.dir);
  assert.match(second.stderr, /is cached/);
  assert.equal([...mirror.hits.values()].reduce((a, b) => a + b, 0), hits, 'no request to the mirror');
});

test('latest: the newest stable release in the index; none stable is a clear error', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'meshctl-cache-'));
  const none = await download(cache, ['--version', 'latest']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, new RegExp(`no stable release listed .*it lists: ${version.replace('.', '\\.')}`));
  publish('1.30.9', release('1.30.9'));
  publish('1.30.10', release('1.30.10'));
  writeReleasesIndex(root, [version, '1.31.0-rc.0', '1.30.9', '1.30.10']);
  const latest = await download(cache, ['--version', 'latest', '-o', 'json']);
  assert.equal(latest.code, 0, latest.stderr);
  assert.equal(JSON.parse(latest.stdout).version, '1.30.10');
  writeReleasesIndex(root, [version]);
});

/** Archives to refuse: version, archive, published checksum ('ok': the archive's own; null: none), message. */
const refusals: { what: string; v: string; archive: Buffer; checksum: 'ok' | string | null; message: RegExp }[] = [
  { what: 'a checksum mismatch', v: '9.0.1', archive: release('9.0.1'), checksum: '0'.repeat(64), message: /checksum mismatch/ },
  { what: 'a missing checksum', v: '9.0.2', archive: release('9.0.2'), checksum: null, message: /no usable checksum published/ },
  { what: 'a ".." entry', v: '9.0.3', archive: release('9.0.3', [{ path: 'istio-9.0.3/../../evil', content: 'x' }]), checksum: 'ok', message: /contains "\.\."/ },
  { what: 'an absolute path', v: '9.0.4', archive: release('9.0.4', [{ path: '/tmp/evil', content: 'x' }]), checksum: 'ok', message: /absolute path/ },
  { what: 'a link out of the root', v: '9.0.5', archive: release('9.0.5', [{ path: 'istio-9.0.5/etc', type: 'symlink', linkpath: '../../../../etc' }]), checksum: 'ok', message: /points outside/ },
  { what: 'a device file', v: '9.0.6', archive: release('9.0.6', [{ path: 'istio-9.0.6/null', type: 'chardev' }]), checksum: 'ok', message: /CharacterDevice/ },
  { what: 'a truncated archive', v: '9.0.7', archive: release('9.0.7', [{ path: 'istio-9.0.7/big', content: 'y'.repeat(100_000) }]).subarray(0, 200), checksum: 'ok', message: /corrupt or truncated/ },
];

for (const { what, v, archive, checksum, message } of refusals) {
  test(`download refuses ${what}, exits 65 and leaves nothing in the cache`, async () => {
    publish(v, archive, checksum === 'ok' ? createHash('sha256').update(archive).digest('hex') : checksum);
    const cache = mkdtempSync(join(tmpdir(), 'meshctl-cache-'));
    const r = await download(cache, ['--version', v]);
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.deepEqual(cacheEntries(cache), [], 'no release and no temp dir left');
  });
}

test('a download interrupted mid-transfer is refused and leaves nothing behind', async () => {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    if (req.url?.endsWith('.tar.gz')) {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write(Buffer.alloc(4096, 1));
      setTimeout(() => res.socket?.destroy(), 50); // the connection drops with most of the body unsent
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const cache = mkdtempSync(join(tmpdir(), 'meshctl-cache-'));
  const r = await runCli(['download', '--version', '9.9.9', '--mirror', url], { env: { MESHCTL_CACHE_DIR: cache } });
  server.close();
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /interrupted|truncated/);
  assert.deepEqual(cacheEntries(cache), [], 'no partial release and no temp dir');
});

test('--insecure-skip-verify accepts a release without a checksum, loudly', async () => {
  publish('9.1.0', release('9.1.0'), null);
  const cache = mkdtempSync(join(tmpdir(), 'meshctl-cache-'));
  const r = await download(cache, ['--version', '9.1.0', '--insecure-skip-verify']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /NOT VERIFIED/);
});

test('a mirror that is not loopback must be https; an unreachable one is exit 2', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'meshctl-cache-'));
  const plain = await runCli(['download', '--version', '1.30.3', '--mirror', 'http://mirror.example.com/'], { env: { MESHCTL_CACHE_DIR: cache } });
  assert.equal(plain.code, 64);
  assert.match(plain.stderr, /plain http is only allowed for loopback mirrors/);
  const down = await runCli(['download', '--version', '1.30.3', '--mirror', 'http://127.0.0.1:9/'], { env: { MESHCTL_CACHE_DIR: cache } });
  assert.equal(down.code, 2);
  assert.match(down.stderr, /cannot download .*127\.0\.0\.1:9/);
});
