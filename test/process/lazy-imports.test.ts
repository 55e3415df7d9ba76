/**
 * Offline commands load nothing heavy. meshctl runs from its bundle (dist/bundle, split per command), so the
 * test logs which bundle files a command loads and maps each to the sources it holds through esbuild's
 * metafile (dist/bundle/meta.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESHCTL_BIN } from '../helpers/cli.js';

const register = fileURLToPath(new URL('../helpers/import-log-register.js', import.meta.url));
const meta = JSON.parse(readFileSync(fileURLToPath(new URL('../../bundle/meta.json', import.meta.url)), 'utf8'));

/** The source files (relative to the repo) inside the bundle files a command loads. */
function sourcesLoadedBy(args: string[]): string[] {
  const log = join(mkdtempSync(join(tmpdir(), 'meshctl-imports-')), 'imports.log');
  const r = spawnSync(process.execPath, ['--import', register, MESHCTL_BIN, ...args], { env: { ...process.env, MESHCTL_IMPORT_LOG: log } });
  assert.equal(r.status, 0, r.stderr.toString());
  const files = readFileSync(log, 'utf8').split('\n').filter((u) => u.includes('/dist/bundle/'));
  assert.ok(files.length > 0, 'the command runs from the bundle');
  return files.flatMap((url) => {
    const out = meta.outputs[`dist/bundle/${url.slice(url.lastIndexOf('/') + 1)}`];
    assert.ok(out, `${url} is in the metafile`);
    return Object.keys(out.inputs);
  });
}

const HEAVY = ['@kubernetes/client-node', 'execa', 'ora', 'ajv', 'tar'];

test('offline generators load no heavy module (no Kubernetes client, no process runner, no validator)', () => {
  const sources = sourcesLoadedBy(['split', 'reviews', 'v1=90', 'v2=10']);
  assert.ok(sources.some((m) => m.includes('node_modules/yaml/')), 'the metafile shows package sources (yaml is loaded)');
  for (const heavy of HEAVY) assert.ok(!sources.some((m) => m.includes(`node_modules/${heavy}/`)), `${heavy} not loaded`);
  assert.ok(!sources.some((m) => m === 'src/commands/route.ts'), 'other commands are not loaded');
});

test('--help loads every command but still no heavy module', () => {
  const sources = sourcesLoadedBy(['--help']);
  assert.ok(sources.includes('src/commands/expose.ts'));
  for (const heavy of HEAVY) assert.ok(!sources.some((m) => m.includes(`node_modules/${heavy}/`)), `${heavy} not loaded`);
});

test('the bundle keeps each heavy module out of the entry chunk', () => {
  const entry = Object.keys(meta.outputs['dist/bundle/cli.js'].inputs);
  for (const heavy of HEAVY) assert.ok(!entry.some((m) => m.includes(`node_modules/${heavy}/`)), `${heavy} not in cli.js`);
});
