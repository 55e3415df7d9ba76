/**
 * A real, minimal Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
 * (fake Ready nodes, Running pods), all built from Go modules by scripts/build-upstream.sh: the local provider's
 * cluster (`cluster create --provider local`) and the integration tests' (test/harness/control-plane.ts). Everything
 * binds 127.0.0.1 on free ports, keeps its data in the directory it is given (a temp dir otherwise), and writes a
 * kubeconfig there (never the user's).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackOnly, routeLocally, runIstiod, type IstiodRunner } from './istiod.js';
import { upstreamBinaries, type UpstreamBinaries } from './upstream.js';
import { logToFile } from './log-file.js';

export interface ControlPlaneOptions {
  /** Number of fake nodes kwok manages (default 1). */
  nodes?: number;
  /** Directory for data, certificates, logs and the kubeconfig (default: a new temp dir, removed on stop). */
  dir?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  binaries?: UpstreamBinaries;
  /**
   * Run a real istiod (pilot-discovery) for the istiod Deployment an install creates, and route service, pod and
   * node addresses locally so the apiserver reaches its webhooks. Only in a network namespace with nothing but
   * loopback (it changes the namespace's routes).
   */
  istiod?: boolean;
  /**
   * Serve the kubelet features of kwok's fake pods: kwok's server on the nodes' address (routed locally, port 10250)
   * with its ClusterLogs, ClusterExec and ClusterPortForward (and namespaced) resources enabled, so pod logs, exec
   * and port-forward through the apiserver reach what those resources name. Loopback-only namespaces only.
   */
  kubelet?: boolean;
  /** Start a component that ends by itself (etcd, the apiserver, …) again, a bounded number of times (the local cluster). */
  restart?: boolean;
}

/** The kwok resources that tell its server what pod logs, exec and port-forward return. */
const KWOK_SERVED_KINDS = ['ClusterLogs', 'Logs', 'ClusterExec', 'Exec', 'ClusterPortForward', 'PortForward'];

export interface ControlPlane {
  dir: string;
  /** Path of an admin kubeconfig (context `meshctl-test`). */
  kubeconfig: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** Every port a component listens on. */
  ports: number[];
  /** Process ids of the components. */
  pids: number[];
  /** A request to the apiserver as admin; returns status, parsed body and headers (PATCH is server-side apply). */
  request: KubeRequest;
  /** Stops every component (TERM, then KILL after 10 s) and removes the temp dir it made. */
  stop(): Promise<void>;
  /** Kills the apiserver (SIGKILL), as a crash would; the other components keep running. */
  killApiserver(): Promise<void>;
  /** Starts the apiserver again on the same port with the same data, and waits until it is ready. */
  startApiserver(): Promise<void>;
  /** The istiod runner, when started with `istiod: true`. */
  istiod?: IstiodRunner;
}

const SERVICE_CIDR = '10.96.0.0/16';
const POD_CIDR = '10.244.0.0/16';
const NODE_IP = '10.250.0.1';
const SERVICE_IP = '10.96.0.1';

/** How often `restart` starts one component again before leaving it stopped. */
const MAX_RESTARTS = 5;

/** A port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, the apiserver's serving certificate, client certificates and the service-account key pair. */
function makeCertificates(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=meshctl-test-ca'], dir);
  const sans = ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', `IP:${SERVICE_IP}`];
  openssl(['req', '-x509', ...ec, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-keyout', 'apiserver.key', '-out', 'apiserver.crt', '-days', '3650',
    '-subj', '/CN=kube-apiserver', '-addext', `subjectAltName=${sans.join(',')}`, '-addext', 'extendedKeyUsage=serverAuth'], dir);
  const clients: Record<string, string> = {
    admin: '/O=system:masters/CN=kubernetes-admin',
    'controller-manager': '/CN=system:kube-controller-manager',
    scheduler: '/CN=system:kube-scheduler',
    kwok: '/O=system:masters/CN=kwok',
  };
  for (const [name, subj] of Object.entries(clients)) {
    openssl(['req', '-x509', ...ec, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650',
      '-subj', subj, '-addext', 'extendedKeyUsage=clientAuth'], dir);
  }
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
}

function writeKubeconfig(path: string, dir: string, server: string, user: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'meshctl-test', cluster: { server, 'certificate-authority': join(dir, 'ca.crt') } }],
    users: [{ name: user, user: { 'client-certificate': join(dir, `${user}.crt`), 'client-key': join(dir, `${user}.key`) } }],
    contexts: [{ name: 'meshctl-test', context: { cluster: 'meshctl-test', user, namespace: 'default' } }],
    'current-context': 'meshctl-test',
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
}

/** Credentials for talking to the apiserver over TLS. */
export interface KubeTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export type KubeRequest = (
  method: string, path: string, body?: unknown, headers?: Record<string, string>,
) => Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }>;

/** A minimal JSON client for the apiserver (the harness must not depend on the code under test). */
export function kubeRequester(server: string, tls: KubeTls): KubeRequest {
  return (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const contentType = method === 'PATCH' ? 'application/apply-patch+yaml' : 'application/json';
      const req = request(`${server}${path}`, { method, ...tls, headers: { 'content-type': contentType, accept: 'application/json', ...headers }, timeout: 30_000 }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => {
          let parsed: any = data;
          try { parsed = JSON.parse(data); } catch { /* plain text */ }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    });
}

/** A requester from a kubeconfig the harness wrote (client certificate files, CA file). */
export function kubeRequesterFromKubeconfig(path: string): { server: string; request: KubeRequest } {
  const cfg = JSON.parse(readFileSync(path, 'utf8'));
  const cluster = cfg.clusters[0].cluster;
  const user = cfg.users[0].user;
  const tls = { ca: readFileSync(cluster['certificate-authority']), cert: readFileSync(user['client-certificate']), key: readFileSync(user['client-key']) };
  return { server: cluster.server, request: kubeRequester(cluster.server, tls) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what` and the log's tail. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  let tail = '';
  if (logFile) {
    try {
      tail = '\n--- ' + logFile + ' (tail) ---\n' + readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch { /* no log */ }
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${tail}`);
}

/** Applies kwok's CRDs for the kinds its server reads, and waits until each is established. */
async function applyKwokCrds(api: KubeRequest, dir: string): Promise<void> {
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run scripts/build-upstream.sh kwok first`);
  const { parse } = await import('yaml');
  const crds = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => parse(readFileSync(join(dir, f), 'utf8')))
    .filter((c) => KWOK_SERVED_KINDS.includes(c?.spec?.names?.kind));
  for (const crd of crds) {
    const res = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    if (res.status !== 201 && res.status !== 409) throw new Error(`kwok CRD ${crd.metadata.name}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  }
  await waitFor('kwok CRDs established', async () => {
    for (const crd of crds) {
      const { body } = await api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      if (!body?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True')) return false;
    }
    return true;
  }, 30_000);
}

/** Starts a control plane. Components that started are stopped again if a later one fails. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bins = options.binaries ?? upstreamBinaries();
  const log = options.log ?? (() => {});
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'meshctl-cp-'));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const children: { name: string; proc: ChildProcess }[] = [];
  const ports: number[] = [];
  const killAll = (): void => {
    for (const { proc } of children) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  process.once('exit', killAll);

  let stopping = false;
  const restarts = new Map<string, number>();
  const startProcess = (name: string, bin: string, args: string[]): ChildProcess => {
    const proc = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    void logToFile(join(dir, 'logs', `${name}.log`), [proc.stdout!, proc.stderr!]);
    const entry = { name, proc };
    children.push(entry);
    // with `restart`, a component that ends by itself is started again (its ports and data are the same), at most
    // MAX_RESTARTS times each, a second apart
    proc.once('exit', (code, signal) => {
      if (stopping || !options.restart) return;
      const n = (restarts.get(name) ?? 0) + 1;
      restarts.set(name, n);
      if (n > MAX_RESTARTS) {
        log(`${name} ended (${signal ?? `exit ${code}`}) and was restarted ${MAX_RESTARTS} times already: left stopped`);
        return;
      }
      log(`${name} ended (${signal ?? `exit ${code}`}); starting it again (${n} of ${MAX_RESTARTS})`);
      setTimeout(() => {
        if (stopping) return;
        children.splice(children.indexOf(entry), 1);
        startProcess(name, bin, args);
      }, 1000);
    });
    return proc;
  };

  let istiod: IstiodRunner | undefined;
  const stop = async (): Promise<void> => {
    stopping = true;
    await istiod?.stop();
    for (const { proc } of [...children].reverse()) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killAll);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    log('certificates');
    makeCertificates(dir);
    const [etcdClient, etcdPeer, apiPort, cmPort, schedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    ports.push(etcdClient, etcdPeer, apiPort, cmPort, schedPort);
    const server = `https://127.0.0.1:${apiPort}`;

    log(`etcd on 127.0.0.1:${etcdClient}`);
    startProcess('etcd', bins.etcd, [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync=true', '--log-level=warn',
    ]);
    await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok, 30_000, join(dir, 'logs', 'etcd.log'));

    log(`kube-apiserver on ${server}`);
    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--tls-cert-file=${join(dir, 'apiserver.crt')}`, `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
      `--client-ca-file=${join(dir, 'ca.crt')}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-cluster-ip-range=${SERVICE_CIDR}`, '--authorization-mode=RBAC', '--allow-privileged=true',
      '--endpoint-reconciler-type=none', `--cert-dir=${join(dir, 'apiserver-certs')}`, '--profiling=false',
    ];
    startProcess('kube-apiserver', bins.kubeApiserver, apiserverArgs);
    const kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, dir, server, 'admin');
    const tls = {
      ca: readFileSync(join(dir, 'ca.crt')),
      cert: readFileSync(join(dir, 'admin.crt')),
      key: readFileSync(join(dir, 'admin.key')),
    };
    const api = kubeRequester(server, tls);
    await waitFor('kube-apiserver /readyz', async () => (await api('GET', '/readyz')).status === 200, 90_000, join(dir, 'logs', 'kube-apiserver.log'));

    for (const user of ['controller-manager', 'scheduler', 'kwok']) writeKubeconfig(join(dir, `${user}.kubeconfig`), dir, server, user);
    log('kube-controller-manager, kube-scheduler, kwok');
    startProcess('kube-controller-manager', bins.kubeControllerManager, [
      `--kubeconfig=${join(dir, 'controller-manager.kubeconfig')}`,
      `--authentication-kubeconfig=${join(dir, 'controller-manager.kubeconfig')}`,
      `--authorization-kubeconfig=${join(dir, 'controller-manager.kubeconfig')}`,
      '--bind-address=127.0.0.1', `--secure-port=${cmPort}`, '--leader-elect=false',
      `--service-account-private-key-file=${join(dir, 'sa.key')}`, `--root-ca-file=${join(dir, 'ca.crt')}`,
      '--use-service-account-credentials=true', `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--cert-dir=${join(dir, 'cm-certs')}`,
    ]);
    startProcess('kube-scheduler', bins.kubeScheduler, [
      `--kubeconfig=${join(dir, 'scheduler.kubeconfig')}`,
      `--authentication-kubeconfig=${join(dir, 'scheduler.kubeconfig')}`,
      `--authorization-kubeconfig=${join(dir, 'scheduler.kubeconfig')}`,
      '--bind-address=127.0.0.1', `--secure-port=${schedPort}`, '--leader-elect=false', `--cert-dir=${join(dir, 'sched-certs')}`,
    ]);
    const stages = ['node/fast/node-initialize.yaml', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
      'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];
    if (options.istiod || options.kubelet) {
      if (!loopbackOnly()) throw new Error('istiod and kubelet features need a network namespace with only loopback (they route service, pod and node addresses locally)');
      // istiod: service and pod addresses (webhooks); kubelet features: the nodes' address (kwok's server)
      routeLocally([...(options.istiod ? [SERVICE_CIDR, POD_CIDR] : []), `${NODE_IP}/32`]);
    }
    const kubeletArgs: string[] = [];
    if (options.kubelet) {
      log('kwok CRDs for logs, exec and port-forward');
      await applyKwokCrds(api, bins.kwokCrds);
      kubeletArgs.push('--node-port=10250', `--server-address=${NODE_IP}:10250`, `--enable-crds=${KWOK_SERVED_KINDS.join(',')}`);
    }
    startProcess('kwok', bins.kwok, [
      ...kubeletArgs,
      `--kubeconfig=${join(dir, 'kwok.kubeconfig')}`, '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40', `--cidr=${POD_CIDR}`, `--node-ip=${NODE_IP}`,
      ...stages.map((s) => `--config=${join(bins.kwokStages, s)}`),
    ]);

    const nodes = options.nodes ?? 1;
    for (let i = 0; i < nodes; i++) {
      const name = `kwok-node-${i}`;
      const res = await api('POST', '/api/v1/nodes', {
        apiVersion: 'v1', kind: 'Node',
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
        },
        spec: {},
      });
      if (res.status !== 201) throw new Error(`creating node ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    log(`waiting for ${nodes} node(s) Ready and the default service account`);
    await waitFor('nodes Ready (kwok)', async () => {
      const { body } = await api('GET', '/api/v1/nodes');
      const ready = (body.items ?? []).filter((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === nodes;
    }, 60_000, join(dir, 'logs', 'kwok.log'));
    await waitFor('default service account (controller-manager)', async () =>
      (await api('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 60_000, join(dir, 'logs', 'kube-controller-manager.log'));

    if (options.istiod) {
      if (!existsSync(bins.pilotDiscovery)) throw new Error(`${bins.pilotDiscovery} is missing: run scripts/build-upstream.sh pilot-discovery first`);
      log('istiod: pilot-discovery will stand in for the istiod Deployment an install creates');
      istiod = runIstiod({ request: api, kubeconfig, binary: bins.pilotDiscovery, dir, log });
    }
    const apiserverReady = () => waitFor('kube-apiserver /readyz', async () => (await api('GET', '/readyz')).status === 200, 90_000, join(dir, 'logs', 'kube-apiserver.log'));
    return {
      dir, kubeconfig, server, ports,
      pids: children.map((c) => c.proc.pid!).filter(Boolean),
      request: api,
      stop,
      ...(istiod ? { istiod } : {}),
      async killApiserver() {
        const entry = children.find((c) => c.name === 'kube-apiserver' && c.proc.exitCode === null && c.proc.signalCode === null);
        if (!entry) return;
        const exited = new Promise<void>((r) => entry.proc.once('exit', () => r()));
        entry.proc.kill('SIGKILL');
        await exited;
      },
      async startApiserver() {
        startProcess('kube-apiserver', bins.kubeApiserver, apiserverArgs);
        await apiserverReady();
      },
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
