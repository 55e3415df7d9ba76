/**
 * The one entry point of analysis: sources (files, the live cluster, a mesh config file) in, messages out.
 * `meshctl analyze` parses flags, calls `analyze`, and prints; tests and other commands call it the same way.
 */
import { readFile } from 'node:fs/promises';
import type { K8sObject } from '../manifests/object.js';
import { CheckFailedError } from '../ui/errors.js';
import { expandPaths, loadSources, MANIFEST_EXT, parseSource, type StdinBytes } from '../manifests/documents.js';
import {
  buildSnapshot, checkTypes, lastDefinitions, type Redefined,
  defaultIngressGateway, meshConfigFromResources, meshNetworksFromResources, meshNetworksResource, overlay, parseMeshConfig,
  resourcesFromCluster, resourcesFromObjects, resourcesFromSources,
} from './load.js';
import { LOOKED_UP_KINDS } from './analyzer.js';
import { runAnalyzers, selectAnalyzers, type RunOptions, type RunResult } from './runner.js';
import { DEFAULT_MESH_CONFIG, WORKLOAD_KINDS, type MeshConfig, type Resource } from './snapshot.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import type { KubeClient } from '../cluster/client.js';

export interface AnalyzeSources {
  /** Files and directories (recursive), `-` for stdin. */
  paths: string[];
  /** The live cluster; without it (and without `cluster`), the files alone (istioctl's --use-kube=false). */
  kube?: KubeClient;
  /** What the cluster holds, read beforehand by `clusterView` (plain data: how a worker thread is given the cluster). */
  cluster?: ClusterView;
  /** istioctl's --meshConfigFile: a MeshConfig YAML that replaces the cluster's. */
  meshConfigFile?: string;
  /** A MeshNetworks YAML that replaces the cluster's (the `meshNetworks` key of the istio ConfigMap); meshctl's, as Istio's analyzer tests have it. */
  meshNetworksFile?: string;
  /** The namespace of the control plane and its ConfigMap `istio` (istioctl's --istioNamespace; istio-system). */
  istioNamespace?: string;
  /** What stdin held, when `-` is among the paths and the main thread read it (work in a worker thread). */
  stdin?: StdinBytes;
  /** Objects about to be written (a generator's --apply): they overlay the live cluster as files do. */
  pending?: K8sObject[];
  /**
   * Without a cluster: the files are the whole cluster, so a built-in kind they hold none of is known to be absent
   * (Istio's analyzer tests hold their inputs so). Default: istioctl's file mode, where such a kind was never
   * looked at and the analyzers reading it are skipped.
   */
  filesAreCluster?: boolean;
}

export interface AnalyzeOptions extends Omit<RunOptions, 'namespace'> {
  /** Report on every namespace. */
  allNamespaces?: boolean;
  /** Report on this namespace (default: the context's with a cluster, else `default`, as istioctl). */
  namespace?: string;
}

export interface AnalyzeResult extends RunResult {
  /** Input that could not be parsed (what it held was not analyzed). */
  problems: { source: string; line: number; column: number; message: string }[];
  /** Files named that are not .yaml, .yml or .json: not read (istioctl skips them too). */
  skippedFiles: string[];
  /** Objects the input defines more than once (the last definition of each is analyzed). */
  redefined: Redefined[];
  /** The namespace reported on; undefined for every namespace. */
  namespace?: string;
  files: number;
  /** Resources read from the files (and pending changes). */
  fromFiles: number;
  resources: number;
}

/** What analysis reads from the cluster, as plain data. */
export interface ClusterView {
  /** The live resources the selected analyzers read. */
  resources: Resource[];
  context: string;
  /** The context's namespace. */
  namespace?: string;
  /** Whether the namespace reported on exists in the cluster (true for every namespace). */
  namespaceExists: boolean;
}

/** Reads what analysis needs from the cluster, so that the analysis itself can run elsewhere (a worker thread). */
export async function clusterView(kube: KubeClient, opts: AnalyzeOptions = {}, istioNamespace = ISTIO_NAMESPACE): Promise<ClusterView> {
  const selected = selectAnalyzers(opts.analyzers, opts.from);
  const resources = await resourcesFromCluster(kube, selected.flatMap((a) => a.reads), istioNamespace);
  const namespace = opts.allNamespaces ? undefined : opts.namespace ?? kube.namespace ?? 'default';
  const namespaceExists = !namespace || Boolean(await kube.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }));
  return { resources, context: kube.context, namespace: kube.namespace, namespaceExists };
}

/** A path or the mesh config file could not be read: the user's mistake (exit 64), nothing analyzed. */
export class AnalyzeInputError extends Error {
  override name = 'AnalyzeInputError';
}

/**
 * Analysis as a job a worker thread can run: plain data in and out (files, and the cluster as `clusterView` read
 * it on the caller's thread).
 */
export function analyzeJob(job: { sources: Omit<AnalyzeSources, 'kube' | 'pending'>; options: AnalyzeOptions }): Promise<AnalyzeResult> {
  return analyze(job.sources, job.options);
}

async function readFlagFile(flag: string, file: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new AnalyzeInputError(`${flag} ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
}

export async function analyze(sources: AnalyzeSources, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const expanded = await expandPaths(sources.paths);
  const { unreadable } = expanded;
  // as istioctl: a file named on the command line that is not YAML or JSON is skipped (and said), not parsed
  const skippedFiles = expanded.files.filter((f) => f !== '-' && !MANIFEST_EXT.test(f));
  const files = expanded.files.filter((f) => !skippedFiles.includes(f));
  if (unreadable.length > 0) throw new AnalyzeInputError(unreadable.join('; '));
  const loaded = await loadSources(files, { stdin: sources.stdin });
  const { resources: defined, redefined } = lastDefinitions([...resourcesFromSources(loaded), ...resourcesFromObjects(sources.pending ?? [])]);
  const fileResources = await checkTypes(defined);
  const istioNamespace = sources.istioNamespace ?? ISTIO_NAMESPACE;
  const cluster = sources.cluster ?? (sources.kube ? await clusterView(sources.kube, opts, istioNamespace) : undefined);
  const live = cluster?.resources ?? [];
  let meshConfig: Partial<MeshConfig> | undefined;
  if (sources.meshConfigFile) {
    const text = await readFlagFile('--meshConfigFile', sources.meshConfigFile);
    meshConfig = await parseMeshConfig(text, sources.meshConfigFile).catch((err: Error) => {
      throw new AnalyzeInputError(err.message);
    });
  } else {
    meshConfig = (await meshConfigFromResources(fileResources, istioNamespace)) ?? (await meshConfigFromResources(live, istioNamespace));
  }
  let meshNetworks: Resource | undefined;
  if (sources.meshNetworksFile) {
    const file = sources.meshNetworksFile;
    const text = await readFlagFile('--meshNetworksFile', file);
    const parsed = await parseSource(Buffer.from(text), file);
    if (parsed.problems.length > 0) throw new AnalyzeInputError(`${file}:${parsed.problems[0].line}: not a mesh networks config: ${parsed.problems[0].message}`);
    // one document, a mapping (parseSource refuses anything else), or none: no networks
    if (parsed.objects.length > 1) throw new AnalyzeInputError(`${file}: not a mesh networks config: ${parsed.objects.length} documents, expected one`);
    const [doc] = parsed.objects;
    try {
      meshNetworks = meshNetworksResource(doc?.object ?? {}, file, { file, locate: doc?.locate, line: doc?.line }, istioNamespace);
    } catch (err) {
      throw new AnalyzeInputError((err as Error).message);
    }
  } else {
    meshNetworks = (await meshNetworksFromResources(fileResources, istioNamespace)) ?? (await meshNetworksFromResources(live, istioNamespace));
  }
  let resources = overlay(live, fileResources);
  if (meshNetworks) resources = [...resources, meshNetworks];
  // as istioctl: analysis of files alone assumes the default ingress gateway
  if (!cluster) resources = [...resources, ...defaultIngressGateway({ ...DEFAULT_MESH_CONFIG, ...meshConfig }, resources, istioNamespace)];
  const snapshot = buildSnapshot(resources, meshConfig);
  const namespace = opts.allNamespaces ? undefined : opts.namespace ?? cluster?.namespace ?? 'default';
  // a namespace the cluster does not have (and the files do not create) would be "no issues": it was never looked at
  if (namespace && cluster && !cluster.namespaceExists && !resources.some((r) => r.kind === 'Namespace' && r.name === namespace)) {
    throw new CheckFailedError(`namespace ${namespace} does not exist in context ${cluster.context} (kubectl get namespaces lists them; -A analyzes every namespace)`);
  }
  // files alone: the built-in kinds they hold none of were not looked at (istioctl's file mode)
  // (a workload's pod template stands for its pods in files)
  const held = (k: string) => fileResources.some((r) => r.kind === k || (k === 'Pod' && WORKLOAD_KINDS.includes(r.kind) && r.object.spec?.template));
  const unread = cluster || sources.filesAreCluster ? [] : LOOKED_UP_KINDS.filter((k) => !held(k));
  const result = runAnalyzers(snapshot, { ...opts, namespace, unread });
  return {
    ...result, problems: loaded.problems, redefined, skippedFiles, namespace, files: files.length, fromFiles: fileResources.length, resources: resources.length,
  };
}

/**
 * The messages a change would bring: the namespace analyzed with the live cluster alone, then with `pending` over it;
 * what the second has and the first has not. Problems already there are not the change's.
 */
export async function findingsOfChange(kube: KubeClient, pending: K8sObject[], namespace: string): Promise<RunResult['messages']> {
  // the cluster is read once, for both
  const cluster = await clusterView(kube, { namespace });
  const [before, after] = [await analyze({ paths: [], cluster }, { namespace }), await analyze({ paths: [], cluster, pending }, { namespace })];
  const key = (m: RunResult['messages'][number]) => `${m.code}\0${m.origin}\0${m.message}`;
  const known = new Set(before.messages.map(key));
  return after.messages.filter((m) => !known.has(key(m)));
}
