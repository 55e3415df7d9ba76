/**
 * meshctl as a process of its own, where that is what is tested: a reader that goes away (a pipe to `head`), and the
 * completion scripts, which run meshctl from the shell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESHCTL_BIN as MESHCTL_BIN_FOR_PIPE, meshctl } from '../helpers/cli.js';

test('completion scripts: each parses in its shell, and bash completes commands, flags, values and file names through meshctl', async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await meshctl(['completion', shell]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /meshctl __complete/);
  }
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-test-'));
  writeFileSync(join(dir, 'c.bash'), (await meshctl(['completion', 'bash'])).stdout);
  execFileSync('bash', ['-n', join(dir, 'c.bash')]);
  const zsh = (await meshctl(['completion', 'zsh'])).stdout;
  assert.doesNotMatch(zsh, /local[^\n]*\bpath\b/, 'zsh: no local named path (tied to PATH)');
  // a `meshctl` on the PATH, as the scripts expect
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'meshctl'), `#!/bin/sh\nexec "${process.execPath}" "${MESHCTL_BIN_FOR_PIPE}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(dir, 'routes.yaml'), '');
  const complete = (words: string[]) => execFileSync('bash', ['-c',
    `source c.bash; COMP_WORDS=(meshctl ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _meshctl; printf '%s\\n' "\${COMPREPLY[@]}"`],
  { cwd: dir, env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, HOME: dir, KUBECONFIG: '' } }).toString().trim().split('\n');
  const rows: [string[], (got: string[]) => boolean, string][] = [
    [['sp'], (g) => g.includes('split'), 'subcommands'],
    [['split', '--la'], (g) => g.includes('--label-key'), 'flags'],
    [['authz', 'al'], (g) => g.length === 1 && g[0] === 'allow', 'nested subcommands'],
    [['authz', 'allow', '--from-'], (g) => g.includes('--from-sa'), 'flags of nested subcommands'],
    [['mtls', ''], (g) => ['strict', 'permissive', 'disable'].every((m) => g.includes(m)), 'argument choices'],
    [['split', 'reviews', '-o', ''], (g) => g.includes('yaml') && g.includes('json'), 'flag choices'],
    [['install', '--profile', 'de'], (g) => g.includes('default') && g.includes('demo'), 'profile names'],
    [['validate', 'rou'], (g) => g.includes('routes.yaml'), 'file names for paths'],
    [['retry', 'reviews', '--from', 'rou'], (g) => g.includes('routes.yaml'), 'file names for --from'],
  ];
  for (const [words, ok, what] of rows) {
    const got = complete(words);
    assert.ok(ok(got), `${what}: meshctl ${words.join(' ')}<TAB> gave ${JSON.stringify(got)}`);
  }
  const bad = await meshctl(['completion', 'powershell']);
  assert.equal(bad.code, 64);
});

test('a reader that closes early (| head) ends meshctl quietly, without a stack trace', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [MESHCTL_BIN_FOR_PIPE, 'completion', 'bash'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.destroy();
  const code = await new Promise((r) => child.on('close', r));
  assert.doesNotMatch(stderr, /EPIPE|at /);
  assert.notEqual(code, null);
});

test('the verdict survives a reader that stops early: validate | head -1 is 65, analyze | head -1 is 79', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-epipe-'));
  // enough findings that the output is far larger than a pipe's buffer
  const bad = Array.from({ length: 3000 }, (_, i) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs${i}, namespace: default}\nspec:\n  hosts: [missing${i}]\n  http: [{route: [{destination: {host: missing${i}}, weight: -1}]}]\n`).join('---\n');
  writeFileSync(join(dir, 'bad.yaml'), bad);
  const run = (args: string) => execFileSync('bash', ['-c', `set -o pipefail; node "${MESHCTL_BIN_FOR_PIPE}" ${args} "${join(dir, 'bad.yaml')}" 2>/dev/null | head -1 >/dev/null; echo $?`], { env: { ...process.env, KUBECONFIG: '' } }).toString().trim();
  assert.equal(run('validate'), '65', 'validate keeps 65');
  assert.equal(run('analyze --use-kube=false'), '79', 'analyze keeps 79');
});
