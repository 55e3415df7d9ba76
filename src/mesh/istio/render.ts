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

/** Renders the manifests; istioctl's complaint about a bad --set or overlay becomes a usage error. */
export async function renderIstio(release: Release, opts: RenderOptions): Promise<K8sObject[]> {
  checkSets(opts.sets);
  const { execa } = await import('execa');
  const res = await execa(release.istioctl, manifestGenerateArgs(release, opts), { reject: false, maxBuffer: 256 << 20, env: { KUBECONFIG: '/dev/null' } });
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
  return opts.defaultRevisionTag ? asIstioctlLeavesThem(objects) : objects;
}
