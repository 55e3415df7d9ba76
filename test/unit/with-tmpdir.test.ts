/**
 * scripts/with-tmpdir.sh, which the test commands run under: what a run leaves in its temporary directory is gone
 * when it ends, whether it ends well, fails, or is interrupted. (Runs before it left every release, cache and
 * cluster state behind, tens of gigabytes over a few days, until the disk filled and the tests failed on ENOSPC.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/with-tmpdir.sh', import.meta.url));
/** A child that makes a directory with a file in its os.tmpdir() and prints the directory's path. */
const MAKE = "const fs=require('fs'),os=require('os'),p=require('path');const d=fs.mkdtempSync(p.join(os.tmpdir(),'leak-'));fs.writeFileSync(p.join(d,'f'),'x');console.log(d);";

test('the run\'s TMPDIR is its own and is removed after it, with what was made in it, on success and on failure', () => {
  const parent = mkdtempSync(join(tmpdir(), 'meshctl-wt-'));
  for (const [code, expected] of [['', 0], ['process.exitCode=3;', 3]] as const) {
    const r = spawnSync('bash', [SCRIPT, process.execPath, '-e', MAKE + code], { env: { ...process.env, TMPDIR: parent }, encoding: 'utf8' });
    assert.equal(r.status, expected, r.stderr);
    const made = r.stdout.trim();
    assert.ok(made.startsWith(join(parent, 'meshctl-run.')), `made under the run's own directory: ${made}`);
    assert.equal(existsSync(made), false, 'removed');
  }
  assert.deepEqual(readdirSync(parent), [], 'nothing left in the parent');
  rmdirSync(parent);
});

test('interrupted (SIGINT to the script, as Ctrl-C in a terminal sends it to the group), the run\'s TMPDIR is removed too', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'meshctl-wt-'));
  const child = spawn('bash', [SCRIPT, process.execPath, '-e', MAKE + 'setInterval(()=>{},1000);'], { env: { ...process.env, TMPDIR: parent }, detached: true });
  let out = '';
  child.stdout.on('data', (b) => { out += b; });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the child did not start')), 10_000);
    child.stdout.on('data', () => { if (out.includes('\n')) { clearTimeout(t); resolve(); } });
  });
  assert.ok(existsSync(out.trim()));
  const ended = new Promise((r) => child.on('close', r));
  process.kill(-child.pid!, 'SIGINT');
  await ended;
  assert.deepEqual(readdirSync(parent), [], 'nothing left in the parent');
  rmdirSync(parent);
});
