/**
 * A lock file as kubectl's (`FILE.lock`, created exclusively): whoever creates it holds the lock until it removes it.
 * meshctl writes its process record into it, so a lock left by a meshctl that died (its record no longer matches a
 * running process) is taken over; a lock of anyone else (kubectl's are empty) is waited for, then reported.
 * Re-entrant within one process, and removed when a signal ends the process.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MeshctlError } from '../ui/errors.js';
import { isRecordedProcess, recordOf, type ProcessRecord } from './processes.js';

const held = new Map<string, number>();

export interface LockOptions {
  /** How long to wait for another holder (default 30 s). */
  timeoutMs?: number;
  /** Called once when the lock is held by another process and meshctl starts waiting. */
  onWait?: (holder: string) => void;
}

/** Who holds the lock at `path` ("pid N", or "another program"), and whether that holder has gone. */
function holderOf(path: string): { who: string; gone: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const rec = JSON.parse(text) as Partial<ProcessRecord>;
    if (typeof rec?.pid === 'number') return { who: `meshctl pid ${rec.pid}`, gone: !isRecordedProcess(rec) };
  } catch { /* not ours */ }
  return { who: 'another program', gone: false };
}

/**
 * Removes a lock whose holder has gone. Another process may have done so and taken the lock meanwhile, so the file is
 * first moved aside (atomically); if what was moved turns out to be held, it is put back (a hard link, which fails
 * rather than overwrite a newer lock) and the next round waits for it.
 */
function takeOverStale(path: string): void {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  if (holderOf(aside)?.gone === false) {
    try {
      linkSync(aside, path);
    } catch { /* a newer lock is there already */ }
  }
  rmSync(aside, { force: true });
}

/** Runs `fn` holding the lock file `path`; a lock that stays held by another beyond the timeout is an error naming it. */
export async function withLockFile<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const depth = held.get(path) ?? 0;
  if (depth > 0) {
    held.set(path, depth + 1);
    try {
      return await fn();
    } finally {
      held.set(path, (held.get(path) ?? 1) - 1);
    }
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(recordOf(process.pid) ?? { pid: process.pid }));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = holderOf(path);
    if (holder?.gone) {
      takeOverStale(path);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new MeshctlError(`${path} is held by ${holder?.who ?? 'another program'}: wait for it to finish, or remove the file if nothing is running`);
    }
    if (!told && holder) {
      told = true;
      opts.onWait?.(holder.who);
    }
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
  }
  held.set(path, 1);
  const { cleanupOnSignal } = await import('../ui/interrupt.js');
  const stopCleanup = cleanupOnSignal(() => rmSync(path, { force: true }));
  try {
    return await fn();
  } finally {
    stopCleanup();
    held.delete(path);
    rmSync(path, { force: true });
  }
}

/**
 * Runs `fn` holding meshctl's lock named `key` (`<state>/locks/KEY.lock`; `local-NAME` for a local cluster, `kind-NAME`),
 * so that create, up, down and delete of one cluster never run at once: a second one waits, saying so, until the first is
 * done, then sees what it left.
 */
export async function withStateLock<T>(key: string, what: string, fn: () => Promise<T>, onWait?: (line: string) => void): Promise<T> {
  const { privateStateDir, stateRoot } = await import('./state-dir.js');
  const locks = privateStateDir(join(stateRoot(), 'locks'));
  return withLockFile(join(locks, `${key}.lock`), fn, {
    timeoutMs: 15 * 60_000,
    onWait: (who) => onWait?.(`waiting for ${who}, which is working on ${what}`),
  });
}
