/**
 * meshctl's state directory ($MESHCTL_STATE_DIR, else $XDG_STATE_HOME/meshctl, else ~/.local/state/meshctl):
 * local clusters (their keys, certificates, logs and sockets), the local release, up's records. It is private as
 * ssh's ~/.ssh is: every directory meshctl makes there is 0700, and one that is a symbolic link, owned by another
 * user, or writable by group or others (or inside such a directory without the sticky bit) is refused, since
 * whoever can write there can plant what meshctl later reads or signals. An existing directory of meshctl's own
 * that is merely readable by others is tightened to 0700.
 */
import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../ui/errors.js';

/** meshctl's state directory: $MESHCTL_STATE_DIR, else $XDG_STATE_HOME/meshctl, else ~/.local/state/meshctl. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.MESHCTL_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(env.HOME ?? homedir(), '.local', 'state'), 'meshctl'));
}

/** Why `path` (an existing directory meshctl keeps private) cannot be used, or undefined when it can. */
export function unsafeDirReason(path: string, uid: number): string | undefined {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  if (st.uid !== uid) return `is owned by another user (uid ${st.uid})`;
  if ((st.mode & 0o022) !== 0) return `is writable by ${st.mode & 0o020 ? 'its group' : 'other users'} (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Why the parent `path` lets others replace what is in it: writable by group or others without the sticky bit. */
function unsafeParentReason(path: string, uid: number): string | undefined {
  const st = statSync(path);
  if (st.uid !== uid && st.uid !== 0) return `is owned by another user (uid ${st.uid})`;
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) return `is writable by others without the sticky bit (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}

/**
 * Makes (or checks) `path`, which must be the state root or inside it, and every directory between: each one 0700 and
 * the user's own. Returns `path`. A directory that fails the check is a usage error naming it and what to do.
 */
export function privateStateDir(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = stateRoot(env);
  const target = resolve(path);
  const rel = relative(root, target);
  if (rel.startsWith('..') || rel.startsWith(sep)) throw new Error(`${target} is not inside meshctl's state directory ${root}`);
  const uid = process.getuid?.() ?? 0;
  const refuse = (dir: string, reason: string) => new UsageError(
    `meshctl's state directory ${dir} ${reason}: it holds cluster keys, so it must be a directory of your own that only you can write ` +
    `(fix it, or set MESHCTL_STATE_DIR to a private directory)`);
  mkdirSync(dirname(root), { recursive: true });
  const parentReason = unsafeParentReason(dirname(root), uid);
  if (parentReason) throw refuse(dirname(root), parentReason);
  let dir = root;
  for (const part of ['', ...(rel === '' ? [] : rel.split(sep))]) {
    dir = part === '' ? root : join(dir, part);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const reason = unsafeDirReason(dir, uid);
    if (reason) throw refuse(dir, reason);
    if ((lstatSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  }
  return target;
}
