/**
 * A real istiod for the local control plane: when an install's istiod Deployment has a (kwok-run) pod,
 * pilot-discovery — built from the same Istio module as the tests' istioctl — runs as a process standing in for
 * that pod, with the Deployment's arguments and environment where they apply, the pod's name and namespace, and
 * an admin kubeconfig. It stops when the Deployment goes. Service and pod addresses are made local inside the
 * (loopback-only) network namespace, so the apiserver's calls to the injection and validation webhooks reach it
 * through the istiod Service's ClusterIP on port 443; istiod patches the webhooks' caBundle itself.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { logToFile } from './log-file.js';
import { join } from 'node:path';
import type { KubeRequest } from './control-plane.js';

export interface IstiodRunner {
  /** The Deployment istiod stands in for now ("istio-system/istiod"), if any. */
  current(): string | undefined;
  stop(): Promise<void>;
}

/** Whether this network namespace has no interface but loopback (routing service addresses locally is safe only there). */
export function loopbackOnly(): boolean {
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return links.every((l) => /^\d+: lo[:@]/.test(l));
}

/** Makes every address of the CIDRs local to this namespace (what kube-proxy and a CNI would route to pods). */
export function routeLocally(cidrs: string[]): void {
  for (const cidr of cidrs) execFileSync('ip', ['route', 'replace', 'local', cidr, 'dev', 'lo'], { stdio: 'ignore' });
}

type Env = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };

/** The environment of istiod's container, with the downward-API fields it reads resolved for `pod`. Pure. */
export function istiodEnv(
  container: { env?: Env[] }, pod: { metadata: { name: string; namespace: string }; spec?: { serviceAccountName?: string } },
): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': pod.metadata.name, 'metadata.namespace': pod.metadata.namespace, 'spec.serviceAccountName': pod.spec?.serviceAccountName ?? 'istiod',
  };
  const out: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef && fields[e.valueFrom.fieldRef.fieldPath] !== undefined) out[e.name] = fields[e.valueFrom.fieldRef.fieldPath];
  }
  return { ...out, POD_NAME: pod.metadata.name, POD_NAMESPACE: pod.metadata.namespace };
}

/** istiod's arguments: the container's, with the webhook server on :443 (the Service's port) and our kubeconfig. Pure. */
export function istiodArgs(container: { args?: string[] }, kubeconfig: string): string[] {
  const args = (container.args ?? ['discovery']).filter((a) => !a.startsWith('--httpsAddr') && !a.startsWith('--kubeconfig'));
  return [...args, '--httpsAddr=:443', `--kubeconfig=${kubeconfig}`];
}

/** The ports of istiod a client reaches by port-forward: xDS (plaintext, what `meshctl proxy-config` asks) and monitoring. */
export const ISTIOD_FORWARDED_PORTS = [15010, 15014];

/**
 * Tells kwok's server (a kwok PortForward named after the pod) to forward port-forwards of istiod's pod to
 * pilot-discovery on loopback, as a kubelet would forward them into the pod. Kept when it exists already.
 */
async function forwardPorts(request: KubeRequest, namespace: string, pod: string, log: (l: string) => void): Promise<void> {
  const res = await request('POST', `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${namespace}/portforwards`, {
    apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'PortForward', metadata: { name: pod, namespace },
    spec: { forwards: ISTIOD_FORWARDED_PORTS.map((port) => ({ ports: [port], target: { address: '127.0.0.1', port } })) },
  });
  if (res.status >= 300 && res.status !== 409) log(`istiod: no port-forward for pod ${namespace}/${pod} (HTTP ${res.status})`);
}

/** Watches (every second) for an istiod Deployment with a pod, and runs pilot-discovery for it. */
export function runIstiod(opts: { request: KubeRequest; kubeconfig: string; binary: string; dir: string; log: (l: string) => void }): IstiodRunner {
  let proc: ChildProcess | undefined;
  let owner: string | undefined;
  let stopped = false;
  const logs = join(opts.dir, 'logs');
  mkdirSync(logs, { recursive: true });

  const end = async () => {
    const p = proc;
    proc = undefined;
    owner = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const tick = async () => {
    const { body } = await opts.request('GET', '/apis/apps/v1/deployments?labelSelector=app%3Distiod');
    const deployments = ((body?.items ?? []) as any[]).filter((d) => !d.metadata.deletionTimestamp)
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    const d = deployments[0];
    const key = d ? `${d.metadata.namespace}/${d.metadata.name}` : undefined;
    if (owner && owner !== key) {
      opts.log(`istiod for ${owner}: its Deployment is gone, stopping`);
      await end();
    }
    if (!d || proc) return;
    const selector = Object.entries(d.spec.selector?.matchLabels ?? { app: 'istiod' }).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await opts.request('GET', `/api/v1/namespaces/${d.metadata.namespace}/pods?labelSelector=${encodeURIComponent(selector)}`);
    const pod = ((pods.body?.items ?? []) as any[]).find((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
    if (!pod) return;
    const container = (d.spec.template.spec.containers as any[]).find((c) => c.name === 'discovery') ?? d.spec.template.spec.containers[0];
    const cwd = join(opts.dir, 'istiod');
    mkdirSync(cwd, { recursive: true });
    opts.log(`istiod for ${key}: pilot-discovery as pod ${pod.metadata.name}`);
    const child = spawn(opts.binary, istiodArgs(container, opts.kubeconfig), {
      cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...istiodEnv(container, pod) },
    });
    void logToFile(join(logs, 'istiod.log'), [child.stdout!, child.stderr!]);
    child.once('exit', (code, signal) => {
      if (proc === child) {
        opts.log(`istiod for ${key} ended (${signal ?? `exit ${code}`}); it is started again while its Deployment exists`);
        proc = undefined;
        owner = undefined;
      }
    });
    proc = child;
    owner = key;
    await forwardPorts(opts.request, pod.metadata.namespace, pod.metadata.name, opts.log);
  };

  let running = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(tick).catch((err) => opts.log(`istiod watch: ${(err as Error).message}`));
  }, 1000);
  const killOnExit = () => proc?.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    current: () => owner,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await end();
      process.removeListener('exit', killOnExit);
    },
  };
}
