/**
 * A cluster-wide lock as Kubernetes controllers take one: a coordination.k8s.io Lease, created exclusively (POST),
 * renewed while held, taken over only once it has expired (a replace that names the expired resourceVersion, so
 * two takers cannot both win), and deleted on release only if it is still ours (a delete precondition). Two meshctl
 * processes on different machines that change the same install serialise on it; one that died holding it delays
 * the next by at most the lease's duration.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { KubeClient } from './client.js';
import type { K8sObject } from '../manifests/object.js';
import { CheckFailedError } from '../ui/errors.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  /** What the holder is doing, for the waiter's message ("installing Istio"). */
  what: string;
  /** Seconds without renewal after which the lease is another's to take (default 30). */
  durationSeconds?: number;
  /** How long to wait for another holder (default: 2 lease durations past its expiry, at most). */
  timeoutMs?: number;
  /** Told once, when another holder makes us wait. */
  onWait?: (line: string) => void;
  /** The clock (tests). */
  now?: () => number;
  /** How long to wait between tries while another holds the lease (default 1 s). */
  retryMs?: number;
}

/** Who this process is, as a holder: user@host, pid, and a random part so two holders are never the same. */
export function holderIdentity(): string {
  let user = 'unknown';
  try { user = userInfo().username; } catch { /* no passwd entry */ }
  return `meshctl ${user}@${hostname()} pid ${process.pid} ${randomBytes(4).toString('hex')}`;
}

/** The Lease's renewTime in Kubernetes' MicroTime form. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Whether a live lease has run out (or names no holder). */
export function leaseExpired(lease: K8sObject, nowMs: number): boolean {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return true;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < nowMs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` holding the lease; waits (bounded) while another holds it. */
export async function withLease<T>(kube: KubeClient, opts: LeaseOptions, fn: () => Promise<T>): Promise<T> {
  const now = opts.now ?? Date.now;
  const duration = opts.durationSeconds ?? 30;
  const holder = holderIdentity();
  const key = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: opts.name, namespace: opts.namespace } };
  const spec = (acquired: number, transitions: number) => ({
    holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: microTime(acquired), renewTime: microTime(now()), leaseTransitions: transitions,
  });
  const deadline = now() + (opts.timeoutMs ?? 2 * duration * 1000 + duration * 1000);
  let told = false;
  let held: K8sObject | undefined;
  while (!held) {
    held = await kube.create({ ...key, metadata: { ...key.metadata, labels: { 'app.kubernetes.io/managed-by': 'meshctl' } }, spec: spec(now(), 0) });
    if (held) break;
    const live = await kube.get(key);
    if (!live) continue; // released between our create and get
    if (leaseExpired(live, now())) {
      held = await kube.replace({ ...live, spec: spec(now(), (live.spec?.leaseTransitions ?? 0) + 1) });
      continue;
    }
    const other = String(live.spec?.holderIdentity ?? 'another meshctl');
    if (now() > deadline) {
      throw new CheckFailedError(`${other} is still ${opts.what} (Lease ${opts.namespace}/${opts.name}); try again when it has finished`);
    }
    if (!told) opts.onWait?.(`waiting for ${other}, which is ${opts.what} (Lease ${opts.namespace}/${opts.name})`);
    told = true;
    await sleep(opts.retryMs ?? 1000);
  }
  let current = held;
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = (async () => {
      if (lost) return;
      try {
        const next = await kube.replace({ ...current, spec: { ...current.spec, renewTime: microTime(now()) } });
        if (next) current = next;
        else lost = true; // another took it over: it had expired, so this process was stalled for a lease's length
      } catch { /* a missed renewal is retried at the next tick; the lease lasts three of them */ }
    })();
  }, (duration * 1000) / 3);
  timer.unref();
  try {
    return await fn();
  } finally {
    clearInterval(timer);
    await renewing;
    if (!lost) await kube.delete(key, { ifVersion: String(current.metadata.resourceVersion) }).catch(() => undefined);
  }
}
