/** kubectl-style cluster flags, shared by the commands that talk to a cluster. */
import type { Command } from 'commander';
import type { KubeClient } from '../cluster/client.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
}

export function withKubeFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current context)');
}

export async function connectKube(flags: KubeFlags): Promise<KubeClient> {
  const { Kube } = await import('../cluster/kube.js');
  return Kube.connect({ kubeconfig: flags.kubeconfig, context: flags.context });
}
