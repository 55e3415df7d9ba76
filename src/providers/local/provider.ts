/**
 * The local cluster provider (no Docker needed): a real control plane (etcd, kube-apiserver,
 * controller-manager, scheduler, kwok's fake nodes) inside its own network namespace that has only loopback,
 * so nothing it starts can reach another address. Three processes:
 *
 *   meshctl cluster create   checks, builds what is missing, starts the supervisor, waits, writes the context
 *   supervisor (host side)   `cluster __supervise`: a TCP relay on 127.0.0.1 to the apiserver, the release
 *                            mirror on 127.0.0.1, and the plane below; ends the plane when told to stop
 *   plane (in the namespace) `cluster __plane` under `unshare --net --pid`: the control plane, and a relay from
 *                            a unix socket in the state directory to the apiserver (a path-named socket is
 *                            the one door between the two network namespaces)
 *
 * State lives in $MESHCTL_STATE_DIR (default ~/.local/state/meshctl)/local-clusters/NAME. The context is
 * `meshctl-local-NAME`, merged into the kubeconfig like kind's. Needs root (network namespaces).
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { isSingleExecutable } from '../../assets.js';
import { CheckFailedError, MeshctlError, noRoomReason, UsageError } from '../../ui/errors.js';
import type { Reporter } from '../../ui/progress.js';
import type { ClusterProvider, ClusterRow } from '../provider.js';
import { addToKubeconfig, kubeconfigPath, removeFromKubeconfig } from '../../cluster/kubeconfig.js';
import { withStateLock } from '../../cluster/lock-file.js';
import {
  isRecordedProcess, pidNamespace, processArgs, processesInGroup, processesInNamespace, processStartedAt, recordOf, signalRecorded, type ProcessRecord,
} from '../../cluster/processes.js';
import { privateStateDir, stateRoot } from '../../cluster/state-dir.js';

export { stateRoot };

export const LOCAL_CONTEXT_PREFIX = 'meshctl-local-';
const SOCKET = 'api.sock';

/** What `list` and `up` know about a local cluster. */
export interface LocalCluster {
  name: string;
  provider: 'local';
  context: string;
  dir: string;
  running: boolean;
  /** https://127.0.0.1:PORT, the host side of the relay (when running). */
  server?: string;
  /** The loopback release mirror the cluster serves (when running). */
  mirror?: string;
  /** The Istio version that mirror serves. */
  istioVersion?: string;
  nodes?: number;
}

interface ReadyFile {
  /** The supervisor (host side), by identity: signals go to it only while this still matches. */
  supervisor: ProcessRecord;
  /** The plane: pid 1 of the cluster's PID namespace (its host pid), and that namespace; ending it ends the cluster. */
  plane?: ProcessRecord & { pidNamespace: string };
  /** Written by an older meshctl (its supervisor's pid alone, checked as readReady says). */
  legacy?: boolean;
  port: number;
  mirror?: string;
  istioVersion?: string;
  nodes: number;
}

export function localClusterDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env), 'local-clusters', name);
}

function readReady(dir: string): ReadyFile | undefined {
  let ready: any;
  try {
    ready = JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (ready?.supervisor || !Number.isInteger(ready?.supervisorPid)) return ready as ReadyFile;
  // written by an older meshctl, which kept the supervisor's pid alone: it is taken as that cluster's supervisor only
  // if that process is ours, was started with this very state directory, and began before it wrote the file
  const supervisor = recordOf(ready.supervisorPid);
  const args = supervisor ? processArgs(supervisor.pid) : [];
  const ours = supervisor !== undefined && isRecordedProcess(supervisor) && args.slice(-3).join('\0') === ['__supervise', '--state', dir].join('\0');
  const started = supervisor ? processStartedAt(supervisor.pid) : undefined;
  const beforeFile = started !== undefined && started <= statSync(join(dir, 'ready.json')).mtimeMs + 1000;
  return { ...ready, supervisor: ours && beforeFile ? supervisor : { pid: 0, start: 0 }, legacy: true } as ReadyFile;
}

/** The local cluster of that name, or undefined when there is none. */
export function localCluster(name: string): LocalCluster | undefined {
  const dir = localClusterDir(name);
  if (!existsSync(dir)) return undefined;
  const ready = readReady(dir);
  const running = ready !== undefined && isRecordedProcess(ready.supervisor);
  return {
    name, provider: 'local', context: LOCAL_CONTEXT_PREFIX + name, dir, running,
    ...(running && ready ? { server: `https://127.0.0.1:${ready.port}`, mirror: ready.mirror, istioVersion: ready.istioVersion, nodes: ready.nodes } : {}),
  };
}

/**
 * Whether the running cluster's apiserver answers `/readyz` through the relay within `timeoutMs` (verified against the
 * cluster's own CA): what `cluster list` reports, measured rather than recorded.
 */
export async function localClusterAnswers(cluster: LocalCluster, timeoutMs = 3000): Promise<boolean> {
  if (!cluster.running || !cluster.server) return false;
  let ca: Buffer;
  try {
    ca = readFileSync(join(cluster.dir, 'control-plane', 'ca.crt'));
  } catch {
    return false;
  }
  const { request } = await import('node:https');
  return new Promise((resolve) => {
    const req = request(`${cluster.server}/readyz`, { ca, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Every local cluster with a state directory, running or not, by name. */
export function localClusters(): LocalCluster[] {
  const root = join(stateRoot(), 'local-clusters');
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((n) => !n.startsWith('.')).sort().map((n) => localCluster(n)).filter((c): c is LocalCluster => c !== undefined);
}

/** Runs `fn` holding the local cluster's lock (create, up, down and delete of one name never run at once). */
export function withLocalClusterLock<T>(name: string, fn: () => Promise<T>, reporter?: Reporter): Promise<T> {
  return withStateLock(`local-${name}`, `local cluster ${name}`, fn, (line) => reporter?.start(line));
}

/** Tools the local provider runs, with what to install when one is missing. */
const TOOLS: [string, string][] = [
  ['unshare', 'util-linux (apt-get install util-linux)'],
  ['ip', 'iproute2 (apt-get install iproute2)'],
  ['openssl', 'openssl (apt-get install openssl)'],
];

function onPath(tool: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, tool)));
}

/** Root and the tools; a missing one is a usage error saying how to get it. */
export function checkLocalPrerequisites(): void {
  if (process.getuid?.() !== 0) {
    throw new UsageError('the local provider needs root: it creates a network namespace for the cluster (run with sudo, or use --provider kind)');
  }
  for (const [tool, pkg] of TOOLS) if (!onPath(tool)) throw new UsageError(`the local provider needs '${tool}' on the PATH: install ${pkg}`);
}

/** The command that runs this meshctl again (the single executable, or node with the CLI script). */
function self(): string[] {
  return isSingleExecutable() ? [process.execPath] : [process.execPath, process.argv[1]];
}

/** Builds the upstream binaries that are missing (scripts/build-upstream.sh), reporting its steps. */
async function ensureBinaries(reporter: Reporter): Promise<void> {
  const { upstreamBinaries, requireIstioctl, REPO_ROOT } = await import('./upstream.js');
  try {
    const bins = upstreamBinaries();
    requireIstioctl(bins);
    if (existsSync(bins.pilotDiscovery)) return;
  } catch { /* something to build */ }
  const script = join(REPO_ROOT, 'scripts', 'build-upstream.sh');
  if (!existsSync(script)) throw new MeshctlError(`the local cluster's binaries are not built and ${script} is missing (the local provider needs meshctl's source or npm package)`);
  if (!onPath('go')) throw new UsageError('the local cluster\'s binaries (kube-apiserver, etcd, kwok, istioctl, istiod) are not built yet and building them needs Go: install Go 1.26+ and retry');
  reporter.start('building the local cluster\'s binaries from Go modules (first time only; several minutes)');
  const { execa } = await import('execa');
  const child = execa('bash', [script], { reject: false, stdout: 'ignore', stderr: 'pipe', buffer: false });
  let last = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      const m = /^\[build-upstream [\d:]+\] (.*)$/.exec(line.trim());
      if (m) reporter.start(`building: ${m[1]}`);
      if (line.trim()) last = line.trim();
    }
  });
  const res = await child;
  if (res.exitCode !== 0) throw new MeshctlError(`building the local cluster's binaries failed: ${last || `exit ${res.exitCode}`} (see scripts/build-upstream.sh)`);
  reporter.succeed('binaries built (cached for next time)');
}

/** The release the cluster serves on its mirror, assembled once from the built istioctl and the Istio module. */
async function ensureRelease(reporter: Reporter): Promise<{ root: string; version: string }> {
  const { assembleRelease, mirrorVersion, MIRROR_ARCH, MIRROR_OS } = await import('./release.js');
  const root = privateStateDir(join(stateRoot(), 'local-release'));
  const version = mirrorVersion();
  if (!existsSync(join(root, version, `istio-${version}-${MIRROR_OS}-${MIRROR_ARCH}.tar.gz.sha256`))) {
    reporter.start(`assembling Istio ${version} for the cluster's release mirror`);
    rmSync(root, { recursive: true, force: true });
    privateStateDir(root);
    // like everything in the state dir, the release is its owner's alone (nothing else runs meanwhile)
    const umask = process.umask(0o077);
    try {
      await assembleRelease(root, version);
    } catch (err) {
      rmSync(root, { recursive: true, force: true }); // nothing half-assembled stays, and a full disk gets its space back
      const why = noRoomReason(err);
      if (why) throw new CheckFailedError(`cannot assemble the local cluster's release in ${root}: ${why} (free some space, or set MESHCTL_STATE_DIR to a disk with room); nothing was kept`, { cause: err });
      throw err;
    } finally {
      process.umask(umask);
    }
    reporter.succeed(`Istio ${version} assembled from the pinned Istio module`);
  }
  return { root, version };
}

export interface CreateLocalOptions {
  name: string;
  workers: number;
  kubeconfig?: string;
  reporter: Reporter;
  /** How long to wait for the control plane (default 3 min). */
  timeoutMs?: number;
}

/** Creates and starts the cluster, and writes its context (made current); one at a time per name. */
export async function createLocalCluster(opts: CreateLocalOptions): Promise<LocalCluster> {
  checkLocalPrerequisites();
  return withLocalClusterLock(opts.name, () => createLocked(opts), opts.reporter);
}

async function createLocked(opts: CreateLocalOptions): Promise<LocalCluster> {
  const { name, reporter } = opts;
  const existing = localCluster(name);
  if (existing?.running) throw new UsageError(`local cluster ${name} already exists (meshctl cluster delete ${name} --provider local)`);
  const dir = localClusterDir(name);
  if (join(dir, SOCKET).length > 100) throw new UsageError(`the state directory path is too long for a unix socket (${dir}): set MESHCTL_STATE_DIR to a shorter path`);
  await ensureBinaries(reporter);
  const release = await ensureRelease(reporter);
  // a stopped cluster's leftovers (its processes ended, say by a reboot) are started afresh
  rmSync(dir, { recursive: true, force: true });
  privateStateDir(dir);
  try {
    return await startCluster(opts, dir, release);
  } catch (err) {
    // a full disk (meshctl's own writes, or a component's: etcd preallocates 64 MB for its log) is said as such and
    // leaves nothing behind; another failure keeps the logs it points at
    const why = noRoomReason(err) ?? (componentLogsSayNoSpace(dir) ? 'no space left on the device' : undefined);
    if (!why) throw err;
    rmSync(dir, { recursive: true, force: true });
    throw new CheckFailedError(`local cluster ${name} did not start: ${why} for ${dir} (etcd alone needs about 64 MB; free some space, or set MESHCTL_STATE_DIR to a disk with room); nothing was kept`, { cause: err });
  }
}

/** Whether the supervisor's or a component's log (its last 64 KB) says a write found no space. */
function componentLogsSayNoSpace(dir: string): boolean {
  const logs = [join(dir, 'supervisor.log')];
  const componentLogs = join(dir, 'control-plane', 'logs');
  if (existsSync(componentLogs)) logs.push(...readdirSync(componentLogs).map((f) => join(componentLogs, f)));
  return logs.some((file) => {
    try {
      const text = readFileSync(file);
      return /no space left on device|ENOSPC/.test(text.subarray(Math.max(0, text.length - 65_536)).toString('utf8'));
    } catch {
      return false;
    }
  });
}

async function startCluster(opts: CreateLocalOptions, dir: string, release: { root: string; version: string }): Promise<LocalCluster> {
  const { name, reporter } = opts;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name, nodes: 1 + opts.workers, releaseRoot: release.root, istioVersion: release.version }, null, 2), { mode: 0o600 });
  reporter.start(`starting local cluster ${name} (etcd, kube-apiserver, controller-manager, scheduler, kwok; ${1 + opts.workers} node(s))`);
  const log = openSync(join(dir, 'supervisor.log'), 'a', 0o600);
  const [bin, ...args] = self();
  const supervisor = spawn(bin, [...args, 'cluster', '__supervise', '--state', dir], { detached: true, stdio: ['ignore', log, log] });
  supervisor.unref();
  const { cleanupOnSignal } = await import('../../ui/interrupt.js');
  // Ctrl-C, SIGTERM or SIGHUP (the terminal closed) while it starts, up to the context being written: nothing is left
  // running. The supervisor was started detached by this process, so it leads its own process group.
  const killSupervisor = () => {
    try {
      process.kill(-supervisor.pid!, 'SIGKILL');
    } catch { /* gone */ }
  };
  const stopAll = () => {
    killSupervisor();
    // the plane's namespace ends with its pid 1 (unshare --kill-child follows the supervisor's group)
    const plane = readReady(dir)?.plane;
    if (plane) signalRecorded(plane, 'SIGKILL');
  };
  const stopCleanup = cleanupOnSignal(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
    let exited = false;
    supervisor.once('exit', () => (exited = true));
    while (!readReady(dir)) {
      if (exited || Date.now() > deadline) {
        const tail = readFileSync(join(dir, 'supervisor.log'), 'utf8').trim().split('\n').slice(-1)[0] ?? '';
        throw new MeshctlError(`local cluster ${name} did not start${exited ? '' : ' in time'}: ${tail || 'no log'} (log: ${join(dir, 'supervisor.log')})`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const cluster = localCluster(name)!;
    const cp = join(dir, 'control-plane');
    const path = kubeconfigPath(opts.kubeconfig);
    await addToKubeconfig(path, {
      name: cluster.context, server: cluster.server!, namespace: 'default',
      ca: readFileSync(join(cp, 'ca.crt'), 'utf8'), cert: readFileSync(join(cp, 'admin.crt'), 'utf8'), key: readFileSync(join(cp, 'admin.key'), 'utf8'),
    });
    stopCleanup();
    reporter.succeed(`local cluster ${name} is up: apiserver ${cluster.server}, context ${cluster.context} (set as current in ${path})`);
    return cluster;
  } catch (err) {
    stopAll(); // nothing keeps running when the context could not be written either
    throw err;
  } finally {
    stopCleanup();
  }
}

/** Stops the cluster's processes and removes its state and its context; false when there was no such cluster. */
export async function deleteLocalCluster(name: string, kubeconfig?: string): Promise<boolean> {
  return withLocalClusterLock(name, () => deleteLocked(name, kubeconfig));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ends the cluster's processes by identity, never by name: the supervisor as recorded (pid and start time), and the
 * plane, pid 1 of the cluster's own PID namespace, whose end makes the kernel end everything else in that namespace.
 * A record that no longer matches (a reboot, a reused pid, another user's process) is left alone.
 */
async function deleteLocked(name: string, kubeconfig?: string): Promise<boolean> {
  const dir = localClusterDir(name);
  const removedContext = await removeFromKubeconfig(kubeconfigPath(kubeconfig), LOCAL_CONTEXT_PREFIX + name);
  if (!existsSync(dir)) return removedContext;
  if (process.getuid?.() !== 0) throw new UsageError('deleting a local cluster needs root (its processes run as root)');
  const ready = readReady(dir);
  const verified = Boolean(ready && signalRecorded(ready.supervisor, 'SIGTERM'));
  if (ready && verified) {
    const deadline = Date.now() + 30_000;
    while (isRecordedProcess(ready.supervisor) && Date.now() < deadline) await sleep(200);
    if (ready.legacy) {
      // an older meshctl's cluster runs in its supervisor's process group (verified above through its leader; the
      // kernel reuses no pid while a group of that id has members): the group goes, as that version's delete did
      try { process.kill(-ready.supervisor.pid, 'SIGKILL'); } catch { /* gone with its leader */ }
    } else signalRecorded(ready.supervisor, 'SIGKILL', { group: true });
  }
  const plane = ready?.plane;
  // never the namespace meshctl itself runs in (a record that names it is not a cluster's)
  if (plane && plane.pidNamespace !== pidNamespace(process.pid)) {
    signalRecorded(plane, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (processesInNamespace(plane.pidNamespace).length > 0 && Date.now() < deadline) await sleep(200);
  }
  // what is left of the supervisor's process group (the namespace's unshare wrapper, which ends only after the
  // plane): once its leader was verified above, the group's members can only be its own
  if (ready && verified && !ready.legacy) {
    const group = ready.supervisor.pid;
    const deadline = Date.now() + 10_000;
    while (processesInGroup(group).length > 0 && Date.now() < deadline) {
      try { process.kill(-group, 'SIGKILL'); } catch { /* ended meanwhile */ }
      await sleep(100);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return true;
}

/** Relays every connection to `server` to what `target` connects to. */
function relay(server: Server, target: () => Socket): Server {
  return server.on('connection', (down) => {
    const up = target();
    const close = () => {
      down.destroy();
      up.destroy();
    };
    down.on('error', close).on('close', close);
    up.on('error', close).on('close', close);
    down.pipe(up).pipe(down);
  });
}

const listen = (server: Server, ...args: unknown[]) => new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  (server.listen as (...a: unknown[]) => void)(...args, () => resolve());
});

const stamp = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** The supervisor (`cluster __supervise`, host side): the plane in its namespace, the relay, the mirror. */
export async function supervise(dir: string): Promise<void> {
  // everything the cluster writes (keys, certificates, etcd's data, logs, the socket) is its owner's alone; the
  // plane and the components inherit this
  process.umask(0o077);
  // a fault in serving one connection (the relay, the mirror) must not take the cluster's supervisor down with it
  process.on('uncaughtException', (err) => stamp(`error (kept running): ${err.stack ?? err.message}`));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { nodes: number; releaseRoot: string; istioVersion: string };
  const script = 'ip link set lo up && exec "$0" "$@"';
  const [bin, ...args] = self();
  const unshare = ['--net', '--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL'];
  const plane = spawn('unshare', [...unshare, 'sh', '-c', script, bin, ...args, 'cluster', '__plane', '--state', dir, '--nodes', String(config.nodes)],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  /** The plane's own pid (unshare's child): it is told to stop, then unshare ends with it. */
  const planePid = (): number | undefined => {
    try {
      return Number(readFileSync(`/proc/${plane.pid}/task/${plane.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
    } catch {
      return undefined;
    }
  };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    stamp('stopping');
    const pid = planePid();
    if (pid) process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => plane.kill('SIGKILL'), 20_000);
    if (plane.exitCode === null && plane.signalCode === null) await new Promise((r) => plane.once('exit', r));
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  plane.once('exit', (code, signal) => {
    if (!stopping) {
      stamp(`the control plane ended (${signal ?? `exit ${code}`})`);
      process.exit(1);
    }
  });
  while (!existsSync(join(dir, 'plane.json'))) await new Promise((r) => setTimeout(r, 200));
  const api = relay(createServer(), () => connect(join(dir, SOCKET)));
  await listen(api, 0, '127.0.0.1');
  const { serveMirror } = await import('./release.js');
  const mirror = await serveMirror(config.releaseRoot);
  const port = (api.address() as { port: number }).port;
  const supervisor = recordOf(process.pid)!;
  const planeRec = planePid() === undefined ? undefined : recordOf(planePid()!);
  const planeNs = planeRec && pidNamespace(planeRec.pid);
  const ready: ReadyFile = {
    supervisor, ...(planeRec && planeNs ? { plane: { ...planeRec, pidNamespace: planeNs } } : {}),
    port, mirror: mirror.url, istioVersion: config.istioVersion, nodes: config.nodes,
  };
  writeFileSync(join(dir, 'ready.json.tmp'), JSON.stringify(ready, null, 2));
  renameSync(join(dir, 'ready.json.tmp'), join(dir, 'ready.json'));
  stamp(`ready: apiserver https://127.0.0.1:${ready.port}, release mirror ${mirror.url}`);
}

/** The plane (`cluster __plane`, inside the network namespace): the control plane and the socket relay. */
export async function runPlane(dir: string, nodes: number): Promise<void> {
  const { startControlPlane } = await import('./control-plane.js');
  // a real istiod answers the webhooks of what gets installed, and kwok serves pod logs, exec and port-forward
  // (the namespace has only loopback)
  const cp = await startControlPlane({ dir: join(dir, 'control-plane'), nodes, log: stamp, istiod: true, kubelet: true, restart: true });
  const port = Number(new URL(cp.server).port);
  rmSync(join(dir, SOCKET), { force: true });
  const sock = relay(createServer(), () => connect(port, '127.0.0.1'));
  await listen(sock, join(dir, SOCKET));
  const stop = async () => {
    stamp('stopping the control plane');
    sock.close();
    await cp.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  writeFileSync(join(dir, 'plane.json'), JSON.stringify({ server: cp.server }));
  stamp(`control plane up at ${cp.server} (inside the namespace)`);
  setInterval(() => {}, 1 << 30);
}

/** The local cluster as a provider. */
export const localProvider: ClusterProvider = {
  name: 'local',
  async running(name) {
    const c = localCluster(name);
    return c?.running ? { context: c.context, mirror: c.mirror, istioVersion: c.istioVersion } : undefined;
  },
  has: async (name) => localCluster(name) !== undefined,
  async create(opts) {
    if (opts.kubernetesVersion) {
      throw new UsageError('--kubernetes-version is for --provider kind: the local cluster runs the Kubernetes meshctl built (scripts/upstream-versions.env)');
    }
    const c = await createLocalCluster({ name: opts.name, workers: opts.workers, kubeconfig: opts.kubeconfig, reporter: opts.reporter });
    return { context: c.context, mirror: c.mirror, istioVersion: c.istioVersion };
  },
  async delete(name, reporter, kubeconfig) {
    reporter.start(`deleting local cluster ${name}`);
    return deleteLocalCluster(name, kubeconfig);
  },
  list: () => Promise.all(localClusters().map(async (c): Promise<ClusterRow> => ({
    name: c.name, provider: 'local', status: !c.running ? 'stopped' : (await localClusterAnswers(c)) ? 'running' : 'unhealthy',
    context: c.context, ...(c.server ? { server: c.server } : {}),
  }))),
};
