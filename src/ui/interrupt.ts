/**
 * The one owner of Ctrl-C (SIGINT), SIGTERM and SIGHUP. By default an interrupt stops every spinner, restores the
 * terminal and exits 130 (143 for SIGTERM) at once. A command that can stop cleanly (install stops after
 * the current request) registers a handler: the first interrupt goes to it, a second one exits at once, so
 * Ctrl-C always works.
 */
import { stopAllProgress } from './progress.js';

type Handler = () => void;

const handlers: Handler[] = [];
const cleanups = new Set<Handler>();
let installed = false;
let interrupts = 0;

/** Exit code of a process ended by a signal, as shells report it (128 + the signal's number). */
export const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

function onSignal(signal: keyof typeof SIGNAL_EXIT): void {
  interrupts++;
  const handler = handlers[handlers.length - 1];
  if (signal === 'SIGINT' && handler && interrupts === 1) {
    handler();
    return;
  }
  try {
    stopAllProgress();
  } catch { /* the terminal is gone */ }
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch { /* exiting anyway: one failed cleanup must not keep the others from running */ }
  }
  try {
    process.stderr.write(`\n${signal === 'SIGINT' ? 'interrupted' : signal === 'SIGHUP' ? 'hung up' : 'terminated'}\n`);
  } catch { /* the terminal is gone */ }
  if (signal === 'SIGHUP') {
    // the terminal may be gone: Node's own exit restores the terminal's modes and aborts when it cannot (EIO), so the
    // process ends by the signal itself, as a program without a handler would (a shell reports 129 either way)
    process.removeAllListeners('SIGHUP');
    process.kill(process.pid, 'SIGHUP');
    return;
  }
  process.exit(SIGNAL_EXIT[signal]);
}

/** Installs the process-wide SIGINT/SIGTERM handling (once). */
export function installInterruptHandling(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // the terminal closed: what a signal's cleanups undo (a half-started cluster, a partial download) is undone too
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // a reader that goes away (`meshctl … | head`) ends the output, not with a crash
      if (err.code === 'EPIPE' && stream === process.stdout) process.exit(process.exitCode ?? 0);
      // the terminal went away (EIO) before its SIGHUP arrived: the same as the hang-up
      else if (err.code === 'EIO') onSignal('SIGHUP');
      else if (err.code !== 'EPIPE') throw err;
    });
  }
}

/** Lets the first Ctrl-C go to `handler` (a clean stop) until the returned function is called. */
export function onFirstInterrupt(handler: Handler): () => void {
  handlers.push(handler);
  return () => {
    const i = handlers.lastIndexOf(handler);
    if (i !== -1) handlers.splice(i, 1);
  };
}

/**
 * Runs `cleanup` (synchronous: the process exits right after) if a signal ends meshctl before the returned
 * function is called; for what would otherwise be left behind, such as a half-written download.
 */
export function cleanupOnSignal(cleanup: Handler): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
