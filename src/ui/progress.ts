/**
 * The one owner of progress output. On a TTY (stderr): ora spinners and a redrawn progress line; otherwise
 * one plain line per event on stderr; with `json`, JSON-lines events on stdout (for CI).
 */
import { printable } from './printable.js';
import { redactCredentials } from './redact.js';
import { colourEnabled } from './colour.js';
import type { Io } from './io.js';

export interface ProgressEvent {
  event: 'start' | 'succeed' | 'fail' | 'info' | 'warn';
  text: string;
  [key: string]: unknown;
}

export interface Reporter {
  /** A step begins (a spinner on a TTY). */
  start(text: string, data?: Record<string, unknown>): void;
  /** The current step ended well. */
  succeed(text: string, data?: Record<string, unknown>): void;
  /** The current step failed. */
  fail(text: string, data?: Record<string, unknown>): void;
  /** A line of information. */
  info(text: string, data?: Record<string, unknown>): void;
  /** A warning, always shown. */
  warn(text: string, data?: Record<string, unknown>): void;
  /** Progress of the current step, 0–1 (shown on a TTY only). */
  progress(fraction: number, text: string): void;
}

/** Spinners running now, so that a failing or interrupted command can stop them (a live spinner keeps the process alive). */
const running = new Set<{ stop(): void }>();

/** Stops every running spinner and shows the cursor again; called before an error is printed and on Ctrl-C. */
export function stopAllProgress(): void {
  for (const s of running) s.stop();
  running.clear();
}

/** A reporter that writes nothing (for library use and tests). */
export const silentReporter: Reporter = { start() {}, succeed() {}, fail() {}, info() {}, warn() {}, progress() {} };

/**
 * The reporter for a command on `io`: JSON lines on its stdout, spinners on its stderr when a terminal, or plain
 * lines; no credentials in any of them.
 */
export async function reporterFor(io: Io, opts: { json?: boolean } = {}): Promise<Reporter> {
  const r = await writerFor(io, opts);
  // one event is one line: a cluster's text in it (an event's message, a pod's reason) cannot drive the terminal or
  // start a line of its own; JSON escapes by itself
  const clean = (t: string) => (opts.json ? redactCredentials(t) : printable(redactCredentials(t)));
  return {
    start: (t, d) => r.start(clean(t), d), succeed: (t, d) => r.succeed(clean(t), d), fail: (t, d) => r.fail(clean(t), d),
    info: (t, d) => r.info(clean(t), d), warn: (t, d) => r.warn(clean(t), d), progress: (f, t) => r.progress(f, clean(t)),
  };
}

async function writerFor(io: Io, opts: { json?: boolean }): Promise<Reporter> {
  if (opts.json) {
    const emit = (event: ProgressEvent['event'], text: string, data?: Record<string, unknown>) =>
      io.stdout.write(JSON.stringify({ event, text, ...data }) + '\n');
    return {
      start: (t, d) => emit('start', t, d), succeed: (t, d) => emit('succeed', t, d), fail: (t, d) => emit('fail', t, d),
      info: (t, d) => emit('info', t, d), warn: (t, d) => emit('warn', t, d), progress() {},
    };
  }
  const stream = io.stderr;
  const line = (s: string) => stream.write(s + '\n');
  // a terminal that reports no width (a bare pty) gets plain lines: a spinner cannot redraw itself there
  if (!stream.isTTY || !((stream.columns ?? 0) > 0)) {
    return {
      start: (t) => line(`- ${t}`), succeed: (t) => line(`✔ ${t}`), fail: (t) => line(`✘ ${t}`),
      info: (t) => line(t), warn: (t) => line(`! ${t}`), progress() {},
    };
  }
  const { default: ora } = await import('ora');
  const colour = colourEnabled(stream, io.env);
  let spinner: ReturnType<typeof ora> | undefined;
  let shown = '';
  const forget = () => {
    if (spinner) running.delete(spinner);
    spinner = undefined;
  };
  const stopWith = (method: 'succeed' | 'fail', t: string) => {
    if (spinner) spinner[method](t);
    else line(`${method === 'succeed' ? '✔' : '✘'} ${t}`);
    forget();
  };
  return {
    start(t) {
      spinner?.stop();
      forget();
      shown = '';
      // discardStdin off: ora would put stdin in raw mode, where Ctrl-C no longer sends SIGINT
      spinner = ora({ text: t, stream: stream as NodeJS.WriteStream, color: colour ? 'cyan' : false, isEnabled: true, discardStdin: false }).start();
      running.add(spinner);
    },
    succeed: (t) => stopWith('succeed', t),
    fail: (t) => stopWith('fail', t),
    info(t) {
      if (spinner) spinner.info(t);
      else line(t);
      forget();
    },
    warn(t) {
      if (spinner) spinner.warn(t);
      else line(`! ${t}`);
      forget();
    },
    progress(fraction, t) {
      // redraw only when the text or the whole percentage changes, not for every chunk received
      const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
      const width = 24;
      const done = Math.round((percent / 100) * width);
      const text = `${t} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${percent}%`;
      if (text === shown) return;
      shown = text;
      if (spinner) spinner.text = text;
    },
  };
}
