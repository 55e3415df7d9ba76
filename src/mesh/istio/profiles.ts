/**
 * meshctl's install profiles: IstioOperator overlays in the project's profiles/ directory.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { UsageError } from '../../ui/errors.js';

export const PROFILES_DIR = fileURLToPath(new URL('../../../../profiles/', import.meta.url));

export interface Profile {
  name: string;
  path: string;
  description: string;
  text: string;
}

/** Every profile, sorted by name. */
export async function listProfiles(dir = PROFILES_DIR): Promise<Profile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map((f) => readProfile(f.replace(/\.yaml$/, ''), dir)));
}

async function readProfile(name: string, dir: string): Promise<Profile> {
  const path = join(dir, `${name}.yaml`);
  const text = await readFile(path, 'utf8');
  const description = /meshctl\.io\/description:\s*"([^"]*)"/.exec(text)?.[1] ?? '';
  return { name, path, description, text };
}

/** A profile by name; an unknown name is a usage error listing the known ones. */
export async function getProfile(name: string, dir = PROFILES_DIR): Promise<Profile> {
  const all = await listProfiles(dir);
  const found = all.find((p) => p.name === name);
  if (!found) throw new UsageError(`unknown profile "${name}" (known profiles: ${all.map((p) => p.name).join(', ')})`);
  return found;
}
