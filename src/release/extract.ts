/**
 * Safe extraction of a release archive: every entry is checked before anything is written (absolute
 * paths, `..`, links leaving the root, device files and entries outside the top directory are refused),
 * then the archive is extracted strictly, so a truncated or corrupt archive fails instead of leaving a
 * partial tree.
 */
import { posix } from 'node:path';
import { InputError } from '../ui/errors.js';

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link', 'ExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath', 'OldGnuLongPath']);

/** Why an archive entry is unsafe, or undefined when it is fine. Pure. */
export function unsafeEntryReason(entry: { path: string; type: string; linkpath?: string }, topDir: string): string | undefined {
  const p = entry.path;
  if (!ALLOWED.has(entry.type)) return `entry "${p}" is a ${entry.type}; only files, directories and links are allowed`;
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p)) return `entry "${p}" has an absolute path`;
  if (p.split(/[\\/]/).includes('..')) return `entry "${p}" contains ".."`;
  const normal = posix.normalize(p);
  if (normal !== topDir && !normal.startsWith(`${topDir}/`) && normal !== `${topDir}/`) return `entry "${p}" is outside the release directory ${topDir}/`;
  if (entry.type === 'SymbolicLink') {
    const target = entry.linkpath ?? '';
    if (target.startsWith('/')) return `link "${p}" points to the absolute path "${target}"`;
    const resolved = posix.normalize(posix.join(posix.dirname(normal), target));
    if (resolved === '..' || resolved.startsWith('../') || !(resolved === topDir || resolved.startsWith(`${topDir}/`))) {
      return `link "${p}" points outside the release ("${target}")`;
    }
  }
  if (entry.type === 'Link') {
    const target = posix.normalize(entry.linkpath ?? '');
    if (target.startsWith('/') || target.startsWith('../') || !target.startsWith(`${topDir}/`)) return `hard link "${p}" points outside the release ("${entry.linkpath}")`;
  }
  return undefined;
}

/** Checks every entry, then extracts `file` into `cwd`. Throws an InputError naming the first problem. */
export async function safeExtract(file: string, cwd: string, topDir: string): Promise<void> {
  const tar = await import('tar');
  const problems: string[] = [];
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (entry) => {
        const why = unsafeEntryReason({ path: entry.path, type: entry.type, linkpath: entry.linkpath }, topDir);
        if (why) problems.push(why);
        entry.resume();
      },
    });
  } catch (err) {
    throw new InputError(`the release archive is corrupt or truncated: ${(err as Error).message}`, { cause: err });
  }
  if (problems.length > 0) throw new InputError(`refusing the release archive: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  try {
    await tar.x({ file, cwd, strict: true, preservePaths: false, preserveOwner: false });
  } catch (err) {
    throw new InputError(`extracting the release archive failed: ${(err as Error).message}`, { cause: err });
  }
}
