/**
 * `meshctl up` and `meshctl down`: the walkthrough as one idempotent command. Each step is the library call
 * behind its own command (cluster create, install, inject enable, sample deploy --expose, addons install,
 * status --wait) and says whether it changed anything; a run that changed nothing says so. What up created is
 * recorded in meshctl's state directory, so that down removes that and nothing else.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Provider } from '../providers/index.js';
import { withStateLock } from '../cluster/lock-file.js';
import { privateStateDir, stateRoot } from '../cluster/state-dir.js';
import { CheckFailedError } from '../ui/errors.js';
import type { Reporter } from '../ui/progress.js';
import type { KubeClient } from '../cluster/client.js';

export interface UpOptions {
  provider: Provider;
  name: string;
  workers: number;
  kubernetesVersion?: string;
  profile: string;
  /** The sample to deploy (undefined: none). */
  sample?: string;
  namespace?: string;
  addons: string[];
  version?: string;
  mirror?: string;
  kubeconfig?: string;
  timeoutMs: number;
  reporter: Reporter;
}

/** What up created, kept for down. */
export interface UpRecord {
  provider: Provider;
  name: string;
  context: string;
  createdCluster: boolean;
  /**
   * The UID of the cluster's kube-system namespace when up last ran: the cluster's identity, so that a cluster of the same
   * name made since (up's deleted, another created) is never taken for up's.
   */
  clusterUid?: string;
  installedMesh: boolean;
  sample?: { name: string; namespace: string };
  addons: string[];
}

export interface UpResult {
  record: UpRecord;
  /** Steps that changed something, by name. */
  changed: string[];
  healthy: boolean;
  /** Where to open the sample, and what to try next. */
  url?: string;
  next: string[];
  /** Steps left out, with why. */
  skipped: string[];
}

function recordPath(provider: Provider, name: string): string {
  return join(stateRoot(), 'up', `${provider}-${name}.json`);
}

export function readUpRecord(provider: Provider, name: string): UpRecord | undefined {
  const path = recordPath(provider, name);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as UpRecord;
  } catch {
    return undefined;
  }
}

function writeUpRecord(r: UpRecord): void {
  const path = recordPath(r.provider, r.name);
  privateStateDir(dirname(path));
  writeFileSync(`${path}.tmp`, JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** The cluster's identity: the UID of its kube-system namespace (undefined when it cannot be read). */
async function clusterUid(kube: KubeClient): Promise<string | undefined> {
  const ns = await kube.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } }).catch(() => undefined);
  return ns?.metadata?.uid as string | undefined;
}

/** One up or down of a cluster at a time (the same lock as the local provider's create and delete). */
const lockFor = <T>(provider: Provider, name: string, reporter: Reporter, fn: () => Promise<T>): Promise<T> =>
  withStateLock(`${provider}-${name}`, `${provider} cluster ${name}`, fn, (line) => reporter.start(line));

/** Creates the cluster unless it runs already; its context, and whether it was created, and the local mirror. */
async function ensureCluster(opts: UpOptions): Promise<{ context: string; created: boolean; mirror?: string; istioVersion?: string }> {
  const { reporter } = opts;
  const { clusterProvider } = await import('../providers/index.js');
  const provider = await clusterProvider(opts.provider);
  const existing = await provider.running(opts.name);
  if (existing) {
    reporter.succeed(`cluster: ${opts.provider} cluster ${opts.name} ${opts.provider === 'local' ? 'is running' : 'exists'} (context ${existing.context})`);
    return { ...existing, created: false };
  }
  const c = await provider.create({ name: opts.name, workers: opts.workers, kubernetesVersion: opts.kubernetesVersion, kubeconfig: opts.kubeconfig, reporter });
  return { ...c, created: true };
}

async function waitHealthy(kube: KubeClient, timeoutMs: number, reporter: Reporter): Promise<{ healthy: boolean; failing: string[] }> {
  const { collectStatus, evaluateStatus, waitUntilHealthy } = await import('./istio/status.js');
  const failingOf = (status: { checks: { ok: boolean; name: string; detail: string }[] }) => status.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  reporter.start('status: checking the mesh');
  const { current: { status }, timedOut } = await waitUntilHealthy(async () => ({ status: evaluateStatus(await collectStatus(kube)) }), {
    timeoutMs, onLook: (l, last) => { if (!last) reporter.start(`status: waiting for ${failingOf(l.status)[0]}`); },
  });
  const failing = failingOf(status);
  if (timedOut) reporter.fail(`status: mesh unhealthy: ${failing.join('; ')}`);
  else reporter.succeed(`status: mesh healthy (${status.checks.length} checks)`);
  return { healthy: !timedOut, failing };
}

export function up(opts: UpOptions): Promise<UpResult> {
  return lockFor(opts.provider, opts.name, opts.reporter, () => upLocked(opts));
}

async function upLocked(opts: UpOptions): Promise<UpResult> {
  const { reporter } = opts;
  const { getProfile } = await import('./istio/profiles.js');
  const profile = await getProfile(opts.profile);
  const samples = await import('./samples.js');
  const spec = opts.sample ? samples.sampleSpec(opts.sample) : undefined;
  opts.addons.forEach(samples.checkAddon);
  const previous = readUpRecord(opts.provider, opts.name);
  const changed: string[] = [];
  const skipped: string[] = [];

  const cluster = await ensureCluster(opts);
  if (cluster.created) changed.push('cluster');
  const { Kube } = await import('../cluster/kube.js');
  const kube = await Kube.connect({ kubeconfig: opts.kubeconfig, context: cluster.context });
  const uid = await clusterUid(kube);
  // what an earlier up recorded holds only for the same cluster: one of that name made since is not up's
  const same = previous !== undefined && previous.clusterUid !== undefined && previous.clusterUid === uid;
  if (previous && !same) reporter.info(`${opts.provider} cluster ${opts.name} is not the one an earlier up recorded: that record is replaced`);
  const record: UpRecord = {
    provider: opts.provider, name: opts.name, context: cluster.context, ...(uid ? { clusterUid: uid } : {}),
    createdCluster: cluster.created || (same && previous.createdCluster),
    installedMesh: same ? previous.installedMesh : false, addons: same ? previous.addons : [], ...(same && previous.sample ? { sample: previous.sample } : {}),
  };
  writeUpRecord(record);

  // install: the local cluster serves the release built with it, unless a mirror or version is asked for
  const { readInventory } = await import('./istio/install.js');
  const before = await readInventory(kube);
  const useLocalMirror = opts.provider === 'local' && !opts.mirror && !process.env.MESHCTL_MIRROR && !opts.version;
  if (useLocalMirror) reporter.info(`release: Istio ${cluster.istioVersion} from the local cluster's mirror ${cluster.mirror} (built from the pinned Istio module)`);
  const { defaultIstioVersion } = await import('./istio/versions.js');
  const { installProfile } = await import('./istio/install-profile.js');
  const installed = await installProfile(kube, {
    profile, version: (useLocalMirror ? cluster.istioVersion : opts.version) ?? defaultIstioVersion(), mirror: useLocalMirror ? cluster.mirror : opts.mirror,
    overlays: [], sets: [], ingress: 'auto', dryRun: false, timeoutMs: opts.timeoutMs, reporter,
  });
  if (installed.applied + installed.pruned > 0) changed.push('install');
  if (!before) record.installedMesh = true;
  writeUpRecord(record);

  if (spec) {
    const namespace = opts.namespace ?? spec.name;
    const inject = await import('./istio/inject.js');
    if (await inject.labelNamespace(kube, namespace, profile.name === 'ambient' ? { mode: 'ambient' } : { mode: 'sidecar' }, reporter)) {
      changed.push('injection');
    }
    const changes = await samples.deploySample(kube, {
      spec, namespace, expose: Boolean(spec.expose), version: installed.version, timeoutMs: opts.timeoutMs, reporter,
    });
    if (changes.some((c) => c.action !== 'unchanged')) changed.push('sample');
    record.sample = { name: spec.name, namespace };
    writeUpRecord(record);
  }
  if (opts.addons.length > 0) {
    const changes = await samples.installAddons(kube, { names: opts.addons, version: installed.version, timeoutMs: opts.timeoutMs, reporter });
    if (changes.some((c) => c.action !== 'unchanged')) changed.push('addons');
    record.addons = [...new Set([...record.addons, ...opts.addons])];
    writeUpRecord(record);
  }
  const { healthy } = await waitHealthy(kube, opts.timeoutMs, reporter);

  const next: string[] = [];
  let url: string | undefined;
  const ns = record.sample?.namespace;
  if (spec?.expose) {
    const path = spec.expose.exactPaths[0] ?? '/';
    url = opts.provider === 'kind' ? `http://localhost${path}` : undefined;
  }
  if (opts.sample === 'bookinfo') {
    next.push(`meshctl split v1=90 v2=10 -n ${ns} --apply --wait=pushed`);
    next.push(`meshctl explain request --from ${ns}/bookinfo-productpage --to http://reviews:9080/ --context ${cluster.context}`);
  }
  // a dashboard needs a process serving the addon's port: the local cluster's pods are simulated, so none there
  if (opts.provider === 'local') next.push(`meshctl status --context ${cluster.context}`);
  else if (record.addons.includes('kiali')) next.push('meshctl dashboard kiali');
  else next.push('meshctl addons install && meshctl dashboard kiali');
  next.push(`meshctl analyze -A --context ${cluster.context}`);
  next.push(`meshctl down${opts.provider === 'local' ? ' --provider local' : ''}${opts.name === 'mesh' ? '' : ` --name ${opts.name}`}`);
  if (opts.provider === 'local' && spec?.expose) skipped.push('a URL to open: the local cluster\'s pods are simulated, nothing serves HTTP');
  if (opts.provider === 'local') skipped.push('dashboards: nothing serves the addons\' ports on simulated pods');
  return { record, changed, healthy, ...(url ? { url } : {}), next, skipped };
}

export interface DownOptions {
  provider: Provider;
  name: string;
  kubeconfig?: string;
  timeoutMs: number;
  reporter: Reporter;
}

/** Removes what up created: the cluster when up created it, else its sample, addons and (when up installed it) the mesh. */
export function down(opts: DownOptions): Promise<{ removed: string[] } | undefined> {
  return lockFor(opts.provider, opts.name, opts.reporter, () => downLocked(opts));
}

/**
 * Whether the cluster the record names is still the one up recorded: its kube-system namespace has the recorded UID
 * ('same'), another ('other': made since), or it cannot be told (no answer, or a record without a UID).
 */
async function sameCluster(record: UpRecord, kubeconfig: string | undefined): Promise<'same' | 'other' | 'unknown'> {
  if (!record.clusterUid) return 'unknown';
  const { Kube } = await import('../cluster/kube.js');
  const kube = await Kube.connect({ kubeconfig, context: record.context, timeoutMs: 5000 }).catch(() => undefined);
  const uid = kube && (await clusterUid(kube));
  return uid === undefined ? 'unknown' : uid === record.clusterUid ? 'same' : 'other';
}

async function downLocked(opts: DownOptions): Promise<{ removed: string[] } | undefined> {
  const record = readUpRecord(opts.provider, opts.name);
  if (!record) return undefined;
  const { reporter } = opts;
  const removed: string[] = [];
  const identity = await sameCluster(record, opts.kubeconfig);
  if (identity !== 'same') {
    // never delete what up did not make: a cluster of that name made since, or one that cannot be asked which it is
    const deleteIt = `meshctl cluster delete ${record.name}${record.provider === 'local' ? ' --provider local' : ''}`;
    if (identity === 'other') {
      rmSync(recordPath(opts.provider, opts.name), { force: true });
      throw new CheckFailedError(`${record.provider} cluster ${record.name} was made after up's (another cluster UID): nothing removed, and up's record of the old one is dropped (to delete this one: ${deleteIt})`);
    }
    throw new CheckFailedError(`${record.provider} cluster ${record.name} does not answer, so it cannot be told whether it is the one up made: nothing removed (to delete it anyway: ${deleteIt})`);
  }
  if (record.createdCluster) {
    const { deleteCluster } = await import('../providers/index.js');
    if (await deleteCluster(record.name, record.provider, reporter, opts.kubeconfig)) {
      removed.push(`${record.provider} cluster ${record.name}`);
      reporter.succeed(`${record.provider} cluster ${record.name} deleted, with its context ${record.context}`);
    } else {
      reporter.info(`${record.provider} cluster ${record.name} was already gone`);
    }
  } else {
    const { Kube } = await import('../cluster/kube.js');
    const kube = await Kube.connect({ kubeconfig: opts.kubeconfig, context: record.context });
    const { deleteRecorded } = await import('../cluster/recorded.js');
    const { ADDON_NAMESPACE } = await import('./samples.js');
    if (record.sample && (await deleteRecorded(kube, 'sample', record.sample.name, record.sample.namespace, opts.timeoutMs)) !== undefined) {
      removed.push(`sample ${record.sample.name}`);
      reporter.succeed(`sample ${record.sample.name} deleted from ${record.sample.namespace}`);
    }
    for (const a of record.addons) {
      if ((await deleteRecorded(kube, 'addon', a, ADDON_NAMESPACE, opts.timeoutMs)) !== undefined) removed.push(`addon ${a}`);
    }
    if (record.installedMesh) {
      const { uninstallIstio } = await import('./istio/install.js');
      await uninstallIstio(kube, { timeoutMs: opts.timeoutMs, reporter }).catch((err) => {
        if (!(err instanceof CheckFailedError)) throw err; // already uninstalled
      });
      removed.push('the mesh');
    }
  }
  rmSync(recordPath(opts.provider, opts.name), { force: true });
  return { removed };
}
