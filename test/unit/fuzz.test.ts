/**
 * A seeded fuzz test, bounded in count and time: it mutates the fixtures (a field given a value of another
 * type, a field removed, a key such as `__proto__` added) and feeds each variant to what reads user
 * manifests — the validator, the analyzers and the generators' `--from` — in process for many cases, then
 * through the real command line for a sample. A wrongly typed field must end as a finding, a 64 or a 65:
 * never an exception that is not meshctl's own error, never a stack trace, never an exit code outside
 * {0, 64, 65, 79}. Set MESHCTL_FUZZ_SEED and MESHCTL_FUZZ_CASES to explore further. Bounded by count, not time: every machine
 * runs the same cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSources, parseSource } from '../../src/manifests/documents.js';
import type { K8sObject } from '../../src/manifests/object.js';
import { checkFromObjects } from '../../src/generate/read.js';
import { buildSnapshot, checkTypes, resourcesFromSources } from '../../src/analyze/load.js';
import { runAnalyzers } from '../../src/analyze/runner.js';
import { validateObject } from '../../src/validate/run.js';
import { SchemaSet } from '../../src/schema/schema.js';
import { crdsFromBundle } from '../../src/schema/bundled.js';
import { splitGatewayApi, splitIstio } from '../../src/generate/split.js';
import { routeByMatch } from '../../src/generate/route.js';
import { circuitBreak, fault, mirror, retry, timeout } from '../../src/generate/resilience.js';
import { MeshctlError } from '../../src/ui/errors.js';
import { meshctl } from '../helpers/cli.js';

const SEED = Number(process.env.MESHCTL_FUZZ_SEED ?? 20261126);
const CASES = Number(process.env.MESHCTL_FUZZ_CASES ?? 1000);
const CLI_CASES = Number(process.env.MESHCTL_FUZZ_CLI_CASES ?? 12);

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url).pathname;

/** mulberry32: a small seeded generator, so a failure names the seed and case that reproduce it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = ['x', '', '*', 'toString', 5, -1, 0, 4294967296, 1.5, true, false, null, [], {}, ['x'], [5], [null], [[]], [{}], { a: 1 }, { toString: 1 }];
const KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** Every path into a value: [] for the value itself, then each key or index below it. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

/** A mutated copy of `object` and a description of the mutation. Never changes apiVersion or kind. */
function mutate(object: K8sObject, rnd: () => number): { object: K8sObject; what: string } {
  const copy = structuredClone(object);
  const candidates = paths(copy).filter((p) => p.length > 0 && p[0] !== 'apiVersion' && p[0] !== 'kind');
  const path = candidates[Math.floor(rnd() * candidates.length)];
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], copy) as any;
  const key = path[path.length - 1];
  const op = rnd();
  if (op < 0.7) {
    const value = structuredClone(VALUES[Math.floor(rnd() * VALUES.length)]);
    parent[key] = value;
    return { object: copy, what: `${path.join('.')} = ${JSON.stringify(value)}` };
  }
  if (op < 0.85) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return { object: copy, what: `delete ${path.join('.')}` };
  }
  const target = typeof parent === 'object' && parent !== null && !Array.isArray(parent) ? parent : copy;
  const extra = KEYS[Math.floor(rnd() * KEYS.length)];
  const value = structuredClone(VALUES[Math.floor(rnd() * VALUES.length)]);
  Object.defineProperty(target, extra, { value, enumerable: true, configurable: true, writable: true });
  return { object: copy, what: `add ${[...path.slice(0, -1), extra].join('.')}` };
}

async function fixtureObjects(dir: string): Promise<{ file: string; objects: K8sObject[] }[]> {
  const out = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const set = await loadSources([join(dir, name)]);
    out.push({ file: name, objects: set.objects.map((o) => o.object) });
  }
  return out;
}

/** The resources a `--from` file holds for the generators (the same reviews service in each API). */
const FROM: K8sObject[] = [
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { hosts: ['reviews'], http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
      { route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }], retries: { attempts: 2 }, timeout: '3s' }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { host: 'reviews', trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 100 }], timeouts: { request: '3s' } }] } },
];

const target = { service: 'reviews', namespace: 'bookinfo' };
const GENERATORS: [string, (existing: K8sObject[]) => K8sObject[]][] = [
  ['split', (e) => splitIstio(e, { ...target, weights: [{ version: 'v1', weight: 50 }, { version: 'v3', weight: 50 }], labelKey: 'version', appLabel: 'app' })],
  ['split --api gateway', (e) => splitGatewayApi(e, { ...target, weights: [{ version: 'v1', weight: 50 }, { version: 'v3', weight: 50 }], labelKey: 'version', appLabel: 'app', port: 9080 })],
  ['route', (e) => routeByMatch(e, { ...target, match: { headers: [{ name: 'end-user', value: 'x', exact: true }] } as any, to: 'v2', defaultVersion: 'v1', labelKey: 'version' })],
  ['retry', (e) => retry(e, { ...target, attempts: 3, perTryTimeout: '2s', retryOn: ['5xx'] })],
  ['timeout', (e) => timeout(e, { ...target, timeout: '1s' })],
  ['fault', (e) => fault(e, { ...target, delay: '1s', percent: 10 } as any)],
  ['mirror', (e) => mirror(e, { ...target, to: 'v2', percent: 10, labelKey: 'version' })],
  ['circuit-break', (e) => circuitBreak(e, { ...target, maxConnections: 1 } as any)],
];

/** Serializes and re-reads a document set, so positions and parsing are those of a real file. */
async function reread(objects: K8sObject[], name: string) {
  return parseSource(Buffer.from(objects.map((o) => stringify(o)).join('---\n')), name);
}

/** Runs `fn`; an error that is not meshctl's own is returned (a crash), meshctl's own is fine. */
async function crash(fn: () => unknown): Promise<Error | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err instanceof MeshctlError ? undefined : (err as Error);
  }
}

test(`fuzz (seed ${SEED}): mutated fixtures never crash the validator, the analyzers or the generators' --from`, async () => {
  const rnd = random(SEED);
  const schemas = new SchemaSet(await crdsFromBundle('experimental'));
  const corpus = [...await fixtureObjects(join(FIXTURES, 'analyze')), ...await fixtureObjects(join(FIXTURES, 'validate', 'good')), { file: 'from.yaml', objects: FROM }];
  const crashes: string[] = [];
  const counts = { cases: 0, analyzed: 0, validated: 0, generated: 0, refusedFrom: 0, illTyped: 0 };
  for (let i = 0; i < CASES && crashes.length < 5; i++) {
    // one case in three is a --from file for the generators
    const doc = rnd() < 1 / 3 ? corpus[corpus.length - 1] : corpus[Math.floor(rnd() * corpus.length)];
    if (doc.objects.length === 0) continue;
    const index = Math.floor(rnd() * doc.objects.length);
    const { object, what } = mutate(doc.objects[index], rnd);
    const objects = doc.objects.map((o, j) => (j === index ? object : o));
    const where = `case ${i} (${doc.file} #${index}: ${what})`;
    counts.cases++;
    const set = await reread(objects, doc.file);
    const analyzed = await crash(async () => {
      const checked = await checkTypes(resourcesFromSources(set));
      counts.illTyped += checked.filter((r) => r.typeErrors).length;
      runAnalyzers(buildSnapshot(checked));
    });
    if (analyzed) crashes.push(`analyze ${where}: ${analyzed.stack}`);
    counts.analyzed++;
    const validated = await crash(async () => {
      for (const src of set.objects) await validateObject(src, schemas);
    });
    if (validated) crashes.push(`validate ${where}: ${validated.stack}`);
    counts.validated++;
    if (doc.file === 'from.yaml') {
      let refused = false;
      const guard = await crash(async () => {
        try {
          await checkFromObjects(set.objects, doc.file);
        } catch (err) {
          refused = err instanceof MeshctlError;
          throw err;
        }
      });
      if (guard) crashes.push(`--from guard ${where}: ${guard.stack}`);
      if (refused) counts.refusedFrom++;
      else {
        for (const [name, generate] of GENERATORS) {
          const generated = await crash(() => generate(set.objects.map((o) => o.object)));
          if (generated) crashes.push(`${name} --from ${where}: ${generated.stack}`);
        }
        counts.generated++;
      }
    }
  }
  process.stderr.write(`fuzz seed ${SEED}: ${JSON.stringify(counts)}, ${crashes.length} crash(es)\n`);
  assert.deepEqual(crashes, [], `crashes (reproduce with MESHCTL_FUZZ_SEED=${SEED})`);
  assert.ok(counts.cases >= CASES * 0.9, `ran ${counts.cases} of ${CASES} cases (a mutation of an empty document is skipped)`);
  assert.ok(counts.illTyped > 0 && counts.refusedFrom > 0 && counts.generated > 0, 'the mutations reach every path: ill-typed, refused and accepted');
});

test(`fuzz through the command line (seed ${SEED}): exit codes stay in {0, 64, 65, 79}, never a stack trace`, async () => {
  const rnd = random(SEED + 1);
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-fuzz-'));
  const corpus = [...await fixtureObjects(join(FIXTURES, 'analyze')), { file: 'from.yaml', objects: FROM }];
  const seen = new Map<number, number>();
  for (let i = 0; i < CLI_CASES; i++) {
    const doc = corpus[i % corpus.length === corpus.length - 1 ? corpus.length - 1 : Math.floor(rnd() * corpus.length)];
    const index = Math.floor(rnd() * doc.objects.length);
    const { object, what } = mutate(doc.objects[index], rnd);
    const file = join(dir, `case-${i}.yaml`);
    writeFileSync(file, doc.objects.map((o, j) => stringify(j === index ? object : o)).join('---\n'));
    const runs = doc.file === 'from.yaml'
      ? [['split', 'reviews', 'v1=50', 'v2=50', '--from', file], ['retry', 'reviews', '--attempts', '2', '--from', file], ['validate', file]]
      : [['analyze', '--use-kube=false', '-A', file], ['validate', file]];
    for (const args of runs) {
      const r = await meshctl(args, { env: { KUBECONFIG: '/nonexistent' } });
      const where = `meshctl ${args.join(' ')} (case ${i}: ${doc.file} #${index}: ${what}; ${readFileSync(file, 'utf8').length} bytes)`;
      assert.ok([0, 64, 65, 79].includes(r.code ?? -1), `${where}: exit ${r.code}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/, `${where}: ${r.stderr}`);
      seen.set(r.code!, (seen.get(r.code!) ?? 0) + 1);
    }
  }
  process.stderr.write(`fuzz CLI seed ${SEED + 1}: exit codes ${JSON.stringify(Object.fromEntries(seen))}\n`);
});
