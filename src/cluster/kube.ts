/**
 * The one owner of Kubernetes access. Loads the kubeconfig with @kubernetes/client-node (so every auth
 * method kubectl supports works) and talks to the apiserver with a small JSON client: discovery,
 * get/list, server-side apply (with dry-run), delete. Imported only by commands that need a cluster.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { CheckFailedError, ExitCode, MeshctlError, UsageError } from '../ui/errors.js';
import { redactCredentials } from '../ui/redact.js';
import type { K8sObject } from '../manifests/object.js';
import type { ApiResource, KubeClient, KubeResponse } from './client.js';

export type { KubeResponse } from './client.js';

export const FIELD_MANAGER = 'meshctl';

export interface KubeOptions {
  /** Path of the kubeconfig (default: $KUBECONFIG or ~/.kube/config, as kubectl). */
  kubeconfig?: string;
  /** Context to use (default: the current context). */
  context?: string;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

/** No kubeconfig anywhere (no --kubeconfig, $KUBECONFIG, ~/.kube/config, nor in-cluster credentials): exit 2. */
export class NoClusterConfiguredError extends CheckFailedError {
  constructor(message = 'no cluster configured (set KUBECONFIG, --kubeconfig or ~/.kube/config)') {
    super(message);
    this.name = 'NoClusterConfiguredError';
  }
}

/**
 * Whether any cluster configuration exists where kubectl would look: an explicit file (which must then exist),
 * the files of $KUBECONFIG, ~/.kube/config, or a pod's service account. Without this check client-node falls
 * back to http://localhost:8080 and fails with an unrelated TLS message.
 */
export function clusterConfigured(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (explicit) return true;
  const candidates = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter((p) => p !== '') : [join(env.HOME ?? homedir(), '.kube', 'config')];
  if (candidates.some((p) => existsSync(p))) return true;
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

/** The connection to the apiserver broke (reset, or closed in the middle of an answer): a read may be sent again. */
export class BrokenConnectionError extends CheckFailedError {}

/**
 * The apiserver answered, but not with success. The exit code says whose the problem is: 400 and 422 (the input was
 * refused: invalid, or denied by an admission webhook) exit 65, as input that cannot be used; everything else (no
 * rights, a conflict, a missing object, a server error) is a failed cluster check, exit 2.
 */
export class KubeApiError extends MeshctlError {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message, status === 400 || status === 422 ? ExitCode.InvalidInput : ExitCode.CheckFailed);
    this.name = 'KubeApiError';
  }
}

/** The cluster refused the credentials (401): exit 2, naming the user and the cluster, whatever was asked. */
export class UnauthorizedError extends CheckFailedError {}

/** A connection to one cluster (one kubeconfig context). */
export class Kube implements KubeClient {
  readonly server: string;
  readonly context: string;
  /** The context's namespace, or "default". */
  readonly namespace: string;
  /** The kubeconfig user of the context (for messages). */
  readonly user: string;
  private readonly discovery = new Map<string, Promise<ApiResource[]>>();
  /** Number of HTTP requests sent (for benchmarks and tests). */
  requests = 0;
  /** Number of requests that changed something (non-dry-run POST/PUT/PATCH/DELETE). */
  writes = 0;

  private constructor(
    private readonly kc: any,
    private readonly timeoutMs: number,
  ) {
    const cluster = kc.getCurrentCluster();
    this.server = cluster.server.replace(/\/$/, '');
    this.context = kc.getCurrentContext();
    this.namespace = kc.getContextObject(this.context)?.namespace || 'default';
    this.user = kc.getContextObject(this.context)?.user || 'unnamed';
  }

  /** Loads the kubeconfig; a missing or unusable one is a usage error naming what to fix. */
  static async connect(opts: KubeOptions = {}): Promise<Kube> {
    if (!clusterConfigured(opts.kubeconfig)) throw new NoClusterConfiguredError();
    if (opts.kubeconfig && !existsSync(opts.kubeconfig)) throw new UsageError(`--kubeconfig ${opts.kubeconfig}: no such file`);
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    try {
      if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
      else kc.loadFromDefault();
    } catch (err) {
      // no cause: the YAML parser's message goes on with a frame of the file, tokens and keys included
      throw new UsageError(`cannot load kubeconfig ${opts.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (opts.context) {
      if (!kc.getContexts().some((c: any) => c.name === opts.context)) {
        throw new UsageError(`context "${opts.context}" is not in the kubeconfig (known: ${kc.getContexts().map((c: any) => c.name).join(', ') || 'none'})`);
      }
      kc.setCurrentContext(opts.context);
    }
    if (!kc.getCurrentContext() || !kc.getContextObject(kc.getCurrentContext())) {
      // what `cluster delete` / `down` leave when they remove the current context: no cluster is configured
      const known = kc.getContexts().map((c: any) => c.name);
      throw new NoClusterConfiguredError(`no cluster configured: the kubeconfig has no current context${known.length ? ` (use one of ${known.join(', ')}: --context NAME, or kubectl config use-context NAME)` : ''}`);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) {
      throw new UsageError(`context "${kc.getCurrentContext()}" names a cluster that is not in the kubeconfig`);
    }
    // a context naming a user the kubeconfig lacks would be sent without credentials (and fail as something else);
    // kubectl refuses it as "auth info does not exist"
    const userName = kc.getContextObject(kc.getCurrentContext())?.user;
    if (userName && !kc.getUser(userName)) {
      throw new UsageError(`context "${kc.getCurrentContext()}" names a user ("${userName}") that is not in the kubeconfig`);
    }
    // as kubectl: a CA to verify with and an instruction not to verify contradict each other
    if (cluster.skipTLSVerify && (cluster.caData || cluster.caFile)) {
      throw new UsageError(`cluster "${cluster.name}" in the kubeconfig has both a certificate authority and insecure-skip-tls-verify: true; ` +
        'specifying a root certificates file with the insecure flag is not allowed (remove one of them)');
    }
    return new Kube(kc, opts.timeoutMs ?? 30_000);
  }

  /**
   * Sends one request; network failures become a CheckFailedError naming the server. A read whose connection broke
   * (reset, or closed in the middle of the answer) is sent again, twice at most, as it changes nothing; a refused
   * or timed-out connection is not (the server is not there, which asking again does not change).
   */
  async request(method: string, path: string, opts: { body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<KubeResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.send(method, path, opts);
        // a refused login is never an answer about the cluster ("serves nothing", "not installed"): it ends the command
        if (res.status === 401) {
          throw new UnauthorizedError(`the cluster at ${redactCredentials(this.server)} (context ${this.context}) refused the credentials of user ${this.user}: ` +
            'they are not valid or have expired (log in again, or fix the kubeconfig)');
        }
        return res;
      } catch (err) {
        if (!(method === 'GET' && err instanceof BrokenConnectionError && attempt < 3)) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }

  private async send(method: string, path: string, opts: { body?: unknown; contentType?: string; timeoutMs?: number }): Promise<KubeResponse> {
    const url = new URL(this.server + path);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const options: RequestOptions = { method, headers: { accept: 'application/json' }, timeout: timeoutMs };
    try {
      await this.kc.applyToHTTPSOptions(options);
    } catch (err) {
      // client-node refuses plain-HTTP servers unless the kubeconfig says insecure-skip-tls-verify
      if (url.protocol === 'http:') {
        throw new UsageError(`the cluster's server ${redactCredentials(this.server)} is plain HTTP: set insecure-skip-tls-verify: true on that cluster in the kubeconfig to use it`, { cause: err });
      }
      throw new UsageError(`cannot use the credentials of context ${this.context}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (payload !== undefined) (options.headers as Record<string, string>)['content-type'] = opts.contentType ?? 'application/json';
    this.requests++;
    // reads, dry-runs and access reviews change nothing
    if (method !== 'GET' && !url.searchParams.has('dryRun') && !path.startsWith('/apis/authorization.k8s.io/')) this.writes++;
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    let timedOut = false;
    return new Promise((resolve, reject) => {
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try { body = text === '' ? undefined : JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
        res.on('error', (err) => {
          const message = `the connection to the cluster at ${redactCredentials(this.server)} (context ${this.context}) broke in the middle of the answer`;
          // our own timeout ends it too: that is no broken connection to retry
          reject(timedOut ? new CheckFailedError(`${message}: no answer within ${timeoutMs / 1000}s`, { cause: err }) : new BrokenConnectionError(`${message}: ${err.message}`, { cause: err }));
        });
      };
      let req: ClientRequest;
      try {
        req = send(url, options, onResponse);
      } catch (err) {
        // the TLS context is built here: a client key or certificate that is not valid PEM fails at once
        reject(new UsageError(`cannot use the credentials of context ${this.context}: its client certificate or key is not usable (${(err as Error).message})`, { cause: err }));
        return;
      }
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const message = `cannot reach the cluster at ${redactCredentials(this.server)} (context ${this.context}): ${err.message}`;
        // a reset (or a kept-alive connection the server had just closed) broke the connection; the server is there
        reject(err.code === 'ECONNRESET' ? new BrokenConnectionError(message, { cause: err }) : new CheckFailedError(message, { cause: err }));
      });
      req.end(payload);
    });
  }

  /** Like request, but a non-2xx answer throws a KubeApiError with the apiserver's message. */
  async call(method: string, path: string, opts: { body?: unknown; contentType?: string } = {}): Promise<any> {
    let res = await this.request(method, path, opts);
    // a read the apiserver cannot serve yet (a CRD's storage still initializing, throttling) is asked again, a
    // few times, as client-go retries 429 and 503 answers
    for (let attempt = 1; method === 'GET' && (res.status === 503 || res.status === 429) && attempt <= 5; attempt++) {
      await new Promise((r) => setTimeout(r, 200 * attempt));
      res = await this.request(method, path, opts);
    }
    if (res.status < 200 || res.status > 299) {
      const msg = typeof res.body === 'object' && res.body?.message ? res.body.message : `HTTP ${res.status}`;
      const reason = typeof res.body === 'object' ? res.body?.reason ?? '' : '';
      throw new KubeApiError(res.status, reason, `${method} ${path.split('?')[0]}: ${msg}`);
    }
    return res.body;
  }

  /** The apiserver's version (`/version`). */
  async version(): Promise<{ major: number; minor: number; gitVersion: string }> {
    const v = await this.call('GET', '/version');
    return { major: Number(v.major), minor: Number(String(v.minor).replace(/\D+$/, '')), gitVersion: v.gitVersion };
  }

  private apiResources(apiVersion: string, refresh = false): Promise<ApiResource[]> {
    if (refresh) this.discovery.delete(apiVersion);
    let cached = this.discovery.get(apiVersion);
    if (!cached) {
      const path = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
      // 404 is "this group/version is not served"; any other answer that is not the list is no answer about what the
      // cluster serves, and must not be read as "nothing"
      cached = this.request('GET', path).then((res) => {
        if (res.status === 200) return (res.body.resources as ApiResource[]).filter((r) => !r.name.includes('/'));
        if (res.status === 404) return [];
        const msg = typeof res.body === 'object' && res.body?.message ? res.body.message : `HTTP ${res.status}`;
        throw new KubeApiError(res.status, res.body?.reason ?? '', `cannot discover what the cluster serves in ${apiVersion} (context ${this.context}, user ${this.user}): ${msg}`);
      });
      cached.catch(() => this.discovery.delete(apiVersion));
      this.discovery.set(apiVersion, cached);
    }
    return cached;
  }

  /** The REST resource serving a kind; rediscovers once (new CRDs), then throws naming the kind. */
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    for (const refresh of [false, true]) {
      const found = (await this.apiResources(apiVersion, refresh)).find((r) => r.kind === kind);
      if (found) return found;
    }
    throw new KubeApiError(404, 'NotFound', `the cluster does not serve ${kind} in ${apiVersion} (is its CRD installed?)`);
  }

  /** Whether the cluster serves a kind (false when its CRD is absent). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.apiResources(apiVersion)).some((r) => r.kind === kind);
  }

  /** URL path of an object, or of its collection when `name` is omitted. */
  async pathFor(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const r = await this.resourceFor(apiVersion, kind);
    const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${namespace ?? this.namespace}` : '';
    return `${base}${ns}/${r.name}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** The live object, or undefined when it does not exist. */
  async get(obj: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<K8sObject | undefined> {
    let path: string;
    try {
      path = await this.pathFor(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined; // the kind itself is not served
      throw err;
    }
    const res = await this.request('GET', path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new KubeApiError(res.status, res.body?.reason ?? '', `GET ${obj.kind} ${obj.metadata.name}: ${res.body?.message ?? res.status}`);
    return res.body;
  }

  /** Lists objects of a kind (in one namespace, or all when `namespace` is undefined for namespaced kinds). */
  async list(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}): Promise<K8sObject[]> {
    const r = await this.resourceFor(apiVersion, kind);
    const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
    const ns = r.namespaced && opts.namespace ? `/namespaces/${opts.namespace}` : '';
    const q = opts.labelSelector ? `?labelSelector=${encodeURIComponent(opts.labelSelector)}` : '';
    const body = await this.call('GET', `${base}${ns}/${r.name}${q}`);
    const itemKind = kind;
    return (body.items ?? []).map((i: any) => ({ apiVersion, kind: itemKind, ...i }));
  }

  /** Server-side apply (field manager `meshctl`); `dryRun` validates without changing anything. */
  async apply(obj: K8sObject, opts: { dryRun?: boolean; force?: boolean; fieldManager?: string } = {}): Promise<K8sObject> {
    const path = await this.pathFor(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const q = new URLSearchParams({ fieldManager: opts.fieldManager ?? FIELD_MANAGER, fieldValidation: 'Strict' });
    if (opts.force) q.set('force', 'true');
    if (opts.dryRun) q.set('dryRun', 'All');
    return this.call('PATCH', `${path}?${q}`, { body: obj, contentType: 'application/apply-patch+yaml' });
  }

  /** A JSON merge patch of an existing object. */
  async patch(obj: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>, patch: Record<string, unknown>): Promise<K8sObject> {
    const path = await this.pathFor(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.call('PATCH', `${path}?fieldManager=${FIELD_MANAGER}`, { body: patch, contentType: 'application/merge-patch+json' });
  }

  /**
   * Forwards one local connection to a pod's port through the apiserver: the pod's portforward subresource,
   * upgraded to a WebSocket with Kubernetes' channel protocol (channel 0 carries the data, channel 1 the
   * errors, each starting with the port number). Resolves once the stream is open; an apiserver that refuses
   * (no such pod, no kubelet to reach) is a CheckFailedError with its own message. `onError` gets what the
   * kubelet reports on the error channel (nothing listening on the port …).
   */
  async portForward(namespace: string, pod: string, port: number, socket: Duplex, onError: (message: string) => void): Promise<void> {
    const { default: WebSocket } = await import('ws');
    const options: RequestOptions & { headers: Record<string, string> } = { headers: {} };
    await this.kc.applyToHTTPSOptions(options);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
    this.requests++;
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.server.replace(/^http/, 'ws') + path, ['v4.channel.k8s.io', 'channel.k8s.io'], { ...options });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => {
          let message = body.trim();
          try { message = JSON.parse(body).message ?? message; } catch { /* not a Status */ }
          reject(new CheckFailedError(`the apiserver refused the port-forward to pod ${namespace}/${pod} (HTTP ${res.statusCode}): ${message}`));
        });
      });
      ws.on('error', (err) => reject(new CheckFailedError(`port-forward to pod ${namespace}/${pod}: ${err.message}`, { cause: err })));
      ws.on('open', () => {
        resolve();
        const portRead = [false, false];
        ws.on('message', (data: Buffer) => {
          const channel = data[0];
          if (channel > 1) return;
          let payload = data.subarray(1);
          if (!portRead[channel]) {
            portRead[channel] = true;
            payload = payload.subarray(2);
          }
          if (channel === 0) socket.write(payload);
          else if (payload.length > 0) {
            onError(payload.toString('utf8').trim());
            socket.destroy();
          }
        });
        socket.on('data', (d: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), d])));
        socket.on('close', () => ws.close());
        ws.on('close', () => socket.end());
      });
    });
  }

  /** Creates an object (POST); undefined when one of that name exists already. */
  async create(obj: K8sObject): Promise<K8sObject | undefined> {
    const path = await this.pathFor(obj.apiVersion, obj.kind, obj.metadata.namespace);
    try {
      return await this.call('POST', `${path}?fieldManager=${FIELD_MANAGER}`, { body: obj });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return undefined;
      throw err;
    }
  }

  /** Replaces an object (PUT) if its resourceVersion is still `obj.metadata.resourceVersion`; undefined when it changed. */
  async replace(obj: K8sObject): Promise<K8sObject | undefined> {
    const path = await this.pathFor(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    try {
      return await this.call('PUT', `${path}?fieldManager=${FIELD_MANAGER}`, { body: obj });
    } catch (err) {
      if (err instanceof KubeApiError && (err.status === 409 || err.status === 404)) return undefined;
      throw err;
    }
  }

  /**
   * Deletes an object (background propagation: dependents are removed by the garbage collector); false when it was
   * already gone, or, with `ifVersion`, when it changed since (a precondition the apiserver checks).
   */
  async delete(obj: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>, opts: { ifVersion?: string } = {}): Promise<boolean> {
    const path = await this.pathFor(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const preconditions = opts.ifVersion ? { preconditions: { resourceVersion: opts.ifVersion } } : {};
    const res = await this.request('DELETE', path, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...preconditions } });
    if (res.status === 404 || (res.status === 409 && opts.ifVersion)) return false;
    if (res.status < 200 || res.status > 299) throw new KubeApiError(res.status, res.body?.reason ?? '', `DELETE ${obj.kind} ${obj.metadata.name}: ${res.body?.message ?? res.status}`);
    return true;
  }

  /** Whether the current user may do `verb` on a resource (SelfSubjectAccessReview). */
  async can(verb: string, group: string, resource: string, namespace?: string): Promise<boolean> {
    const review = await this.call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, group, resource, namespace } } },
    });
    return Boolean(review.status?.allowed);
  }
}
