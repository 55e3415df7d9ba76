/**
 * Assembling the local cluster's release mirror stages the release in a temporary directory; the stage is removed
 * when the assembly fails half-way too (a full disk fails a copy; here the mirror root is a file), so a failed
 * `up` leaves nothing behind in the temporary directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleRelease } from '../../src/providers/local/release.js';

test('a release assembly that fails leaves no stage behind', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'meshctl-stage-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  try {
    const root = join(scratch, 'not-a-directory');
    writeFileSync(root, '');
    // with istioctl built, the copies succeed and making the mirror's version directory fails; without it,
    // finding istioctl fails: either way after the stage was made
    await assert.rejects(assembleRelease(root, '1.0.0-test'));
    assert.deepEqual(readdirSync(scratch), ['not-a-directory'], 'the stage is gone');
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(scratch, { recursive: true, force: true });
  }
});
