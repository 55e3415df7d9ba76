/**
 * Safe extraction of a release archive: every entry is checked before anything is written (absolute
 * paths, `..`, links leaving the root, even through other links, device files, entries outside the top
 * directory, more entries or bytes than any release has), then the archive is extracted strictly, so a
 * truncated or corrupt archive fails instead of leaving a partial tree. setuid, setgid and sticky bits are
 * dropped: a release has no reason to carry them.
 */
import { posix } from 'node:path';
import { InputError } from '../ui/errors.js';

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link', 'ExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath', 'OldGnuLongPath']);

export interface Limits {
  entries: number;
  bytes: number;
}

/** An Istio release has a few thousand entries and under 300 MB unpacked; these bounds leave room. */
export const RELEASE_LIMITS: Limits = { entries: 50_000, bytes: 1024 * 1024 * 1024 };
/** Links followed while resolving one path, as Linux's own bound (ELOOP). */
const MAX_LINK_HOPS = 40;

export interface ArchiveEntry {
  path: string;
  type: string;
  linkpath?: string;
  size?: number;
}

/** Why an archive entry is unsafe on its own, or undefined when it is fine. Pure. */
export function unsafeEntryReason(entry: ArchiveEntry, topDir: string): string | undefined {
  const p = entry.path;
  if (!ALLOWED.has(entry.type)) return `entry "${p}" is a ${entry.type}; only files, directories and links are allowed`;
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p)) return `entry "${p}" has an absolute path`;
  if (p.split(/[\\/]/).includes('..')) return `entry "${p}" contains ".."`;
  if (!inside(posix.normalize(p), topDir)) return `entry "${p}" is outside the release directory ${topDir}/`;
  if (entry.type === 'SymbolicLink') {
    const target = entry.linkpath ?? '';
    if (target.startsWith('/')) return `link "${p}" points to the absolute path "${target}"`;
    if (!inside(posix.normalize(posix.join(posix.dirname(posix.normalize(p)), target)), topDir)) return `link "${p}" points outside the release ("${target}")`;
  }
  if (entry.type === 'Link' && !inside(posix.normalize(entry.linkpath ?? ''), topDir)) {
    return `hard link "${p}" points outside the release ("${entry.linkpath}")`;
  }
  return undefined;
}

function inside(path: string, topDir: string): boolean {
  const p = path.replace(/\/$/, '');
  return p === topDir || p.startsWith(`${topDir}/`);
}

/**
 * Resolves `path` (relative to the extraction directory) as the file system will once the archive's
 * symbolic links exist: each component that is one of `links` is replaced by its target. Undefined when the
 * walk climbs above the extraction directory or follows too many links. Pure.
 */
export function resolveThroughLinks(path: string, links: ReadonlyMap<string, string>): string | undefined {
  const todo = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let hops = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '..') {
      if (done.length === 0) return undefined;
      done.pop();
      continue;
    }
    const target = links.get([...done, part].join('/'));
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_LINK_HOPS || target.startsWith('/')) return undefined;
    todo.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
  }
  return done.join('/');
}

/**
 * Every reason to refuse the archive, from its list of entries: each entry on its own, then each path
 * resolved through the archive's links (a link to a link can leave the root where each alone stays
 * inside), then the totals. Pure.
 */
export function archiveProblems(entries: readonly ArchiveEntry[], topDir: string, limits: Limits = RELEASE_LIMITS): string[] {
  const problems: string[] = [];
  if (entries.length > limits.entries) problems.push(`it has ${entries.length} entries, more than the ${limits.entries} a release may have`);
  const total = entries.reduce((sum, e) => sum + (e.size ?? 0), 0);
  if (total > limits.bytes) problems.push(`it unpacks to ${(total / 1048576).toFixed(1)} MiB, more than the ${(limits.bytes / 1048576).toFixed(1)} MiB a release may have`);
  const links = new Map<string, string>();
  for (const e of entries) {
    const why = unsafeEntryReason(e, topDir);
    if (why) problems.push(why);
    else if (e.type === 'SymbolicLink') links.set(posix.normalize(e.path).replace(/\/$/, ''), e.linkpath ?? '');
  }
  if (problems.length > 0 || links.size === 0) return problems;
  for (const e of entries) {
    const path = posix.normalize(e.path).replace(/\/$/, '');
    // where the entry is written (its directory, through links), and for links where they lead
    const parent = resolveThroughLinks(posix.dirname(path), links);
    if (parent === undefined || !inside(posix.join(parent, posix.basename(path)), topDir)) {
      problems.push(`entry "${e.path}" would be written through a link outside the release`);
    } else if (e.type === 'SymbolicLink') {
      // joined without normalizing: `X/..` means X's target's parent, not nothing
      const to = resolveThroughLinks(`${parent}/${e.linkpath ?? ''}`, links);
      if (to === undefined || !inside(to, topDir)) problems.push(`link "${e.path}" leads outside the release through other links ("${e.linkpath}")`);
    } else if (e.type === 'Link') {
      const to = resolveThroughLinks(e.linkpath ?? '', links);
      if (to === undefined || !inside(to, topDir)) problems.push(`hard link "${e.path}" leads outside the release through links ("${e.linkpath}")`);
    }
  }
  return problems;
}

/** Checks every entry, then extracts `file` into `cwd`. Throws an InputError naming the first problem. */
export async function safeExtract(file: string, cwd: string, topDir: string, limits: Limits = RELEASE_LIMITS): Promise<void> {
  const tar = await import('tar');
  const entries: ArchiveEntry[] = [];
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (entry) => {
        entries.push({ path: entry.path, type: entry.type, linkpath: entry.linkpath, size: entry.size });
        entry.resume();
      },
    });
  } catch (err) {
    throw new InputError(`the release archive is corrupt or truncated: ${(err as Error).message}`, { cause: err });
  }
  const problems = archiveProblems(entries, topDir, limits);
  if (problems.length > 0) throw new InputError(`refusing the release archive: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  try {
    await tar.x({
      file,
      cwd,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      // the mode is applied when the entry is written: keep the permission bits only
      filter: (_path, entry) => {
        if ('mode' in entry && typeof entry.mode === 'number') entry.mode &= 0o777;
        return true;
      },
    });
  } catch (err) {
    throw new InputError(`extracting the release archive failed: ${(err as Error).message}`, { cause: err });
  }
}
