/**
 * Where validation schemas come from: the CRDs of a mesh release (rendered by the release's istioctl and
 * cached on disk by version), CRD files given with --crds, or the CRDs installed in the cluster.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expandPaths, loadSources, MAX_FILE_BYTES, parseSource, type SourceSet } from '../manifests/documents.js';
import type { K8sObject } from '../manifests/object.js';
import { CheckFailedError, InputError, UsageError } from '../ui/errors.js';
import { schemasFromCrds, type KindSchema } from '../schema/schema.js';

const URL_PATTERN = /^https?:\/\//;

/** A CRD document fetched from a URL: https, or http only on loopback (the rule release mirrors follow). */
async function fetchCrds(url: string): Promise<SourceSet> {
  const { sourceUrlProblem } = await import('../release/source.js');
  const { fetchOrFail, readCapped } = await import('../release/download.js');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--crds ${url}: not a URL`);
  }
  const problem = sourceUrlProblem(parsed);
  if (problem) throw new UsageError(`--crds ${url}: ${problem}`);
  const res = await fetchOrFail(url, `--crds ${url}`, 'is the URL right?', 60_000);
  if (!res.ok) throw new CheckFailedError(`--crds ${url}: HTTP ${res.status}`);
  return parseSource(await readCapped(res, MAX_FILE_BYTES, `--crds ${url}`), url);
}

/** CRDs from files, directories and URLs. */
export async function crdsFromFiles(paths: string[]): Promise<KindSchema[]> {
  const urls = paths.filter((p) => URL_PATTERN.test(p));
  const { files, unreadable } = await expandPaths(paths.filter((p) => !URL_PATTERN.test(p)));
  if (unreadable.length > 0) throw new UsageError(`--crds: ${unreadable.join('; ')}`);
  const set = await loadSources(files);
  for (const url of urls) {
    const fetched = await fetchCrds(url);
    for (const o of fetched.objects) set.objects.push(o);
    for (const p of fetched.problems) set.problems.push(p);
  }
  if (set.problems.length > 0) {
    const p = set.problems[0];
    throw new InputError(`--crds: ${p.source}:${p.line}:${p.column}: ${p.message}`);
  }
  const crds = set.objects.map((o) => o.object).filter((o) => o.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new UsageError(`--crds ${paths.join(' ')}: no CustomResourceDefinition found`);
  return schemasFromCrds(crds, `files ${paths.join(', ')}`);
}

/** The CRDs of a release: from the schema cache, else rendered by its istioctl and cached. */
export async function crdsFromRelease(version: string, opts: { mirror?: string; cacheDir?: string } = {}): Promise<KindSchema[]> {
  const { checkVersion } = await import('../release/source.js');
  checkVersion(version); // before it names a file in the cache
  const { ensureRelease, cacheRoot } = await import('../release/download.js');
  const root = opts.cacheDir ?? cacheRoot();
  const cacheFile = (v: string) => join(root, 'schemas', `istio-${v}.json`);
  if (version !== 'latest') {
    try {
      return schemasFromCrds(JSON.parse(await readFile(cacheFile(version), 'utf8')), `Istio ${version}`);
    } catch { /* not cached yet */ }
  }
  const release = await ensureRelease({ version, mirror: opts.mirror, cacheDir: root });
  try {
    return schemasFromCrds(JSON.parse(await readFile(cacheFile(release.version), 'utf8')), `Istio ${release.version}`);
  } catch { /* render below */ }
  const { execa } = await import('execa');
  const res = await execa(release.istioctl, ['manifest', 'generate', '--set', 'profile=minimal'], { reject: false, maxBuffer: 256 << 20, env: { KUBECONFIG: '/dev/null' } });
  if (res.exitCode !== 0) throw new InputError(`cannot render the CRDs of Istio ${release.version}: ${res.stderr.split('\n').pop()}`);
  const { parseAllDocuments } = await import('yaml');
  const crds: K8sObject[] = parseAllDocuments(res.stdout).map((d) => d.toJS()).filter((o) => o?.kind === 'CustomResourceDefinition');
  await mkdir(join(root, 'schemas'), { recursive: true });
  const tmp = `${cacheFile(release.version)}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(crds));
  await rename(tmp, cacheFile(release.version));
  return schemasFromCrds(crds, `Istio ${release.version}`);
}

/** The CRDs installed in the cluster. */
export async function crdsFromCluster(flags: { kubeconfig?: string; context?: string }): Promise<KindSchema[]> {
  const { Kube } = await import('../cluster/kube.js');
  const kube = await Kube.connect(flags);
  return schemasFromCrds(await kube.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition'), `cluster ${kube.context}`);
}

/** Where the schemas come from, as the validate flags say: one of --crds, --use-kube, --version, else the bundle. */
export interface SchemaChoice {
  crds?: string[];
  useKube?: boolean;
  kube?: { kubeconfig?: string; context?: string };
  version?: string;
  mirror?: string;
  gatewayApiChannel?: 'standard' | 'experimental';
}

/** The schemas `choice` names (one source: --crds, --use-kube and --version do not mix). */
export async function schemasFor(choice: SchemaChoice): Promise<KindSchema[]> {
  if ([choice.crds, choice.useKube, choice.version].filter(Boolean).length > 1) throw new UsageError('--crds, --use-kube and --version do not mix: pick one source of schemas');
  if (choice.crds) return crdsFromFiles(choice.crds);
  if (choice.useKube) return crdsFromCluster(choice.kube ?? {});
  if (choice.version) return crdsFromRelease(choice.version, { mirror: choice.mirror });
  const { crdsFromBundle } = await import('../schema/bundled.js');
  return crdsFromBundle(choice.gatewayApiChannel);
}

/** `--list-cel`: each CEL rule of the schemas, whether meshctl evaluates it (and why not), and the count. */
export async function celCoverageText(kinds: KindSchema[]): Promise<string> {
  const { SchemaSet } = await import('../schema/schema.js');
  const rules = await new SchemaSet(kinds).celCoverage();
  const lines = rules.map(({ kind, version, rule }) => `${rule.covered ? 'evaluated' : 'not covered'}\t${kind} ${version}\t${rule.rule.rule.replace(/\s+/g, ' ')}${rule.covered ? '' : `\t(${rule.why})`}`);
  const covered = rules.filter((r) => r.rule.covered).length;
  return lines.join('\n') + `\n${covered} of ${rules.length} CEL rules evaluated\n`;
}
