/**
 * meshctl as people install it: the npm package (packed, installed into a temporary prefix with no network and
 * no dependencies to fetch) and the single executable, each running the same commands offline.
 * `npm test` has just built dist/ (tsc and the bundle); packing here skips the prepack build for that reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const fixtureCrd = join(repo, 'test', 'fixtures', 'crds', 'widget-crd.yaml');
const fixtureWidgets = join(repo, 'test', 'fixtures', 'validate', 'widget', 'widgets.yaml');
const fixtureGood = join(repo, 'test', 'fixtures', 'validate', 'good', 'networking.yaml');
const fixtureBad = join(repo, 'test', 'fixtures', 'validate', 'bad', 'vs-unknown-field.yaml');

/** The same offline commands, for any way of running meshctl. */
function exercise(run: (args: string[]) => { status: number | null; stdout: string; stderr: string }, what: string): void {
  const version = run(['--version']);
  assert.equal(version.status, 0, `${what} --version: ${version.stderr}`);
  assert.equal(version.stdout.trim(), pkg.version);
  const split = run(['split', 'reviews', 'v1=90', 'v2=10', '-o', 'json']);
  assert.equal(split.status, 0, `${what} split: ${split.stderr}`);
  assert.deepEqual(JSON.parse(split.stdout).items.map((o: any) => o.kind), ['VirtualService', 'DestinationRule']);
  // offline, with the schemas that ship inside: a good fixture passes, a misspelt field is found
  const good = run(['validate', fixtureGood]);
  assert.equal(good.status, 0, `${what} validate (bundled schemas): ${good.stdout}${good.stderr}`);
  assert.match(good.stderr, /schemas: bundled: Istio /);
  const bad = run(['validate', fixtureBad]);
  assert.equal(bad.status, 65, `${what} validate of a bad fixture: ${bad.stdout}${bad.stderr}`);
  assert.match(bad.stdout, /unknown field/);
  const crds = run(['validate', '--crds', fixtureCrd, fixtureWidgets]);
  assert.equal(crds.status, 65, `${what} validate --crds: ${crds.stderr}`);
  const completion = run(['completion', 'bash']);
  assert.equal(completion.status, 0, `${what} completion: ${completion.stderr}`);
  assert.match(completion.stdout, /complete -F _meshctl meshctl/);
  const profiles = run(['profile', 'list', '-o', 'json']);
  assert.equal(profiles.status, 0, `${what} profile list: ${profiles.stderr}`);
  assert.deepEqual(JSON.parse(profiles.stdout).map((p: any) => p.name), ['ambient', 'default', 'demo', 'minimal'], `${what} ships the profiles`);
}

const offline = { ...process.env, KUBECONFIG: '', HOME: mkdtempSync(join(tmpdir(), 'meshctl-home-')), npm_config_offline: 'true' };

test('package.json: a prepack build, the bundle and run-time files in `files`, no run-time dependencies to fetch', () => {
  assert.equal(pkg.scripts.prepack, 'npm run build');
  for (const f of ['bin', 'dist/bundle', 'profiles', 'samples', 'schemas']) assert.ok(pkg.files.includes(f), `files has ${f}`);
  assert.equal(pkg.dependencies, undefined, 'everything meshctl runs is in the bundle');
  assert.match(pkg.engines.node, /^>=20/);
});

test('npm pack, then npm install -g of the tarball into a temporary prefix, offline: meshctl runs from there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo, env: offline }).toString());
  const names: string[] = packed[0].files.map((f: any) => f.path);
  assert.ok(names.includes('dist/bundle/cli.js'), 'the bundle is packed');
  assert.ok(names.includes('profiles/demo.yaml'));
  assert.ok(names.includes('schemas/bundled.json'), 'the bundled schemas are packed');
  assert.ok(!names.some((n) => n.startsWith('dist/test') || n.startsWith('dist/src') || n.startsWith('src/')), 'no tests or sources');
  const prefix = join(dir, 'prefix');
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(dir, packed[0].filename)], { env: offline, stdio: 'pipe' });
  const bin = join(prefix, 'bin', 'meshctl');
  assert.ok(existsSync(bin), 'npm linked the meshctl command');
  exercise((args) => {
    const r = spawnSync(bin, args, { env: { ...offline, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` }, cwd: dir });
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }, 'installed package');
});

test('the single executable (Node SEA, linux-amd64) runs the same commands with no Node or package beside it, and its sha256 file checks', () => {
  execFileSync(process.execPath, [join(repo, 'scripts', 'build-sea.mjs')], { cwd: repo, stdio: 'pipe' });
  const exe = join(repo, 'dist', 'sea', `meshctl-linux-${process.arch === 'x64' ? 'amd64' : process.arch}`);
  // copied alone into an empty directory: nothing of the repo is next to it
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-sea-'));
  const alone = join(dir, 'meshctl');
  writeFileSync(alone, readFileSync(exe), { mode: 0o755 });
  const [sum, name] = readFileSync(`${exe}.sha256`, 'utf8').trim().split(/\s+/);
  assert.equal(name, exe.slice(exe.lastIndexOf('/') + 1));
  assert.equal(createHash('sha256').update(readFileSync(alone)).digest('hex'), sum, 'the .sha256 file matches the executable');
  exercise((args) => {
    const r = spawnSync(alone, args, { env: { PATH: '/usr/bin:/bin', HOME: offline.HOME }, cwd: dir });
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }, 'single executable');
  // a profile reaches istioctl as a file: the executable writes its embedded copy out
  const show = spawnSync(alone, ['profile', 'show', 'demo'], { env: { PATH: '/usr/bin:/bin', HOME: offline.HOME } });
  assert.match(show.stdout.toString(), /kind: IstioOperator/);
});
