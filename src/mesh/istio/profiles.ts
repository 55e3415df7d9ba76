/**
 * meshctl's install profiles: IstioOperator overlays in the package's profiles/ directory.
 */
import { assetPath, listAssets, readAsset } from '../../assets.js';
import { UsageError } from '../../ui/errors.js';

export interface Profile {
  name: string;
  /** A file holding the overlay (for istioctl's -f). */
  path: string;
  description: string;
  text: string;
  /** The ingress gateway the profile enables (annotation meshctl.io/ingress-gateway), if any. */
  ingressGateway?: string;
}

/** The overlay that makes the profile's ingress gateway a NodePort Service with fixed node ports (Kind, local). */
export function nodePortOverlay(): string {
  return assetPath('profiles/overlays/nodeport-ingress.yaml');
}

/** Every profile, sorted by name. */
export async function listProfiles(): Promise<Profile[]> {
  return listAssets('profiles').filter((f) => f.endsWith('.yaml')).map((f) => readProfile(f.replace(/\.yaml$/, '')));
}

function readProfile(name: string): Profile {
  const file = `profiles/${name}.yaml`;
  const text = readAsset(file);
  const description = /meshctl\.io\/description:\s*"([^"]*)"/.exec(text)?.[1] ?? '';
  const ingressGateway = /meshctl\.io\/ingress-gateway:\s*(\S+)/.exec(text)?.[1];
  return { name, get path() { return assetPath(file); }, description, text, ...(ingressGateway ? { ingressGateway } : {}) };
}

/** A profile by name; an unknown name is a usage error listing the known ones. */
export async function getProfile(name: string): Promise<Profile> {
  const all = await listProfiles();
  const found = all.find((p) => p.name === name);
  if (!found) throw new UsageError(`unknown profile "${name}" (known profiles: ${all.map((p) => p.name).join(', ')})`);
  return found;
}
