/**
 * `meshctl explain request`'s work: the client pod's configuration from istiod, the request followed through it
 * (explain.ts), then, for each destination cluster, the server side on one of its endpoints' pods (inbound.ts),
 * with the PeerAuthentication that set the mode as read from the cluster. Kubernetes reads and istiod's answers
 * here; the explaining is pure.
 */
import type { K8sObject } from '../../manifests/object.js';
import { labelsMatch } from '../../analyze/snapshot.js';
import { UsageError } from '../../ui/errors.js';
import { explainOutbound, type ExplainRequest } from './explain.js';
import type { Explained } from './explain-text.js';
import { getPod, ghostConfigOf, withIstiod, type PodRef, type XdsOptions } from './ghost-config.js';
import { explainInbound, type InboundExplanation } from './inbound.js';
import { resolveHost } from './resolve.js';
import type { XdsSnapshot } from './client.js';
import { ISTIO_NAMESPACE } from '../../manifests/istio.js';
import type { KubeClient } from '../../cluster/client.js';

/** `-H name:value` headers, lowercased names. Pure. */
export function parseHeaders(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf(':');
    if (i <= 0) throw new UsageError(`-H "${v}": a header is NAME:VALUE`);
    out[v.slice(0, i).trim().toLowerCase()] = v.slice(i + 1).trim();
  }
  return out;
}

/** --to as a request: scheme, host, port (80 or 443 by default), path with query. Pure. */
export function parseTarget(to: string): { scheme: 'http' | 'https'; host: string; port: number; path: string } {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(to) ? to : `http://${to}`);
  } catch {
    throw new UsageError(`--to "${to}": not a URL (http://HOST[:PORT]/PATH)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--to "${to}": only http:// and https:// requests are explained`);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  return { scheme, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : scheme === 'https' ? 443 : 80, path: `${url.pathname || '/'}${url.search}` };
}

export interface RequestToExplain {
  from: PodRef;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  method: string;
  headers: Record<string, string>;
}

/** The PeerAuthentication in effect for a pod's port: workload (port-level first), namespace, then mesh-wide. Pure. */
export function peerAuthenticationFor(pod: K8sObject, port: number, policies: K8sObject[], rootNamespace = ISTIO_NAMESPACE): string | undefined {
  const ns = pod.metadata.namespace;
  const named = (pa: K8sObject, scope: string) => `PeerAuthentication ${pa.metadata.namespace}/${pa.metadata.name}, ${scope}`;
  const sorted = [...policies].sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || a.metadata.name.localeCompare(b.metadata.name));
  const workload = sorted.find((pa) => pa.metadata.namespace === ns && pa.spec?.selector?.matchLabels
    && labelsMatch(pa.spec.selector.matchLabels, pod.metadata.labels));
  if (workload) return named(workload, workload.spec?.portLevelMtls?.[String(port)] ? `port ${port}` : 'workload');
  const namespace = sorted.find((pa) => pa.metadata.namespace === ns && !pa.spec?.selector?.matchLabels);
  if (namespace) return named(namespace, 'namespace-wide');
  const mesh = sorted.find((pa) => pa.metadata.namespace === rootNamespace && !pa.spec?.selector?.matchLabels);
  if (mesh) return named(mesh, 'mesh-wide');
  return undefined;
}

export type RequestExplanation = Explained & { configVersion: Record<string, string>; undecodedTypes?: string[] };

/** The request as an explanation states it. Pure. */
const stated = (req: Omit<RequestToExplain, 'from'>) => ({ method: req.method, url: `${req.scheme}://${req.host}:${req.port}${req.path}`, headers: req.headers });

/** The request followed through a saved config dump (`file`): the client side only, no cluster asked. Pure. */
export function explainDump(dump: { snapshot: XdsSnapshot; node?: string }, file: string, req: Omit<RequestToExplain, 'from'>): RequestExplanation {
  // without a cluster, only an address names the destination's listener; a name falls to the port's wildcard listener
  const ip = /^\d+\.\d+\.\d+\.\d+$/.test(req.host) ? req.host : undefined;
  return {
    request: stated(req),
    from: { pod: '', sidecar: true, node: dump.node ?? '', dump: file },
    destination: { host: req.host, ...(ip ? { ip } : {}) },
    ...explainOutbound(dump.snapshot, { ...req, ...(ip ? { destinationIp: ip } : {}) }),
    server: [],
    configVersion: dump.snapshot.versions,
  };
}

export async function explainRequest(kube: KubeClient, req: RequestToExplain, opts: XdsOptions): Promise<RequestExplanation> {
  const client = await getPod(kube, req.from);
  return withIstiod(kube, opts, async (xds) => {
    const got = await ghostConfigOf(client, xds, opts.timeoutMs);
    const resolved = await resolveHost(kube, req.host, client.metadata.namespace ?? req.from.namespace);
    const request: ExplainRequest = {
      scheme: req.scheme, host: req.host, port: req.port, path: req.path, method: req.method, headers: req.headers,
      ...(resolved.ip ? { destinationIp: resolved.ip } : {}),
    };
    const outbound = explainOutbound(got.snapshot, request);
    const server: InboundExplanation[] = [];
    const peerAuthentications = (await kube.serves('security.istio.io/v1', 'PeerAuthentication'))
      ? await kube.list('security.istio.io/v1', 'PeerAuthentication') : [];
    const principal = `spiffe://cluster.local/ns/${client.metadata.namespace}/sa/${client.spec?.serviceAccountName ?? 'default'}`;
    for (const c of outbound.clusters) {
      const ep = c.endpoints[0];
      if (!ep) continue;
      const [ip, portText] = [ep.address.slice(0, ep.address.lastIndexOf(':')), ep.address.slice(ep.address.lastIndexOf(':') + 1)];
      const namespace = c.host.split('.')[1];
      const pods = namespace ? await kube.list('v1', 'Pod', { namespace }) : [];
      const pod = pods.find((p) => p.status?.podIP === ip);
      if (!pod) continue;
      const dest = await ghostConfigOf(pod, xds, opts.timeoutMs);
      const port = Number(portText);
      // a client without a sidecar sends what its application sends: plaintext, with no identity
      const mtls = got.hasSidecar && c.upstreamTls.startsWith('ISTIO_MUTUAL') && (c.upstreamTls === 'ISTIO_MUTUAL' || ep.sidecar);
      const inbound = explainInbound(dest.snapshot, {
        port, mtls, ...(mtls ? { principal } : {}), ...(client.status?.podIP ? { sourceIp: client.status.podIP } : {}), destinationIp: ip,
        method: req.method, host: req.port === 80 ? req.host : `${req.host}:${req.port}`, path: req.path, headers: req.headers,
      });
      const pa = peerAuthenticationFor(pod, port, peerAuthentications);
      server.push({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, ...inbound, ...(pa ? { peerAuthentication: pa } : { peerAuthentication: 'no PeerAuthentication: the mesh default' }) });
    }
    return {
      request: stated(req),
      from: { pod: `${client.metadata.namespace}/${client.metadata.name}`, sidecar: got.hasSidecar, node: got.node.id },
      destination: resolved,
      ...outbound,
      server,
      configVersion: got.snapshot.versions,
      ...(got.snapshot.unknownTypes.length ? { undecodedTypes: got.snapshot.unknownTypes } : {}),
    };
  });
}
