// What the generators of committed assets share: the pinned upstream versions (scripts/upstream-versions.env),
// a Go module's directory in the module cache, and writing the asset or checking it is up to date (--check).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export const versions = Object.fromEntries(readFileSync(join(root, 'scripts', 'upstream-versions.env'), 'utf8').split('\n')
  .map((l) => /^([A-Z_]+)=(.*)$/.exec(l.trim())).filter(Boolean).map((m) => [m[1], m[2]]));

/** The directory of a module in Go's module cache (downloaded through the module proxy when absent). */
export function moduleDir(path, version) {
  const out = execFileSync('go', ['mod', 'download', '-json', `${path}@${version}`], { env: { ...process.env, GOFLAGS: '-mod=mod' } }).toString();
  return JSON.parse(out).Dir;
}

/** Writes `text` to `target`, or with --check exits 1 when the file differs from it. Returns when written. */
export function writeOrCheck(target, text, generator, summary) {
  if (process.argv.includes('--check')) {
    const same = readFileSync(target, 'utf8') === text;
    console.log(same ? `${target} is up to date` : `${target} differs from what ${generator} generates`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(target, text);
  console.log(`${target}: ${summary}`);
}
