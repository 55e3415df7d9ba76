#!/usr/bin/env node
// Builds meshctl's single executable for this machine's platform (linux-amd64 here) with Node's
// single-executable-application support: the CommonJS bundle (scripts/bundle.mjs --sea) becomes the blob's main
// script, profiles/, samples/, schemas/ and package.json are embedded as assets (with assets.json listing them, read by
// src/assets.ts), and the blob is injected into a copy of this Node binary with postject.
// Output: dist/sea/meshctl-<os>-<arch> and its .sha256 (`sha256sum -c` format). Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, createReadStream, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const os = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[process.platform] ?? process.platform;
const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
const name = `meshctl-${os}-${arch}${process.platform === 'win32' ? '.exe' : ''}`;
const out = 'dist/sea';

execFileSync(process.execPath, ['scripts/bundle.mjs', '--sea'], { stdio: 'inherit' });

const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [relative(root, join(dir, f))]));
const files = ['package.json', ...walk('profiles'), ...walk('samples'), ...walk('schemas')].sort();
writeFileSync(join(out, 'assets.json'), JSON.stringify(files));
const assets = Object.fromEntries([...files.map((f) => [f, f]), ['assets.json', join(out, 'assets.json')]]);
writeFileSync(join(out, 'sea-config.json'), JSON.stringify({
  main: join(out, 'meshctl.cjs'), output: join(out, 'sea-prep.blob'), disableExperimentalSEAWarning: true, useCodeCache: true, assets,
}, null, 2));
execFileSync(process.execPath, ['--experimental-sea-config', join(out, 'sea-config.json')], { stdio: 'inherit' });

const exe = join(out, name);
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// macOS (not tried here: only linux-amd64 is built and tested on these machines): Node's signature must go
// before the blob is injected into its own Mach-O segment, and an ad-hoc one is added after
const macos = process.platform === 'darwin';
if (macos) execFileSync('codesign', ['--remove-signature', exe], { stdio: 'inherit' });
execFileSync(process.execPath, [join('node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', join(out, 'sea-prep.blob'),
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2', ...(macos ? ['--macho-segment-name', 'NODE_SEA'] : [])],
{ stdio: ['ignore', 'ignore', 'inherit'] });
if (macos) execFileSync('codesign', ['--sign', '-', exe], { stdio: 'inherit' });

const hash = createHash('sha256');
for await (const chunk of createReadStream(exe)) hash.update(chunk);
writeFileSync(`${exe}.sha256`, `${hash.digest('hex')}  ${name}\n`);
console.log(`${exe} (${(statSync(exe).size / 1e6).toFixed(1)} MB) and ${exe}.sha256`);
