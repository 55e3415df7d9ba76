/** The one yes/no prompt (install, uninstall). */
import { MeshctlError } from './errors.js';
import type { Io } from './io.js';

/**
 * Asks a yes/no question on `io`'s terminal. Without one the answer is no (pass -y), like istioctl.
 */
export async function confirmOnTty(io: Io, question: string): Promise<boolean> {
  if (!io.stdin.isTTY || !io.stderr.isTTY) {
    throw new MeshctlError(`${question.replace(/\?$/, '')}: cancelled, there is no terminal to confirm on (pass -y to proceed without asking)`);
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
