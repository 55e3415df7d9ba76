/**
 * meshctl on a real terminal: each case runs the built CLI in a pseudo-terminal (util-linux `script`, with a
 * width set so that spinners are drawn) and checks that a failure ends promptly and that Ctrl-C ends the
 * command with 130 and the cursor shown again. The same commands in a pipe are covered by cli.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESHCTL_BIN } from '../helpers/cli.js';
import { runInPty, silentServer } from '../helpers/pty.js';

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

test('pty: a download that fails (nothing listens on the mirror) prints its error and exits 2 at once, spinner stopped, cursor shown', async () => {
  const closed = await silentServer();
  const port = closed.port;
  await closed.close(); // the port is now closed: connections are refused
  const cache = mkdtempSync(join(tmpdir(), 'meshctl-pty-'));
  // no --version: the spinner "resolving the latest stable release" is running when the lookup fails
  const run = await runInPty(['download', '--mirror', `http://127.0.0.1:${port}`], { MESHCTL_CACHE_DIR: cache });
  assert.equal(run.code, 2, JSON.stringify(run.screen));
  assert.match(run.screen, /Error: /);
  assert.ok(run.ms < 15_000, `ended in ${run.ms} ms`);
  assert.ok(run.screen.includes(HIDE_CURSOR), 'a spinner was drawn');
  assert.ok(run.screen.lastIndexOf(SHOW_CURSOR) > run.screen.lastIndexOf(HIDE_CURSOR), 'the cursor is shown again');
});

test('pty: Ctrl-C during a download that hangs ends the command with 130 and the cursor shown again', async () => {
  const hung = await silentServer();
  const cache = mkdtempSync(join(tmpdir(), 'meshctl-pty-'));
  let typed = false;
  try {
    const run = await runInPty(['download', '--version', '1.30.3', '--mirror', `http://127.0.0.1:${hung.port}`], { MESHCTL_CACHE_DIR: cache }, (screen, type) => {
      // wait for the spinner to be drawn, then press Ctrl-C
      if (!typed && screen.includes(HIDE_CURSOR)) {
        typed = true;
        setTimeout(() => type('\x03'), 300);
      }
    });
    assert.ok(typed, `a spinner was drawn: ${JSON.stringify(run.screen)}`);
    assert.equal(run.code, 130, JSON.stringify(run.screen));
    assert.ok(run.screen.lastIndexOf(SHOW_CURSOR) > run.screen.lastIndexOf(HIDE_CURSOR), 'the cursor is shown again');
    assert.match(run.screen, /interrupted/);
    assert.doesNotMatch(run.screen, /at .*\.js:\d+/, 'no stack trace');
  } finally {
    await hung.close();
  }
});

test('pty: a cluster command against an apiserver that never answers ends on Ctrl-C with 130', async () => {
  const hung = await silentServer();
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-pty-'));
  const kubeconfig = join(dir, 'config');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${hung.port}", insecure-skip-tls-verify: true}}]\n` +
    'users: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
  try {
    // nothing is printed while the request hangs: Ctrl-C once the apiserver has the connection, for each kind of live command
    for (const args of [['status'], ['status', '--wait'], ['dashboard', 'kiali', '--no-browser'], ['split', 'reviews', 'v1=50', 'v2=50', '--apply'], ['sample', 'deploy', 'bookinfo']]) {
      const run = await runInPty([...args, '--kubeconfig', kubeconfig], {}, undefined, { typeWhen: { ready: hung.nextConnection(), keys: '\x03' } });
      assert.equal(run.code, 130, `${args.join(' ')}: ${JSON.stringify(run.screen)}`);
    }
  } finally {
    await hung.close();
  }
});

test('pty: the terminal closing (hang-up) during a download that hangs ends meshctl by SIGHUP (129), its cleanups run, no abort', async () => {
  const hung = await silentServer();
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-pty-'));
  const { existsSync, readFileSync, readdirSync } = await import('node:fs');
  const codeFile = join(dir, 'code');
  // meshctl runs under a small parent that does what a shell does when its terminal hangs up (passes SIGHUP on to its
  // job) and reports how meshctl ended; Node's own exit aborts on a hung-up terminal, so meshctl must end otherwise
  const parent = `const { spawn } = require('node:child_process'); process.on('SIGHUP', () => c.kill('SIGHUP')); setTimeout(() => process.exit(3), 20000).unref();
var c = spawn(process.execPath, ${JSON.stringify([MESHCTL_BIN, 'download', '--version', '1.30.3', '--mirror', `http://127.0.0.1:${hung.port}`])}, { stdio: 'inherit' });
c.on('exit', (code, signal) => require('node:fs').writeFileSync(${JSON.stringify(codeFile)}, String(code ?? signal)));`;
  const run = spawn('script', ['-qefc', `stty cols 100 rows 30; exec '${process.execPath}' -e "$MESHCTL_TEST_PARENT"`, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm', NO_COLOR: '', MESHCTL_CACHE_DIR: join(dir, 'cache'), MESHCTL_TEST_PARENT: parent }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  run.stdout.on('data', (d) => (screen += d));
  try {
    for (let i = 0; i < 200 && !screen.includes(HIDE_CURSOR); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(screen.includes(HIDE_CURSOR), `a spinner was drawn: ${JSON.stringify(screen)}`);
    run.kill('SIGKILL'); // the terminal goes: the kernel hangs up its session
    for (let i = 0; i < 200 && !existsSync(codeFile); i++) await new Promise((r) => setTimeout(r, 50));
    // ended by SIGHUP, which a shell reports as 129 (on the old code: SIGABRT, Node's assertion on restoring the terminal)
    assert.equal(existsSync(codeFile) ? readFileSync(codeFile, 'utf8') : 'still running after 10 s', 'SIGHUP');
    const cache = join(dir, 'cache');
    const left = existsSync(cache) ? readdirSync(cache, { recursive: true }).map(String).filter((f) => /partial|\.tmp|download-/.test(f)) : [];
    assert.deepEqual(left, [], 'no partial download is left');
  } finally {
    run.kill('SIGKILL');
    await hung.close();
  }
});

test('pty: Ctrl-C during a validation that takes long (costly CEL rules within the apiserver\'s limits) ends it at once with 130', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-pty-'));
  const { writeFileSync } = await import('node:fs');
  const crd = fileURLToPath(new URL('../../../test/fixtures/crds/costly-rules-crd.yaml', import.meta.url));
  const list = join(dir, 'lists.yaml');
  // 100 objects of 25 groups of 110: each group's rules stay under the limit for one evaluation and each object
  // under its budget (about 9 of its 10 million), so nothing stops the work but the Ctrl-C (about a minute of it here)
  const groups = JSON.stringify(Array.from({ length: 25 }, () => ({ members: Array.from({ length: 110 }, (_, i) => `m${i}`) })));
  writeFileSync(list, Array.from({ length: 100 }, (_, n) => `apiVersion: test.meshctl.io/v1\nkind: CostlyList\nmetadata: {name: l${n}, namespace: default}\nspec: {items: [], groups: ${groups}}\n`).join('---\n'));
  const run = await runInPty(['validate', '--crds', crd, list], {}, undefined, { typeAfter: { ms: 2000, keys: '\x03' }, limitMs: 60_000 });
  assert.equal(run.code, 130, JSON.stringify(run.screen));
  assert.match(run.screen, /interrupted/);
  // ended by the Ctrl-C, not by the work finishing: well before the minute the work takes
  assert.ok(run.ms < 15_000, `ended ${run.ms} ms after the start (Ctrl-C at 2000 ms)`);
});
