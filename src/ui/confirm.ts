/** The one yes/no prompt (install, uninstall). */
import { MeshctlError } from './errors.js';

/**
 * Asks a yes/no question on a TTY. Without a TTY the answer is no (pass -y), like istioctl.
 */
export async function confirmOnTty(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new MeshctlError(`${question.replace(/\?$/, '')}: cancelled, there is no terminal to confirm on (pass -y to proceed without asking)`);
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
