/** `meshctl expose`: make a service reachable through the ingress gateway. */
import { isDeepStrictEqual } from 'node:util';
import { ISTIO_NETWORKING, destination } from './compose.js';
import type { K8sObject } from '../manifests/object.js';
import { UsageError } from '../ui/errors.js';

export interface ExposeOptions {
  service: string;
  namespace: string;
  /** The service's port that requests go to. */
  port: number;
  hosts: string[];
  /** Path prefixes to expose (all paths when both lists are empty). */
  pathPrefixes: string[];
  exactPaths: string[];
  /** Port of the gateway's HTTP server. */
  gatewayPort: number;
  /** Labels selecting the ingress gateway pods. */
  gatewaySelector: Record<string, string>;
  /** Name of the Gateway to create (or of an existing one to bind to, with `createGateway: false`). */
  gatewayName: string;
  createGateway: boolean;
}

/** A Gateway (unless an existing one is named) and a VirtualService bound to it that routes to the service. */
export function expose(opts: ExposeOptions): K8sObject[] {
  const out: K8sObject[] = [];
  if (opts.createGateway) {
    out.push({
      apiVersion: ISTIO_NETWORKING,
      kind: 'Gateway',
      metadata: { name: opts.gatewayName, namespace: opts.namespace },
      spec: {
        selector: { ...opts.gatewaySelector },
        servers: [{ port: { number: opts.gatewayPort, name: `http-${opts.gatewayPort}`, protocol: 'HTTP' }, hosts: [...opts.hosts] }],
      },
    });
  }
  const http: any = { route: [{ destination: destination(opts.service, undefined, opts.port) }] };
  const match = [...opts.exactPaths.map((p) => ({ uri: { exact: p } })), ...opts.pathPrefixes.map((p) => ({ uri: { prefix: p } }))];
  if (match.length > 0) http.match = match;
  out.push({
    apiVersion: ISTIO_NETWORKING,
    kind: 'VirtualService',
    metadata: { name: `${opts.service}-ingress`, namespace: opts.namespace },
    spec: { hosts: [...opts.hosts], gateways: [opts.gatewayName], http: [http] },
  });
  return out;
}

/** Whether a Gateway server's host entry (a host, `*`, or a namespace and a host: `ns/host`, any namespace: `*` and a host) serves `host`. */
function serves(entry: string, host: string, namespace: string): boolean {
  const [ns, h] = entry.includes('/') ? entry.split('/', 2) : ['*', entry];
  if (ns !== '*' && ns !== '.' && ns !== namespace) return false;
  return h === '*' || h === host || (h.startsWith('*.') && host.endsWith(h.slice(1)));
}

/**
 * `expose` over what the namespace has: an ingress Gateway of the namespace on the same pods and port whose server
 * serves every host is attached to rather than a second one made (two Gateways on one port and host conflict,
 * IST0145, and one would take the other's routes); one that serves some of the hosts but not all is a conflict the
 * user must settle (exit 64). The service's existing `<service>-ingress` VirtualService keeps the routes it has
 * (meshctl's route is added when no route has its match) and the Gateways it is bound to.
 */
export function exposeInto(existing: K8sObject[], opts: ExposeOptions): K8sObject[] {
  let { gatewayName, createGateway } = opts;
  if (createGateway) {
    const onPort = existing.filter((o) => o.kind === 'Gateway' && (o.metadata.namespace ?? opts.namespace) === opts.namespace &&
      isDeepStrictEqual(o.spec?.selector ?? {}, opts.gatewaySelector))
      .flatMap((g) => ((g.spec?.servers ?? []) as any[]).filter((sv) => sv?.port?.number === opts.gatewayPort)
        .map((sv) => ({ g, hosts: (sv.hosts ?? []) as string[] })));
    const covering = onPort.find(({ hosts }) => opts.hosts.every((h) => hosts.some((e) => serves(e, h, opts.namespace))));
    if (covering) {
      gatewayName = covering.g.metadata.name;
      createGateway = false;
    } else {
      const overlapping = onPort.find(({ hosts }) => opts.hosts.some((h) => hosts.some((e) => serves(e, h, opts.namespace) || h === '*')));
      if (overlapping) {
        throw new UsageError(`Gateway ${opts.namespace}/${overlapping.g.metadata.name} already serves port ${opts.gatewayPort} of the ingress gateway for ` +
          `${overlapping.hosts.join(', ')}: a second Gateway there would conflict; pass --gateway ${overlapping.g.metadata.name} to attach to it, or other --host/--gateway-port`);
      }
    }
  }
  const made = expose({ ...opts, gatewayName, createGateway });
  const vs = made.find((o) => o.kind === 'VirtualService')!;
  const live = existing.find((o) => o.kind === 'VirtualService' && o.metadata.name === vs.metadata.name && (o.metadata.namespace ?? opts.namespace) === opts.namespace);
  if (!live) return made;
  const spec = structuredClone(live.spec ?? {});
  const ours = vs.spec.http[0];
  spec.hosts = [...new Set([...(spec.hosts ?? []), ...vs.spec.hosts])];
  spec.gateways = [...new Set([...(spec.gateways ?? []), ...vs.spec.gateways])];
  spec.http = [...(spec.http ?? [])];
  const same = spec.http.findIndex((r: any) => isDeepStrictEqual(r.match, ours.match));
  if (same === -1) spec.http.push(ours);
  else spec.http[same] = { ...spec.http[same], route: ours.route };
  return made.map((o) => (o === vs ? { ...vs, metadata: { ...live.metadata, name: vs.metadata.name, namespace: opts.namespace }, spec } : o));
}
