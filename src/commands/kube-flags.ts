/** kubectl-style cluster flags, shared by the commands that talk to a cluster. */
import type { Command } from 'commander';
import { parseDurationMs } from '../generate/args.js';
import { UsageError } from '../ui/errors.js';
import type { Kube } from '../cluster/kube.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
}

export function withKubeFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current context)');
}

export async function connectKube(flags: KubeFlags): Promise<Kube> {
  const { Kube } = await import('../cluster/kube.js');
  return Kube.connect({ kubeconfig: flags.kubeconfig, context: flags.context });
}

/** Parses `--timeout` (5m, 300s, 1m30s…: a unit is required, as in kubectl) into milliseconds. */
export function parseTimeout(value: string): number {
  const ms = parseDurationMs('--timeout', value);
  // a timer cannot wait longer than 2^31-1 ms (about 24 days)
  if (ms > 2_147_483_647) throw new UsageError(`--timeout "${value}" is too long (at most 596h)`);
  return ms;
}

/**
 * Asks a yes/no question on a TTY. Without a TTY the answer is no (pass -y), like istioctl.
 */
export async function confirmOnTty(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new (await import('../ui/errors.js')).MeshctlError(`${question.replace(/\?$/, '')}: cancelled, there is no terminal to confirm on (pass -y to proceed without asking)`);
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
