import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveName, checkVersion, newestStable, parseChecksumFile, platformSuffix, releaseSource } from '../../src/release/source.js';
import { archiveProblems, resolveThroughLinks, safeExtract, unsafeEntryReason } from '../../src/release/extract.js';
import { InputError, UsageError } from '../../src/ui/errors.js';
import { tarGz } from '../helpers/tar-writer.js';

test('release source: GitHub by default; mirrors must be https unless loopback', () => {
  assert.equal(releaseSource().mirror, false);
  assert.equal(releaseSource('http://127.0.0.1:8080/').base, 'http://127.0.0.1:8080');
  assert.equal(releaseSource('http://localhost:8080/x').index, 'http://localhost:8080/x/releases.json');
  assert.equal(releaseSource('https://mirror.example.com/istio').base, 'https://mirror.example.com/istio');
  assert.throws(() => releaseSource('http://mirror.example.com/istio'), (e: unknown) => e instanceof UsageError && /only allowed for loopback/.test(e.message));
  assert.throws(() => releaseSource('ftp://127.0.0.1/'), UsageError);
  assert.throws(() => releaseSource('not a url'), UsageError);
});

test('archive names follow Istio\'s platform suffixes', () => {
  assert.equal(archiveName('1.30.3', 'linux', 'amd64'), 'istio-1.30.3-linux-amd64.tar.gz');
  assert.equal(archiveName('1.30.3', 'osx', 'amd64'), 'istio-1.30.3-osx.tar.gz');
  assert.equal(archiveName('1.30.3', 'osx', 'arm64'), 'istio-1.30.3-osx-arm64.tar.gz');
  assert.throws(() => platformSuffix('windows', 'amd64'), /zip/);
  assert.throws(() => checkVersion('v1.30.3'), /no "v" prefix/);
  assert.equal(checkVersion('latest'), 'latest');
});

test('latest is the newest stable release: no alpha, beta, rc, dev, prerelease or draft', () => {
  assert.equal(newestStable([
    { tag_name: '1.31.0-rc.1', prerelease: true }, { tag_name: '1.30.3' }, { tag_name: '1.29.9' }, { tag_name: '1.30.10' },
    { tag_name: '1.32.0', draft: true }, { tag_name: '1.31-dev' }, { tag_name: '1.31.0-beta.0' },
  ]), '1.30.10');
  assert.equal(newestStable([{ tag_name: '1.31-dev', prerelease: true }]), undefined);
});

test('checksum files: "<hash>  <name>" or a bare hash', () => {
  const h = 'a'.repeat(64);
  assert.equal(parseChecksumFile(`${h}  istio-1.30.3-linux-amd64.tar.gz\n`), h);
  assert.equal(parseChecksumFile(h.toUpperCase()), h);
  assert.equal(parseChecksumFile('not a checksum'), undefined);
});

test('unsafe archive entries are named', () => {
  const top = 'istio-1.0.0';
  assert.equal(unsafeEntryReason({ path: 'istio-1.0.0/bin/istioctl', type: 'File' }, top), undefined);
  assert.equal(unsafeEntryReason({ path: 'istio-1.0.0/bin/link', type: 'SymbolicLink', linkpath: 'istioctl' }, top), undefined);
  assert.match(unsafeEntryReason({ path: '/etc/passwd', type: 'File' }, top)!, /absolute path/);
  assert.match(unsafeEntryReason({ path: 'istio-1.0.0/../../evil', type: 'File' }, top)!, /contains "\.\."/);
  assert.match(unsafeEntryReason({ path: 'other/file', type: 'File' }, top)!, /outside the release directory/);
  assert.match(unsafeEntryReason({ path: 'istio-1.0.0/l', type: 'SymbolicLink', linkpath: '../../../etc' }, top)!, /points outside/);
  assert.match(unsafeEntryReason({ path: 'istio-1.0.0/l', type: 'SymbolicLink', linkpath: '/etc/passwd' }, top)!, /absolute path/);
  assert.match(unsafeEntryReason({ path: 'istio-1.0.0/h', type: 'Link', linkpath: '/etc/passwd' }, top)!, /hard link/);
  assert.match(unsafeEntryReason({ path: 'istio-1.0.0/dev', type: 'CharacterDevice' }, top)!, /CharacterDevice/);
});

test('safeExtract refuses a bad archive before writing anything, and extracts a good one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-extract-'));
  const bad = join(dir, 'bad.tar.gz');
  writeFileSync(bad, tarGz([{ path: 'istio-1.0.0/bin/istioctl', content: '#!/bin/sh\n' }, { path: 'istio-1.0.0/../../escape', content: 'x' }]));
  const out = join(dir, 'out');
  writeFileSync(join(dir, 'marker'), '');
  await assert.rejects(safeExtract(bad, dir, 'istio-1.0.0'), (e: unknown) => e instanceof InputError && /contains "\.\."/.test(e.message));
  assert.deepEqual(readdirSync(dir).sort(), ['bad.tar.gz', 'marker'], 'nothing extracted');
  const good = join(dir, 'good.tar.gz');
  writeFileSync(good, tarGz([{ path: 'istio-1.0.0/', type: 'dir' }, { path: 'istio-1.0.0/bin/istioctl', content: '#!/bin/sh\n', mode: 0o755 }]));
  await safeExtract(good, dir, 'istio-1.0.0');
  assert.deepEqual(readdirSync(join(dir, 'istio-1.0.0', 'bin')), ['istioctl']);
  const truncated = join(dir, 'trunc.tar.gz');
  writeFileSync(truncated, tarGz([{ path: 'istio-1.0.0/bin/istioctl', content: 'x'.repeat(5000) }]).subarray(0, 60));
  await assert.rejects(safeExtract(truncated, out, 'istio-1.0.0'), (e: unknown) => e instanceof InputError && /corrupt or truncated/.test(e.message));
});

test('links through links: each link resolved as the file system will, so a chain cannot reach /', async () => {
  const top = 'istio-1.0.0';
  const deep = `${top}/a/b/c/d/e/f`;
  // each target resolves inside the release on paper; on disk Y is X's target's parent's parent ... = /
  const chain = [
    { path: `${deep}/X`, type: 'SymbolicLink', linkpath: '../../../../../..' },
    { path: `${deep}/Y`, type: 'SymbolicLink', linkpath: 'X/../../../../../../..' },
  ];
  for (const e of chain) assert.equal(unsafeEntryReason(e, top), undefined, 'each link alone looks safe');
  assert.match(archiveProblems(chain, top).join('; '), /link ".*\/Y" leads outside the release through other links/);
  assert.deepEqual(archiveProblems([chain[0]], top), [], 'X alone stays inside');
  // a file written through a link that leads out, a hard link through a link, a loop
  assert.match(archiveProblems([{ path: `${top}/l`, type: 'SymbolicLink', linkpath: '.' }, { path: `${top}/m`, type: 'SymbolicLink', linkpath: 'l/..' }, { path: `${top}/m/x`, type: 'File' }], top).join(';'), /written through a link outside/);
  assert.match(archiveProblems([{ path: `${top}/up`, type: 'SymbolicLink', linkpath: 'bin/..' }, { path: `${top}/bin`, type: 'SymbolicLink', linkpath: '..' }, { path: `${top}/h`, type: 'Link', linkpath: `${top}/bin/etc` }], top).join(';'), /outside the release/);
  assert.equal(resolveThroughLinks('t/a/x', new Map([['t/a', 'b'], ['t/b', 'a']])), undefined, 'a loop ends');
  assert.equal(resolveThroughLinks('t/bin/istioctl', new Map([['t/bin', 'real']])), 't/real/istioctl');
  // the archive itself: refused, nothing written
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-extract-'));
  writeFileSync(join(dir, 'chain.tar.gz'), tarGz([{ path: `${top}/bin/istioctl`, content: '#!/bin/sh\n' }, ...chain.map((e) => ({ path: e.path, type: 'symlink' as const, linkpath: e.linkpath }))]));
  const out = join(dir, 'out');
  await assert.rejects(safeExtract(join(dir, 'chain.tar.gz'), dir, top), (e: unknown) => e instanceof InputError && /through other links/.test(e.message));
  assert.equal(existsSync(join(dir, top)), false, 'nothing extracted');
  assert.equal(existsSync(out), false);
});

test('release archives: setuid/setgid/sticky bits dropped; entry count and unpacked size bounded', async () => {
  const top = 'istio-1.0.0';
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-extract-'));
  writeFileSync(join(dir, 'suid.tar.gz'), tarGz([{ path: `${top}/bin/istioctl`, content: '#!/bin/sh\n', mode: 0o6755 }, { path: `${top}/tmp/`, type: 'dir', mode: 0o1777 }]));
  await safeExtract(join(dir, 'suid.tar.gz'), dir, top);
  assert.equal(statSync(join(dir, top, 'bin', 'istioctl')).mode & 0o7000, 0, 'no setuid or setgid');
  assert.equal(statSync(join(dir, top, 'bin', 'istioctl')).mode & 0o100, 0o100, 'still executable');
  assert.equal(lstatSync(join(dir, top, 'tmp')).mode & 0o7000, 0, 'no sticky bit');
  // 200 KB of zeros compress to a few hundred bytes: the unpacked size is what counts
  writeFileSync(join(dir, 'bomb.tar.gz'), tarGz([{ path: `${top}/bin/istioctl`, content: Buffer.alloc(200_000) }]));
  assert.ok(statSync(join(dir, 'bomb.tar.gz')).size < 2_000);
  const out = join(dir, 'out');
  await assert.rejects(safeExtract(join(dir, 'bomb.tar.gz'), out, top, { entries: 10, bytes: 100_000 }), (e: unknown) => e instanceof InputError && /unpacks to 0\.2 MiB, more than the 0\.1 MiB/.test(e.message));
  writeFileSync(join(dir, 'many.tar.gz'), tarGz(Array.from({ length: 12 }, (_, i) => ({ path: `${top}/f${i}`, content: 'x' }))));
  await assert.rejects(safeExtract(join(dir, 'many.tar.gz'), out, top, { entries: 10, bytes: 100_000 }), (e: unknown) => e instanceof InputError && /12 entries, more than the 10/.test(e.message));
  assert.equal(existsSync(out), false, 'nothing extracted');
  assert.match(archiveProblems([{ path: `${top}/big`, type: 'File', size: 2 * 1024 ** 3 }], top).join(), /unpacks to 2048\.0 MiB, more than the 1024\.0 MiB/);
});
