/** `meshctl mtls` and `meshctl authz`: PeerAuthentication and AuthorizationPolicy. */
import { ISTIO_SECURITY } from './compose.js';
import type { K8sObject } from '../manifests/object.js';

export const MTLS_MODES = { strict: 'STRICT', permissive: 'PERMISSIVE', disable: 'DISABLE' } as const;
export type MtlsModeName = keyof typeof MTLS_MODES;

export interface MtlsOptions {
  mode: MtlsModeName;
  /** Namespace of the policy; the mesh's root namespace for a mesh-wide one. */
  namespace: string;
  name: string;
  selector?: Record<string, string>;
}

/** A PeerAuthentication setting the mTLS mode for a namespace, a workload, or (in the root namespace) the mesh. */
export function peerAuthentication(opts: MtlsOptions): K8sObject {
  const spec: any = {};
  if (opts.selector && Object.keys(opts.selector).length > 0) spec.selector = { matchLabels: opts.selector };
  spec.mtls = { mode: MTLS_MODES[opts.mode] };
  return { apiVersion: ISTIO_SECURITY, kind: 'PeerAuthentication', metadata: { name: opts.name, namespace: opts.namespace }, spec };
}

/** An ALLOW policy without rules: in its namespace, every request is denied unless another policy allows it. */
export function denyAll(namespace: string, name = 'deny-all'): K8sObject {
  return { apiVersion: ISTIO_SECURITY, kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec: {} };
}

export interface AllowOptions {
  namespace: string;
  name: string;
  /** Workloads the policy applies to. */
  to: Record<string, string>;
  /** Service accounts allowed, as NAMESPACE/NAME. */
  fromServiceAccounts: string[];
  /** Namespaces allowed. */
  fromNamespaces: string[];
  methods: string[];
  paths: string[];
  ports: number[];
  trustDomain: string;
}

/** An ALLOW AuthorizationPolicy: the selected workloads accept these sources and operations. */
export function allowPolicy(opts: AllowOptions): K8sObject {
  const rule: any = {};
  const source: any = {};
  if (opts.fromServiceAccounts.length > 0) {
    source.principals = opts.fromServiceAccounts.map((sa) => {
      const [ns, name] = sa.split('/');
      return `${opts.trustDomain}/ns/${ns}/sa/${name}`;
    });
  }
  if (opts.fromNamespaces.length > 0) source.namespaces = [...opts.fromNamespaces];
  if (Object.keys(source).length > 0) rule.from = [{ source }];
  const operation: any = {};
  if (opts.methods.length > 0) operation.methods = [...opts.methods];
  if (opts.paths.length > 0) operation.paths = [...opts.paths];
  if (opts.ports.length > 0) operation.ports = opts.ports.map(String);
  if (Object.keys(operation).length > 0) rule.to = [{ operation }];
  const spec: any = {};
  if (Object.keys(opts.to).length > 0) spec.selector = { matchLabels: { ...opts.to } };
  spec.action = 'ALLOW';
  spec.rules = [rule];
  return { apiVersion: ISTIO_SECURITY, kind: 'AuthorizationPolicy', metadata: { name: opts.name, namespace: opts.namespace }, spec };
}
