/** An `Io` for running meshctl's commands in process: stdin from a string, stdout and stderr kept. */
import { Readable } from 'node:stream';
import type { Io, Out } from '../../src/ui/io.js';

export interface BufferOut extends Out {
  text(): string;
}

/** An output that keeps what is written to it (a terminal of `columns` when `isTTY`). */
export function bufferOut(opts: { isTTY?: boolean; columns?: number } = {}): BufferOut {
  const chunks: string[] = [];
  return {
    write(chunk, callback) {
      chunks.push(String(chunk));
      if (callback) queueMicrotask(() => callback(null));
      return true;
    },
    text: () => chunks.join(''),
    isTTY: opts.isTTY,
    columns: opts.columns,
  };
}

export interface TestIo extends Io {
  readonly stdout: BufferOut;
  readonly stderr: BufferOut;
}

/** An in-process Io: `input` as stdin, the environment given (NO_COLOR set, as the spawned runs have it). */
export function testIo(opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; stderr?: Out; stdout?: Out } = {}): TestIo & Io {
  return {
    stdin: Readable.from(opts.input === undefined ? [] : [typeof opts.input === 'string' ? Buffer.from(opts.input) : opts.input]),
    stdout: (opts.stdout ?? bufferOut()) as BufferOut,
    stderr: (opts.stderr ?? bufferOut()) as BufferOut,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    exitCode: 0,
    isProcess: false,
  };
}
