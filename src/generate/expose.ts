/** `meshctl expose`: make a service reachable through the ingress gateway. */
import { ISTIO_NETWORKING, destination } from './compose.js';
import type { K8sObject } from '../manifests/object.js';

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
