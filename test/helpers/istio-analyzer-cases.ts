/**
 * Istio's own analyzer test cases, read from the Istio module the tests build from: the testGrid of
 * pkg/config/analysis/analyzers/analyzers_test.go (input files, mesh config, the analyzer under test and the
 * messages it must give), run through meshctl's library with only the analyzer of the same name, compared as
 * multisets of `CODE Kind [ns/]name`. Nothing of Istio's is copied: the cases are parsed at test time.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/analyze/index.js';
import { ALL_ANALYZERS } from '../../src/analyze/runner.js';
import { MESSAGES } from '../../src/analyze/messages.js';

/** The Istio module's directory in Go's module cache (put there by scripts/build-upstream.sh; no download). */
export function istioModuleDir(moduleVersion: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `istio.io/istio@${moduleVersion}`], { env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' } });
  return JSON.parse(out.toString()).Dir;
}

export interface IstioCase {
  name: string;
  inputFiles: string[];
  meshConfigFile?: string;
  /** The mesh networks the case gives (Istio's test harness reads them as istiod reads its ConfigMap's). */
  meshNetworksFile?: string;
  /** Istio's analyzer name (its Metadata().Name), e.g. `virtualservice.GatewayAnalyzer`. */
  analyzer: string;
  /** `CODE Kind name` or `CODE Kind ns/name`, as Istio's test states them. */
  expected: string[];
}

const CODE_BY_NAME = new Map(Object.values(MESSAGES).map((m) => [m.name, m.code]));

/** Go type (`pkg.Type`) → Istio's analyzer name, read from each analyzer's Metadata(). */
function analyzerNames(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pkg of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(dir, pkg.name)).filter((x) => x.endsWith('.go') && !x.endsWith('_test.go'))) {
      const text = readFileSync(join(dir, pkg.name, f), 'utf8');
      for (const m of text.matchAll(/func \((?:\w+ )?\*(\w+)\) Metadata\(\) analysis\.Metadata \{/g)) {
        // the first `Name: "…"` of the function's body
        const name = /\bName:\s*"([^"]+)"/.exec(text.slice(m.index, m.index + 2000));
        if (name) out.set(`${pkg.name}.${m[1]}`, name[1]);
      }
    }
  }
  return out;
}

/**
 * The cases of Istio's testGrid. Cases not run are listed in `skipped` with the reason (outside `All()`, or an
 * analyzer that is not a `&pkg.Type{}`), never dropped in silence.
 */
export function istioAnalyzerCases(istioModuleDir: string): IstioCase[] & { skipped: { name: string; why: string }[] } {
  const dir = join(istioModuleDir, 'pkg', 'config', 'analysis', 'analyzers');
  const names = analyzerNames(dir);
  const text = readFileSync(join(dir, 'analyzers_test.go'), 'utf8');
  const grid = text.slice(text.indexOf('var testGrid = []testCase{'), text.indexOf('\n}\n', text.indexOf('var testGrid')));
  const cases = Object.assign([] as IstioCase[], { skipped: [] as { name: string; why: string }[] });
  // each case is a `{ ... }` block at one tab of indentation
  for (const block of grid.split(/\n\t\{\n/).slice(1)) {
    const name = /name:\s*"([^"]+)"/.exec(block)?.[1] ?? '(unnamed)';
    const type = /analyzer:\s*&(\w+)\.(\w+)\{\}/.exec(block);
    if (/skipAll:\s*true/.test(block)) {
      cases.skipped.push({ name, why: 'skipAll: its analyzer is not among those istioctl runs' });
      continue;
    }
    if (!type) {
      cases.skipped.push({ name, why: `analyzer is not a type: ${/analyzer:\s*(.+)/.exec(block)?.[1]}` });
      continue;
    }
    const analyzer = names.get(`${type[1]}.${type[2]}`);
    if (!analyzer) {
      cases.skipped.push({ name, why: `no Metadata name found for ${type[1]}.${type[2]}` });
      continue;
    }
    const files = /inputFiles:\s*\[\]string\{([^}]*)\}/.exec(block)?.[1] ?? '';
    const inputFiles = [...files.matchAll(/"([^"]+)"/g)].map((m) => join(dir, m[1]));
    const mesh = /meshConfigFile:\s*"([^"]+)"/.exec(block)?.[1];
    const networks = /meshNetworksFile:\s*"([^"]+)"/.exec(block)?.[1];
    const expected = [...block.matchAll(/\{msg\.(\w+),\s*"([^"]+)"\}/g)].map((m) => `${CODE_BY_NAME.get(m[1]) ?? m[1]} ${m[2]}`);
    cases.push({
      name, inputFiles, analyzer, expected,
      meshConfigFile: mesh ? join(dir, mesh) : undefined, meshNetworksFile: networks ? join(dir, networks) : undefined,
    });
  }
  return cases;
}

export interface CaseResult {
  case: IstioCase;
  /** meshctl has the analyzer Istio's case tests. */
  implemented: boolean;
  matched: string[];
  missed: string[];
  extra: string[];
}

/** Istio's test leaves out the namespace of resources that have none; meshctl puts them in `default`. */
const normalize = (s: string) => s.replace(/^(\S+ \S+) default\//, '$1 ');

/** The codes a case is about: the ones its analyzer reports in meshctl, and the ones Istio's test expects. */
export function caseCodes(c: IstioCase): Set<string> {
  const own = ALL_ANALYZERS.filter((a) => a.name === c.analyzer).flatMap((a) => a.reports.map((t) => t.code));
  return new Set([...own, ...c.expected.map((e) => e.split(' ')[0])]);
}

/** meshctl's messages on a case: the library with only the analyzer of Istio's name. */
export async function runIstioCase(c: IstioCase): Promise<CaseResult> {
  const implemented = ALL_ANALYZERS.some((a) => a.name === c.analyzer);
  let got: string[] = [];
  if (implemented) {
    // Istio's analyzer tests hold their whole cluster in the input files: a kind they lack is absent, not unread
    const sources = { paths: c.inputFiles, meshConfigFile: c.meshConfigFile, meshNetworksFile: c.meshNetworksFile, filesAreCluster: true };
    const r = await analyze(sources, { allNamespaces: true, analyzers: [c.analyzer] });
    got = r.messages.filter((m) => m.code.startsWith('IST')).map((m) => `${m.code} ${m.origin}`);
  }
  return { ...compare(c.expected, got), case: c, implemented };
}

/** Expected against given messages, as multisets (namespaces normalized as Istio's test writes them). */
export function compare(expectedMessages: string[], given: string[]): { matched: string[]; missed: string[]; extra: string[] } {
  const left = given.map(normalize);
  const matched: string[] = [];
  const missed: string[] = [];
  for (const e of expectedMessages.map(normalize)) {
    const i = left.indexOf(e);
    if (i >= 0) {
      matched.push(e);
      left.splice(i, 1);
    } else {
      missed.push(e);
    }
  }
  return { matched, missed, extra: left };
}
