/**
 * A ghost proxy's xDS session: one ADS stream (gRPC, plaintext, as a sidecar on istiod's port 15010) that asks for
 * clusters and listeners, then for the endpoints and routes they name, ACKs every answer as Envoy does, and returns
 * what istiod sent, decoded to protojson. Bounded: it gives up after `timeoutMs`.
 */
import * as grpc from '@grpc/grpc-js';
import { CheckFailedError } from '../../ui/errors.js';
import { decodeToJson, messageType, typeOfUrl, type Obj, type Json } from './types.js';
import type { GhostNode } from './ghost.js';

export const TYPE = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
} as const;

/** What istiod sent a ghost: each xDS type's resources (protojson) and the version it sent them at. */
export interface XdsSnapshot {
  clusters: Obj[];
  listeners: Obj[];
  endpoints: Obj[];
  routes: Obj[];
  /** version_info of each type's answer. */
  versions: Record<string, string>;
  /** Any type URLs in the answers that meshctl's descriptors do not know (kept as bytes). */
  unknownTypes: string[];
}

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** google.protobuf.Struct (protobufjs's object form) of a JSON object. */
function struct(obj: Record<string, unknown>): unknown {
  const value = (v: unknown): unknown => {
    if (v === null || v === undefined) return { null_value: 0 };
    if (typeof v === 'string') return { string_value: v };
    if (typeof v === 'number') return { number_value: v };
    if (typeof v === 'boolean') return { bool_value: v };
    if (Array.isArray(v)) return { list_value: { values: v.map(value) } };
    return { struct_value: struct(v as Record<string, unknown>) };
  };
  return { fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, value(v)])) };
}

/** The names of the EDS clusters (their endpoints are asked for by name). */
export function edsClusterNames(clusters: Obj[]): string[] {
  return clusters.filter((c) => c.type === 'EDS').map((c) => String((c.edsClusterConfig as Obj | undefined)?.serviceName ?? c.name)).sort();
}

/** The route configurations the listeners' HTTP connection managers load by RDS. */
export function rdsRouteNames(listeners: Obj[]): string[] {
  const names = new Set<string>();
  const visit = (x: Json): void => {
    if (Array.isArray(x)) { x.forEach(visit); return; }
    if (!x || typeof x !== 'object') return;
    if (typeof x['@type'] === 'string' && x['@type'].endsWith('.HttpConnectionManager')) {
      const rds = x.rds as Obj | undefined;
      if (typeof rds?.routeConfigName === 'string') names.add(rds.routeConfigName);
    }
    for (const v of Object.values(x)) visit(v);
  };
  listeners.forEach(visit);
  return [...names].sort();
}

/**
 * Connects to istiod's xDS server at `address` (host:port, plaintext) as `node`, and returns the first complete
 * configuration: clusters, listeners, and the endpoints and routes they name. Exit 2 when istiod cannot be reached,
 * refuses, or does not answer in time.
 */
export async function fetchXds(address: string, node: GhostNode, opts: { timeoutMs: number }): Promise<XdsSnapshot> {
  const reqType = messageType('envoy.service.discovery.v3.DiscoveryRequest')!;
  const resType = messageType('envoy.service.discovery.v3.DiscoveryResponse')!;
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 256 << 20 });
  const call = client.makeBidiStreamRequest(ADS,
    (m: Record<string, unknown>) => Buffer.from(reqType.encode(reqType.fromObject(m)).finish()),
    (b: Buffer) => resType.decode(b) as unknown as Record<string, any>,
    new grpc.Metadata(), { deadline: Date.now() + opts.timeoutMs });
  const unknown = new Set<string>();
  const got: Partial<Record<string, Obj[]>> = {};
  const versions: Record<string, string> = {};
  const asked: Record<string, string[]> = {};
  let first = true;
  const send = (typeUrl: string, names: string[], ack?: { version: string; nonce: string }) => {
    asked[typeUrl] = names;
    call.write({
      ...(first ? { node: { id: node.id, cluster: node.cluster, metadata: struct(node.metadata) } } : {}),
      type_url: typeUrl, resource_names: names,
      ...(ack ? { version_info: ack.version, response_nonce: ack.nonce } : {}),
    });
    first = false;
  };
  try {
    return await new Promise<XdsSnapshot>((resolve, reject) => {
      const done = () => {
        // endpoints and routes are asked for once clusters and listeners name them (asked for none: none needed)
        if (asked[TYPE.endpoint] === undefined || asked[TYPE.route] === undefined) return;
        const need = [TYPE.cluster, TYPE.listener, ...[TYPE.endpoint, TYPE.route].filter((t) => asked[t].length)];
        if (!need.every((t) => got[t])) return;
        resolve({
          clusters: got[TYPE.cluster]!, listeners: got[TYPE.listener]!, endpoints: got[TYPE.endpoint] ?? [], routes: got[TYPE.route] ?? [],
          versions, unknownTypes: [...unknown].sort(),
        });
      };
      call.on('data', (res: Record<string, any>) => {
        const typeUrl = String(res.type_url);
        const resources = ((res.resources ?? []) as { type_url: string; value: Uint8Array }[]).map((a) => {
          const t = typeOfUrl(a.type_url);
          if (!t) { unknown.add(a.type_url); return {}; }
          return decodeToJson(t, a.value, unknown);
        });
        got[typeUrl] = resources;
        versions[typeUrl] = String(res.version_info ?? '');
        send(typeUrl, asked[typeUrl] ?? [], { version: String(res.version_info ?? ''), nonce: String(res.nonce ?? '') });
        if (typeUrl === TYPE.cluster && asked[TYPE.endpoint] === undefined) {
          const names = edsClusterNames(resources);
          if (names.length) send(TYPE.endpoint, names); else asked[TYPE.endpoint] = [];
        }
        if (typeUrl === TYPE.listener && asked[TYPE.route] === undefined) {
          const names = rdsRouteNames(resources);
          if (names.length) send(TYPE.route, names); else asked[TYPE.route] = [];
        }
        done();
      });
      call.on('error', (err: grpc.ServiceError) => reject(err));
      call.on('end', () => reject(new CheckFailedError(`istiod at ${address} ended the xDS stream before sending a whole configuration`)));
      send(TYPE.cluster, []);
      send(TYPE.listener, []);
    });
  } catch (err) {
    const e = err as grpc.ServiceError;
    if (e instanceof CheckFailedError) throw e;
    if (e.code === grpc.status.DEADLINE_EXCEEDED) {
      throw new CheckFailedError(`istiod at ${address} did not send a whole configuration for ${node.id} within ${Math.round(opts.timeoutMs / 1000)}s`);
    }
    if (e.code === grpc.status.UNAVAILABLE) throw new CheckFailedError(`istiod's xDS server at ${address} is unreachable: ${e.details || e.message}`);
    throw new CheckFailedError(`istiod at ${address} refused the ghost proxy ${node.id}: ${e.details || e.message}`);
  } finally {
    call.cancel();
    client.close();
  }
}
