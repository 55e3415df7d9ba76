/**
 * The JSON types of the fields meshctl reads from core Kubernetes objects (Service, Pod, Namespace and the
 * workload kinds), written as small OpenAPI schemas in the form of CRD versions. They are not Kubernetes'
 * schemas: they name only the fields meshctl's analyzers and generators walk, and allow every other field.
 * Used where documents from files enter analysis, to refuse `ports: "x"` or `conditions: [null]` before
 * code that expects lists of objects meets them. Compiled ahead of time with the bundled CRDs. Pure data.
 */
import type { KindSchema } from './schema.js';

const str = { type: 'string' };
const int = { type: 'integer' };
const strings = { type: 'object', additionalProperties: str };
const listOf = (properties: Record<string, unknown>) => ({ type: 'array', items: { type: 'object', properties } });
const object = (properties: Record<string, unknown>) => ({ type: 'object', properties });

const container = {
  name: str, image: str, args: { type: 'array', items: str }, command: { type: 'array', items: str },
  ports: listOf({ containerPort: int, name: str, protocol: str }), env: listOf({ name: str, value: str }),
};
const podSpec = object({
  containers: listOf(container), initContainers: listOf(container), hostNetwork: { type: 'boolean' }, serviceAccountName: str,
  nodeName: str,
});
const workload = object({
  spec: object({
    replicas: int, selector: object({ matchLabels: strings }),
    template: object({ metadata: object({ labels: strings, annotations: strings }), spec: podSpec }),
  }),
  status: object({ replicas: int, readyReplicas: int, updatedReplicas: int, availableReplicas: int }),
});

const SHAPES: [string, string, string, unknown][] = [
  ['', 'v1', 'Service', object({
    spec: object({
      type: str, externalName: str, clusterIP: str, selector: strings,
      ports: listOf({ name: str, port: int, nodePort: int, protocol: str, appProtocol: str }),
    }),
  })],
  ['', 'v1', 'Pod', object({
    spec: podSpec,
    status: object({ phase: str, podIP: str, conditions: listOf({ type: str, status: str, reason: str, message: str }), containerStatuses: listOf({ name: str, ready: { type: 'boolean' }, image: str }) }),
  })],
  ['', 'v1', 'Namespace', object({ status: object({ phase: str }) })],
  ['apps', 'v1', 'Deployment', workload],
  ['apps', 'v1', 'StatefulSet', workload],
  ['apps', 'v1', 'DaemonSet', workload],
];

export const CORE_SHAPES: KindSchema[] = SHAPES.map(([group, version, kind, schema]) => ({
  group, version, kind, namespaced: kind !== 'Namespace', schema, origin: 'meshctl core shapes',
}));
