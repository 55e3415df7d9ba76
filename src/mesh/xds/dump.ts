/**
 * An Envoy config dump (`/config_dump?include_eds`, as `meshctl proxy-config all -o json` writes it or an Envoy's
 * admin page serves it) read back as the resources istiod sent: `proxy-config --file` and `explain request --file`
 * work from it without a cluster. Pure.
 */
import type { XdsSnapshot } from './client.js';
import { TYPE } from './client.js';
import { obj, list, type Obj, type Json } from './types.js';

/** A resource without its Any type. */
const bare = (x: Json | undefined): Obj => {
  const { '@type': _type, ...rest } = obj(x);
  return rest;
};

/** The resources of a config dump; throws Error (with what is wrong) when `doc` is not one. */
export function snapshotFromDump(doc: unknown): XdsSnapshot {
  const configs = list(obj(doc as Json).configs).map(obj);
  if (configs.length === 0) throw new Error('not an Envoy config dump (no "configs" list)');
  const of = (suffix: string) => configs.filter((c) => String(c['@type'] ?? '').endsWith(`.${suffix}`));
  const snap: XdsSnapshot = { clusters: [], listeners: [], routes: [], endpoints: [], versions: {}, unknownTypes: [] };
  for (const c of of('ClustersConfigDump')) {
    if (c.versionInfo) snap.versions[TYPE.cluster] = String(c.versionInfo);
    for (const x of [...list(c.staticClusters), ...list(c.dynamicActiveClusters)].map(obj)) snap.clusters.push(bare(x.cluster));
  }
  for (const c of of('ListenersConfigDump')) {
    if (c.versionInfo) snap.versions[TYPE.listener] = String(c.versionInfo);
    for (const x of list(c.staticListeners).map(obj)) snap.listeners.push(bare(x.listener));
    for (const x of list(c.dynamicListeners).map(obj)) if (obj(x.activeState).listener) snap.listeners.push(bare(obj(x.activeState).listener));
  }
  for (const c of of('RoutesConfigDump')) {
    for (const x of [...list(c.staticRouteConfigs), ...list(c.dynamicRouteConfigs)].map(obj)) {
      snap.routes.push(bare(x.routeConfig));
      if (x.versionInfo) snap.versions[TYPE.route] = String(x.versionInfo);
    }
  }
  for (const c of of('EndpointsConfigDump')) {
    for (const x of [...list(c.staticEndpointConfigs), ...list(c.dynamicEndpointConfigs)].map(obj)) {
      snap.endpoints.push(bare(x.endpointConfig));
      if (x.versionInfo) snap.versions[TYPE.endpoint] = String(x.versionInfo);
    }
  }
  if (!snap.clusters.length && !snap.listeners.length && !snap.routes.length) throw new Error('the config dump holds no clusters, listeners or routes');
  return snap;
}

/** The node of the dump's bootstrap, if it has one ("sidecar~10.244.0.9~productpage-….bookinfo~bookinfo.svc.cluster.local"). */
export function nodeOfDump(doc: unknown): string | undefined {
  const boot = list(obj(doc as Json).configs).map(obj).find((c) => String(c['@type'] ?? '').endsWith('.BootstrapConfigDump'));
  const id = obj(obj(boot?.bootstrap).node).id;
  return typeof id === 'string' ? id : undefined;
}

/** Reads a config dump file: exit 65 naming the file when it cannot be read or is not a dump. */
export async function readDump(file: string): Promise<{ snapshot: XdsSnapshot; node?: string }> {
  const { readFile } = await import('node:fs/promises');
  const { ExitCode, MeshctlError } = await import('../../ui/errors.js');
  let doc: unknown;
  try {
    const text = await readFile(file, 'utf8');
    doc = JSON.parse(text);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new MeshctlError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e instanceof SyntaxError ? `not JSON: ${e.message}` : e.message}`, ExitCode.InvalidInput);
  }
  try {
    const node = nodeOfDump(doc);
    return { snapshot: snapshotFromDump(doc), ...(node ? { node } : {}) };
  } catch (err) {
    throw new MeshctlError(`${file}: ${(err as Error).message}`, ExitCode.InvalidInput);
  }
}
