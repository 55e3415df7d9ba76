/**
 * What kind of cluster a context points at, for the choices that differ between a laptop cluster and a real
 * one (the ingress gateway's Service type). Pure: it reads the context name and the nodes.
 */
import type { K8sObject } from '../manifests/object.js';

export type ClusterFlavour = 'kind' | 'local' | 'other';

/** The flavour, and what told it. */
export function clusterFlavour(context: string, nodes: K8sObject[]): { flavour: ClusterFlavour; why: string } {
  const kindNode = nodes.find((n) => String((n.spec as { providerID?: unknown } | undefined)?.providerID ?? '').startsWith('kind://'));
  if (kindNode) return { flavour: 'kind', why: `node ${kindNode.metadata.name} has providerID kind://` };
  if (context.startsWith('kind-')) return { flavour: 'kind', why: `context ${context}` };
  if (context.startsWith('meshctl-local-')) return { flavour: 'local', why: `context ${context}` };
  const fake = nodes.find((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake');
  if (fake) return { flavour: 'local', why: `node ${fake.metadata.name} is a kwok node` };
  return { flavour: 'other', why: nodes.length === 0 ? 'no nodes to tell' : `context ${context} and its nodes are neither Kind nor local` };
}
