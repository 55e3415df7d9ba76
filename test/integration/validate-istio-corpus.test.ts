/**
 * Istio's own expectations: the documents of istio.io/istio's pkg/config/validation/testdata/crds (read at test
 * time from Go's module cache, where scripts/build-upstream.sh put the module; never copied into this repo).
 * Every document of a `*-invalid.yaml` file must be refused (its `_err` says why), every one of a `*-valid.yaml`
 * file accepted. meshctl (bundled schemas, offline) and the built istioctl are both measured; meshctl's misses
 * must be exactly the ones listed in KNOWN with their reasons (none today).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireIstioctl, upstreamVersions } from '../harness/upstream.js';
import { runCli } from '../helpers/cli.js';

/** meshctl's known misses on Istio's corpus: `file#index` → why. */
const KNOWN: Record<string, string> = {};

function corpusDir(): string {
  const v = upstreamVersions();
  const out = execFileSync('go', ['mod', 'download', '-json', `istio.io/istio@${v.ISTIO_MODULE_VERSION}`], { env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' } }).toString();
  return join(JSON.parse(out).Dir, 'pkg', 'config', 'validation', 'testdata', 'crds');
}

test('Istio\'s validation test corpus: meshctl validate agrees with every expectation but the known misses, and is measured next to istioctl', async () => {
  const dir = corpusDir();
  const istioctl = requireIstioctl();
  const work = mkdtempSync(join(tmpdir(), 'meshctl-corpus-'));
  const misses: string[] = [];
  let total = 0;
  let meshctlRight = 0;
  let istioctlRight = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const invalid = file.includes('-invalid');
    const docs = readFileSync(join(dir, file), 'utf8').split(/^---$/m).filter((d) => /^apiVersion:/m.test(d));
    for (const [i, doc] of docs.entries()) {
      const id = `${file}#${i}`;
      // `_err`/`_warn` are the corpus's annotations, not fields of the resource
      const path = join(work, `${file}-${i}.yaml`);
      writeFileSync(path, doc.replace(/^_(err|warn):.*$/gm, ''));
      const mine = await runCli(['validate', path, '-o', 'json'], { env: { KUBECONFIG: '' } });
      assert.ok(mine.code === 0 || mine.code === 65, `${id}: exit ${mine.code} ${mine.stderr}`);
      const refused = JSON.parse(mine.stdout).findings.some((f: any) => f.severity === 'error');
      const theirs = spawnSync(istioctl, ['validate', '-f', path], { env: { ...process.env, KUBECONFIG: '' } }).status !== 0;
      total++;
      if (refused === invalid) meshctlRight++;
      else misses.push(id);
      if (theirs === invalid) istioctlRight++;
    }
  }
  process.stderr.write(`Istio's validation corpus: ${total} documents; meshctl right on ${meshctlRight}, istioctl validate right on ${istioctlRight}\n`);
  assert.deepEqual(misses.sort(), Object.keys(KNOWN).sort(), 'misses other than the known ones');
  assert.ok(total >= 100, `${total} documents`);
});
