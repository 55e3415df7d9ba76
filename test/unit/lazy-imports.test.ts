import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESHCTL_BIN } from '../helpers/cli.js';

const register = fileURLToPath(new URL('../helpers/import-log-register.js', import.meta.url));

function modulesLoadedBy(args: string[]): string[] {
  const log = join(mkdtempSync(join(tmpdir(), 'meshctl-imports-')), 'imports.log');
  const r = spawnSync(process.execPath, ['--import', register, MESHCTL_BIN, ...args], { env: { ...process.env, MESHCTL_IMPORT_LOG: log } });
  assert.equal(r.status, 0, r.stderr.toString());
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const HEAVY = ['@kubernetes/client-node', 'execa', 'ora', 'ajv', 'tar'];

test('offline generators load no heavy module (no Kubernetes client, no process runner, no validator)', () => {
  const mods = modulesLoadedBy(['split', 'reviews', 'v1=90', 'v2=10']);
  assert.ok(mods.some((m) => m.includes('/node_modules/yaml/')), 'the hook sees package imports (yaml is loaded)');
  for (const heavy of HEAVY) assert.ok(!mods.some((m) => m.includes(`/node_modules/${heavy}/`)), `${heavy} not loaded`);
  assert.ok(!mods.some((m) => m.includes('/commands/route.js')), 'other commands are not loaded');
});

test('--help loads every command but still no heavy module', () => {
  const mods = modulesLoadedBy(['--help']);
  assert.ok(mods.some((m) => m.includes('/commands/expose.js')));
  for (const heavy of HEAVY) assert.ok(!mods.some((m) => m.includes(`/node_modules/${heavy}/`)), `${heavy} not loaded`);
});
