/**
 * The worker thread of long jobs (src/worker/cancellable.ts) is kept for the next job once one has finished: a
 * process that runs jobs still ends by itself when its work is done, and a job that fails does not spoil the next.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CANCELLABLE = fileURLToPath(new URL('../../src/worker/cancellable.js', import.meta.url));
const BUNDLED = fileURLToPath(new URL('../../src/schema/bundled.js', import.meta.url));
const FILE = fileURLToPath(new URL('../../../test/fixtures/analyze/clean/controlplane.yaml', import.meta.url));

test('jobs in a kept worker: three in a row (one failing) give their answers, and the process ends by itself', () => {
  const script = `
    const { runCancellable } = await import(${JSON.stringify(CANCELLABLE)});
    const { crdsFromBundle } = await import(${JSON.stringify(BUNDLED)});
    const kinds = await crdsFromBundle('standard');
    const first = await runCancellable('validate', { files: [${JSON.stringify(FILE)}], kinds, options: {} });
    const failed = await runCancellable('analyze', { sources: { paths: ['/nonexistent/dir'] }, options: {} }).then(() => 'no error', (e) => e.name);
    const third = await runCancellable('validate', { files: [${JSON.stringify(FILE)}], kinds, options: {} });
    console.log(JSON.stringify({ first: first.documents, failed, third: third.documents }));`;
  // a script file, not -e: a worker thread starts with its parent's node options
  const file = join(mkdtempSync(join(tmpdir(), 'meshctl-worker-')), 'jobs.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, `ended by itself, not by the 30 s limit: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { first: 7, failed: 'AnalyzeInputError', third: 7 });
});
