/**
 * Differential test: the real istioctl's `validate` (Istio's own validation, built from the Istio module the
 * tests use) and `meshctl validate` (bundled schemas, offline) on every validate fixture. For every object,
 * the verdicts (any error, or none) must agree, except where the fixture documents the difference with a line
 *   # istioctl-differs: Kind/name: reason
 * Files that cannot be parsed must be refused by both. istioctl needs no cluster for this (KUBECONFIG is empty).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayApiModuleDir, yamlFilesUnder } from '../harness/crds.js';
import { requireIstioctl } from '../harness/upstream.js';
import { runCli } from '../helpers/cli.js';
import { loadSources } from '../../src/manifests/documents.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/validate/', import.meta.url));
const files = ['good', 'bad'].flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, d, f)));

/** The objects istioctl validate reports errors for, as `Kind/name` (a List's errors name every item of it). */
function istioctlErrors(istioctl: string, file: string, listItems: string[]): { code: number | null; ids: Set<string>; text: string } {
  const r = spawnSync(istioctl, ['validate', '-f', file], { env: { ...process.env, KUBECONFIG: '' } });
  const text = r.stdout.toString() + r.stderr.toString();
  const at = text.search(/^Error: /m);
  const ids = new Set<string>();
  if (at !== -1) {
    for (const m of text.slice(at).matchAll(/^\t\* ([^/\s]+)\/([^/\s]*)\/?(\S*?): /gm)) {
      // "Kind/namespace/name" or "Kind/name"
      const [kind, a, b] = [m[1], m[2], m[3]];
      if (kind === 'List') listItems.forEach((i) => ids.add(i));
      else ids.add(`${kind}/${b || a}`);
    }
  }
  return { code: r.status, ids, text };
}

test('istioctl validate and meshctl validate agree on every fixture object, apart from the differences each fixture documents', async () => {
  const istioctl = requireIstioctl();
  let compared = 0;
  let agreed = 0;
  const documented: string[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const name = file.slice(FIXTURES.length);
    const text = readFileSync(file, 'utf8');
    const declared = new Map([...text.matchAll(/^# istioctl-differs: (\S+): (.+)$/gm)].map((m) => [m[1], m[2]]));
    const mine = await runCli(['validate', file, '-o', 'json'], { env: { KUBECONFIG: '' } });
    const { objects, problems: parse } = await loadSources([file]);
    if (parse.length > 0) {
      const theirs = istioctlErrors(istioctl, file, []);
      compared++;
      if (theirs.code === 0 || mine.code !== 65) problems.push(`${name}: unparseable, but istioctl exit ${theirs.code}, meshctl exit ${mine.code}`);
      else agreed++;
      continue;
    }
    const listItems = /^kind: List$/m.test(text) ? objects.map((o) => `${o.object.kind}/${o.object.metadata?.name}`) : [];
    const theirs = istioctlErrors(istioctl, file, listItems);
    const findings: any[] = JSON.parse(mine.stdout).findings;
    const seen = new Set<string>();
    for (const { object: o } of objects) {
      const id = `${o.kind}/${o.metadata?.name}`;
      seen.add(id);
      const meshctlRefuses = findings.some((f) => f.severity === 'error' && f.kind === o.kind && f.name === o.metadata?.name);
      const istioctlRefuses = theirs.ids.has(id);
      compared++;
      if (meshctlRefuses === istioctlRefuses) {
        agreed++;
        if (declared.has(id)) problems.push(`${name} ${id}: documented as a difference, but both ${meshctlRefuses ? 'refuse' : 'accept'} it`);
      } else if (declared.has(id)) {
        documented.push(`${name} ${id} (meshctl ${meshctlRefuses ? 'refuses' : 'accepts'}): ${declared.get(id)}`);
      } else {
        problems.push(`${name} ${id}: meshctl ${meshctlRefuses ? 'refuses' : 'accepts'}, istioctl ${istioctlRefuses ? 'refuses' : 'accepts'}\n${theirs.text}`);
      }
    }
    for (const id of declared.keys()) if (!seen.has(id)) problems.push(`${name}: documents ${id}, which the file does not have`);
  }
  process.stderr.write(`istioctl validate vs meshctl validate: ${compared} objects or files compared, ${agreed} agree, ${documented.length} documented differences:\n${documented.map((d) => `  ${d}`).join('\n')}\n`);
  assert.deepEqual(problems, []);
  assert.ok(compared >= 60, `compared ${compared}`);
});

test('the IstioOperator fields meshctl checks are those of the Istio module\'s operator API (IstioOperatorSpec, IstioComponentSpec)', async () => {
  const { istioModuleDir } = await import('../helpers/istio-analyzer-cases.js');
  const { upstreamVersions } = await import('../harness/upstream.js');
  const { ISTIO_OPERATOR_COMPONENTS, ISTIO_OPERATOR_SPEC_FIELDS } = await import('../../src/validate/istio-operator.js');
  const types = readFileSync(join(istioModuleDir(upstreamVersions().ISTIO_MODULE_VERSION), 'operator', 'pkg', 'apis', 'types.go'), 'utf8');
  /** The JSON names of a Go struct's fields, from their tags. */
  const jsonFields = (struct: string): string[] => {
    const body = new RegExp(`^type ${struct} struct \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(types);
    assert.ok(body, `type ${struct} in operator/pkg/apis/types.go`);
    return [...body[1].matchAll(/`json:"([^",]+)/g)].map((m) => m[1]).filter((n) => n !== '-');
  };
  assert.deepEqual([...ISTIO_OPERATOR_SPEC_FIELDS].sort(), jsonFields('IstioOperatorSpec').sort());
  assert.deepEqual([...ISTIO_OPERATOR_COMPONENTS].sort(), jsonFields('IstioComponentSpec').sort());
});

test('the Gateway API module\'s own examples: meshctl accepts every valid one and refuses every invalid one (istioctl, which does not check Gateway API schemas, refuses none)', async () => {
  const dir = gatewayApiModuleDir();
  const figures: string[] = [];
  for (const channel of ['standard', 'experimental']) {
    const valid = yamlFilesUnder(join(dir, 'examples', channel));
    const r = await runCli(['validate', '--gateway-api-channel', channel, ...valid, '-o', 'json']);
    assert.equal(r.code, 0, `${channel} examples: ${r.stdout.slice(0, 2000)}`);
    assert.equal(JSON.parse(r.stdout).summary.unchecked, 0, 'every example is schema-checked');
    const invalid = yamlFilesUnder(join(dir, 'hack', 'invalid-examples', channel));
    const accepted: string[] = [];
    let istioctlRefused = 0;
    for (const file of invalid) {
      const v = await runCli(['validate', '--gateway-api-channel', channel, file]);
      if (v.code !== 65) accepted.push(`${file.slice(dir.length + 1)}: exit ${v.code}`);
      if (spawnSync(requireIstioctl(), ['validate', '-f', file], { encoding: 'utf8', timeout: 60_000 }).status !== 0) istioctlRefused++;
    }
    assert.deepEqual(accepted, [], `${channel}: invalid examples meshctl accepts`);
    figures.push(`${channel}: ${valid.length} valid files accepted, ${invalid.length} invalid refused by meshctl, ${istioctlRefused} by istioctl`);
  }
  console.log(`Gateway API examples: ${figures.join('; ')}`);
});
