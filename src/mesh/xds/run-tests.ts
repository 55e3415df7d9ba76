/** `meshctl test`'s work: read the test files, run each test's request through `explainRequest`, check it. */
import { readFile } from 'node:fs/promises';
import { CheckFailedError, ExitCode, MeshctlError, UsageError } from '../../ui/errors.js';
import { printable } from '../../ui/printable.js';
import type { XdsOptions } from './ghost-config.js';
import { explainRequest, parseTarget } from './request.js';
import { checkExpectations, parseRoutingTests, predictedStatus, type RoutingTest } from './routing-test.js';
import type { KubeClient } from '../../cluster/client.js';

export interface TestResult {
  file: string;
  name: string;
  from?: string;
  passed: boolean;
  failures: string[];
  /** What kept the test from being checked (no such pod, istiod unreachable). */
  error?: string;
  /** What the mesh does, in short: destinations with their share, and the status. */
  observed?: { destinations: Record<string, number>; status?: number; virtualService?: string };
  seconds: number;
}

const MAX_TEST_FILE = 4 * 1024 * 1024;

/** Parses every file first, so that a bad file stops the run before anything is asked (exit 65). */
export async function loadRoutingTests(files: string[]): Promise<{ file: string; tests: RoutingTest[] }[]> {
  const { parse } = await import('yaml');
  const out: { file: string; tests: RoutingTest[] }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new MeshctlError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, ExitCode.InvalidInput);
    }
    if (text.length > MAX_TEST_FILE) throw new MeshctlError(`${file}: larger than 4 MiB; not a test file`, ExitCode.InvalidInput);
    let doc: unknown;
    try {
      doc = parse(text, { maxAliasCount: 100 });
    } catch (err) {
      throw new MeshctlError(`${file}: not YAML: ${(err as Error).message.split('\n')[0]}`, ExitCode.InvalidInput);
    }
    try {
      const tests = parseRoutingTests(doc, file);
      for (const t of tests) parseTarget(t.request.url);
      out.push({ file, tests });
    } catch (err) {
      throw new MeshctlError(err instanceof UsageError ? `${file}: ${err.message}` : (err as Error).message, ExitCode.InvalidInput);
    }
  }
  return out;
}

/** The client pod of a test: named, or the first running pod the selector picks. */
async function clientPod(kube: KubeClient, from: RoutingTest['from']): Promise<{ name: string; namespace: string }> {
  const { parsePodRef } = await import('./ghost-config.js');
  if (from.pod) return parsePodRef(from.pod, from.namespace ?? kube.namespace);
  const namespace = from.namespace ?? kube.namespace;
  const pods = (await kube.list('v1', 'Pod', { namespace, labelSelector: from.selector! }))
    .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (!pods.length) throw new CheckFailedError(`no running pod in namespace ${namespace} matches ${from.selector}`);
  return { name: pods[0].metadata.name, namespace };
}

export async function runRoutingTests(kube: KubeClient, suites: { file: string; tests: RoutingTest[] }[], opts: XdsOptions): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const { file, tests } of suites) {
    for (const t of tests) {
      const start = Date.now();
      try {
        const from = await clientPod(kube, t.from);
        const target = parseTarget(t.request.url);
        const headers = Object.fromEntries(Object.entries(t.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
        const x = await explainRequest(kube, { from, ...target, method: t.request.method, headers }, opts);
        const failures = checkExpectations(t, x);
        const status = predictedStatus(x).status;
        results.push({
          file, name: t.name, from: `${from.namespace}/${from.name}`, passed: failures.length === 0, failures,
          observed: {
            destinations: Object.fromEntries(x.clusters.map((c) => [c.name, c.percent])),
            ...(status !== undefined ? { status } : {}), ...(x.route?.virtualService ? { virtualService: x.route.virtualService } : {}),
          },
          seconds: (Date.now() - start) / 1000,
        });
      } catch (err) {
        if (!(err instanceof MeshctlError)) throw err;
        results.push({ file, name: t.name, passed: false, failures: [], error: err.message, seconds: (Date.now() - start) / 1000 });
      }
    }
  }
  return results;
}

/** ✔/✘ per test, the failures under it, and a summary line. Pure. */
export function renderResults(results: TestResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.passed ? '✔' : '✘'} ${r.file}: ${r.name}${r.from ? ` (from ${r.from})` : ''}`);
    if (r.error) lines.push(`    could not be checked: ${r.error}`);
    for (const f of r.failures) lines.push(`    ${f}`);
  }
  const passed = results.filter((r) => r.passed).length;
  lines.push(`${passed} of ${results.length} test(s) passed`);
  return lines.map(printable).join('\n') + '\n';
}
