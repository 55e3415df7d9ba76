/**
 * What a command reads and writes, passed in (kind's IOStreams, istioctl's CLIContext): its input, its two outputs,
 * its environment and the exit code it leaves. `meshctl` runs with the process's own (`processIo`); tests run the
 * same commands in process with captured streams, so a command's output can be checked without
 * starting a process.
 */
import type { Readable } from 'node:stream';

/** An output stream: what commands write to (a process stream, or a buffer in tests). */
export interface Out {
  write(chunk: string, callback?: (err?: Error | null) => void): boolean;
  /** A terminal (spinners, colour, redrawn tables); unset for a pipe, a file or a buffer. */
  readonly isTTY?: boolean;
  /** The terminal's width, when it is one. */
  readonly columns?: number;
}

export interface Io {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: Out;
  readonly stderr: Out;
  readonly env: NodeJS.ProcessEnv;
  /** The exit code of a command that ends without an error but not well (validate finding errors: 65). */
  exitCode: number;
  /**
   * The process's own streams: signals, a reader that goes away (EPIPE) and a terminal that closes are then
   * handled process-wide (`ui/interrupt.ts`); an in-process run leaves the process alone.
   */
  readonly isProcess: boolean;
}

/** The process's streams and environment; the exit code is the process's. */
export function processIo(): Io {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    get exitCode() { return typeof process.exitCode === 'number' ? process.exitCode : 0; },
    set exitCode(code: number) { process.exitCode = code; },
    isProcess: true,
  };
}

/** Writes to `out`, resolving when the data is flushed (so a piped consumer gets everything before exit). */
export function writeTo(out: Out, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
