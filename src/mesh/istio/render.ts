/**
 * Rendering Istio's control plane with the release's own istioctl (`manifest generate`), so the
 * manifests are exactly what that release would install.
 */
import { InputError, MeshctlError, UsageError } from '../../ui/errors.js';
import type { K8sObject } from '../../manifests/object.js';
import type { Release } from '../../release/download.js';
import type { Profile } from './profiles.js';
import { DEFAULT_TAG_SETS, asIstioctlLeavesThem } from './revision-tag.js';

export interface RenderOptions {
  profile: Profile;
  /** IstioOperator overlay files, applied after the profile. */
  overlays: string[];
  /** `--set path=value` settings, applied last. */
  sets: string[];
  /** Also render the default revision tag (its webhooks and Service), as `istioctl install` deploys it. */
  defaultRevisionTag?: boolean;
}

/** The arguments given to `istioctl manifest generate`: profile, hub/tag pinned to the release, overlays, sets. */
export function manifestGenerateArgs(release: Pick<Release, 'version'>, opts: RenderOptions): string[] {
  return [
    'manifest', 'generate', '-f', opts.profile.path,
    '--set', 'hub=docker.io/istio', '--set', `tag=${release.version}`,
    ...opts.overlays.flatMap((f) => ['-f', f]),
    ...opts.sets.flatMap((s) => ['--set', s]),
    ...(opts.defaultRevisionTag ? DEFAULT_TAG_SETS.flatMap((s) => ['--set', s]) : []),
  ];
}

/** Checks the form of `--set` settings (PATH=VALUE) without running anything. */
export function checkSets(sets: string[]): void {
  for (const s of sets) if (!/^[A-Za-z0-9_.[\]-]+=/.test(s)) throw new UsageError(`--set "${s}": expected PATH=VALUE, e.g. values.global.logging.level=debug`);
}

/**
 * Where a render is kept: keyed by the release's archive checksum, istioctl's arguments and the content of every
 * file they name. `istioctl manifest generate` is a pure function of those (it runs with an empty kubeconfig),
 * so a re-run with the same inputs reads the objects back instead of running it again (about 0.4 s).
 */
async function renderCachePath(release: Release, args: string[]): Promise<string | undefined> {
  const { createHash } = await import('node:crypto');
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { cacheRoot } = await import('../../release/download.js');
  const hash = createHash('sha256').update(JSON.stringify([release.sha256, release.version, args]));
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '-f') continue;
    const text = await readFile(args[i + 1]).catch(() => undefined);
    if (text === undefined) return undefined;
    hash.update(text);
  }
  return join(cacheRoot(), 'rendered', `${hash.digest('hex')}.json`);
}

/** Renders the manifests; istioctl's complaint about a bad --set or overlay becomes a usage error. */
export async function renderIstio(release: Release, opts: RenderOptions): Promise<K8sObject[]> {
  checkSets(opts.sets);
  const args = manifestGenerateArgs(release, opts);
  const cached = release.sha256 ? await renderCachePath(release, args) : undefined;
  const { readFile, writeFile, mkdir, rename } = await import('node:fs/promises');
  const hit = cached ? await readFile(cached, 'utf8').then((t) => JSON.parse(t) as K8sObject[], () => undefined) : undefined;
  const objects = hit ?? await runManifestGenerate(release, args, opts);
  if (cached && !hit) {
    const { dirname } = await import('node:path');
    // written whole, then renamed: a reader never sees half a render
    await mkdir(dirname(cached), { recursive: true }).then(() => writeFile(`${cached}.${process.pid}`, JSON.stringify(objects)))
      .then(() => rename(`${cached}.${process.pid}`, cached)).catch(() => { /* no cache: the next run renders again */ });
  }
  return opts.defaultRevisionTag ? asIstioctlLeavesThem(objects) : objects;
}

async function runManifestGenerate(release: Release, args: string[], opts: RenderOptions): Promise<K8sObject[]> {
  const { execa } = await import('execa');
  const res = await execa(release.istioctl, args, { reject: false, maxBuffer: 256 << 20, env: { KUBECONFIG: '/dev/null' } });
  if (res.exitCode !== 0) {
    const why = (res.stderr || res.stdout).split('\n').map((l) => l.replace(/^Error:\s*/, '').trim()).filter(Boolean).pop() ?? `exit ${res.exitCode}`;
    if (opts.sets.length > 0 || opts.overlays.length > 0) throw new UsageError(`istioctl rejected the settings: ${why}`);
    throw new MeshctlError(`istioctl manifest generate failed: ${why}`);
  }
  const { parseAllDocuments } = await import('yaml');
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(res.stdout)) {
    if (doc.errors.length > 0) throw new InputError(`istioctl rendered invalid YAML: ${doc.errors[0].message}`);
    const o = doc.toJS();
    if (o && typeof o === 'object' && o.kind) objects.push(o);
  }
  return objects;
}
