/**
 * The files that ship with meshctl (package.json, profiles/, samples/, schemas/): read from the package directory, or,
 * in the single executable, from the assets embedded in it (with `assets.json` listing their names).
 * The one place that knows where meshctl's own files are.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string, encoding: string): string;
}

let seaCache: SeaModule | null | undefined;

/** node:sea when running as a single executable (Node ≥ 20.16 has process.getBuiltinModule), else null. */
function sea(): SeaModule | null {
  if (seaCache === undefined) {
    const get = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    const mod = get?.('node:sea') as SeaModule | undefined;
    seaCache = mod?.isSea() ? mod : null;
  }
  return seaCache;
}

/** Whether this process is meshctl's single executable. */
export function isSingleExecutable(): boolean {
  return sea() !== null;
}

/**
 * The package directory: two levels above this module both when compiled by tsc (dist/src/assets.js) and
 * when bundled (dist/bundle/*.js).
 */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The text of a shipped file, by its path in the package (`profiles/demo.yaml`). */
export function readAsset(name: string): string {
  const s = sea();
  if (s) return s.getAsset(name, 'utf8');
  return readFileSync(join(packageRoot(), name), 'utf8');
}

/** The shipped files directly in a directory of the package (`profiles`), sorted. */
export function listAssets(dir: string): string[] {
  const s = sea();
  if (s) {
    const all: string[] = JSON.parse(s.getAsset('assets.json', 'utf8'));
    return all.filter((n) => n.startsWith(`${dir}/`) && !n.slice(dir.length + 1).includes('/')).map((n) => n.slice(dir.length + 1)).sort();
  }
  return readdirSync(join(packageRoot(), dir)).sort();
}

/** A path on disk holding the shipped file (the executable's assets are written to a temp file once). */
export function assetPath(name: string): string {
  if (!sea()) return join(packageRoot(), name);
  return materialized(name);
}

const written = new Map<string, string>();
function materialized(name: string): string {
  let path = written.get(name);
  if (!path) {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-asset-'));
    path = join(dir, name.replace(/\//g, '_'));
    writeFileSync(path, readAsset(name));
    written.set(name, path);
  }
  return path;
}
