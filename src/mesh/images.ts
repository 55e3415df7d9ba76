/**
 * The container images a set of manifests makes the cluster pull, for `kind load docker-image` and
 * air-gapped registries. Pure.
 */
import { objectRef, type K8sObject } from '../manifests/object.js';
import type { Release } from '../release/download.js';
import type { Profile } from './istio/profiles.js';
import type { SampleSpec } from './samples.js';

export interface ImageUse {
  image: string;
  /** What pulls it: "Deployment istio-system/istiod", "sidecar injection". */
  users: string[];
}

/** The pod spec of a workload kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). */
function podSpec(o: K8sObject): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

/**
 * The image the injector puts in for `image: auto` and in every injected pod, from the rendered
 * istio-sidecar-injector ConfigMap's values (hub, proxy image, tag, variant); undefined without one.
 */
export function proxyImage(objects: K8sObject[]): string | undefined {
  const injector = objects.find((o) => o.kind === 'ConfigMap' && /^istio-sidecar-injector/.test(o.metadata.name) && typeof (o as any).data?.values === 'string');
  if (!injector) return undefined;
  let values: any;
  try {
    values = JSON.parse((injector as any).data.values);
  } catch {
    return undefined;
  }
  const g = values?.global ?? {};
  const image = g.proxy?.image ?? 'proxyv2';
  if (String(image).includes('/')) return String(image);
  const variant = g.variant ? `-${g.variant}` : '';
  return g.hub && g.tag !== undefined ? `${g.hub}/${image}:${g.tag}${variant}` : undefined;
}

/** Every image the objects' containers name, with what uses each; `auto` resolved to the injected proxy. */
export function imagesOf(objects: K8sObject[], source = ''): ImageUse[] {
  const proxy = proxyImage(objects);
  const uses = new Map<string, Set<string>>();
  const add = (image: string, user: string) => {
    let set = uses.get(image);
    if (!set) uses.set(image, (set = new Set()));
    set.add(user);
  };
  for (const o of objects) {
    const spec = podSpec(o);
    if (!spec || typeof spec !== 'object') continue;
    const ref = `${source}${objectRef(o)}`;
    for (const c of [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])]) {
      if (typeof c?.image !== 'string') continue;
      if (c.image === 'auto') {
        if (proxy) add(proxy, ref);
      } else add(c.image, ref);
    }
  }
  if (proxy) add(proxy, 'sidecar injection');
  return [...uses].map(([image, users]) => ({ image, users: [...users].sort() })).sort((a, b) => a.image.localeCompare(b.image));
}

/** Merges image lists (the same image from several sources listed once). */
export function mergeImages(...lists: ImageUse[][]): ImageUse[] {
  const all = new Map<string, Set<string>>();
  for (const l of lists) for (const u of l) for (const user of u.users) (all.get(u.image) ?? all.set(u.image, new Set()).get(u.image)!).add(user);
  return [...all].map(([image, users]) => ({ image, users: [...users].sort() })).sort((a, b) => a.image.localeCompare(b.image));
}

/** What `images` lists: the images of a profile as the release renders it, and of the addons and samples asked for. */
export async function imagesToList(release: Release, opts: { profile: Profile; sets: string[]; addons: boolean; samples: SampleSpec[] }): Promise<ImageUse[]> {
  const { renderIstio } = await import('./istio/render.js');
  const samples = await import('./samples.js');
  const lists = [imagesOf(await renderIstio(release, { profile: opts.profile, overlays: [], sets: opts.sets, defaultRevisionTag: true }))];
  if (opts.addons) {
    for (const a of samples.ADDONS) lists.push(imagesOf((await samples.addonManifests(a, release)).objects, `addon ${a}: `));
  }
  for (const s of opts.samples) lists.push(imagesOf((await samples.sampleManifests(s, release)).objects, `sample ${s.name}: `));
  return mergeImages(...lists);
}
