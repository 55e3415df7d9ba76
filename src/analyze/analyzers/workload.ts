/** Workload analyzers: the sidecar's reserved UID, Deployments behind Services that disagree on ports. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { labelsMatch, type Resource } from '../snapshot.js';
import { workloadInMesh, isIstioControlPlane } from './shared.js';

/** The UID the sidecar proxy runs as; an application running as it escapes the proxy's traffic capture. */
const PROXY_UID = 1337;

export const applicationUid: Analyzer = {
  name: 'applicationUID.Analyzer',
  description: 'Checks pods and Deployments do not run application containers as UID 1337, which the sidecar proxy uses',
  reads: ['Pod', 'Deployment'],
  reports: [MESSAGES.InvalidApplicationUID],
  run(s, report) {
    for (const [kind, specPath] of [['Pod', ['spec']], ['Deployment', ['spec', 'template', 'spec']]] as const) {
      for (const r of s.of(kind)) {
        if (isIstioControlPlane(r)) continue;
        const spec = specPath.slice(1).reduce((o: any, k) => o?.[k], r.object.spec);
        if (spec?.securityContext?.runAsUser === PROXY_UID) report(MESSAGES.InvalidApplicationUID, r, [...specPath]);
        asList(spec?.containers).forEach((c: any) => {
          if (c?.name === 'istio-proxy' || c?.name === 'istio-operator') return;
          if (c?.securityContext?.runAsUser === PROXY_UID) report(MESSAGES.InvalidApplicationUID, r, [...specPath]);
        });
      }
    }
  },
};

export const serviceAssociation: Analyzer = {
  name: 'deployment.MultiServiceAnalyzer',
  description: 'Checks a meshed Deployment is not behind Services that give one port different protocols, or one targetPort different ports',
  reads: ['Deployment', 'Service', 'Namespace'],
  reports: [MESSAGES.DeploymentAssociatedToMultipleServices, MESSAGES.DeploymentConflictingPorts],
  run(s, report) {
    const services = s.of('Service');
    for (const d of s.of('Deployment')) {
      if (d.object.metadata.labels?.['gateway.istio.io/managed'] === 'istio.io-mesh-controller') continue;
      const template = d.object.spec?.template;
      if (!workloadInMesh(s, d.namespace, template)) continue;
      const podLabels = template?.metadata?.labels;
      const selects = (svc: Resource) => Object.keys(svc.object.spec?.selector ?? {}).length > 0 && labelsMatch(svc.object.spec.selector, podLabels);
      const matching = services.filter((svc) => svc.namespace === d.namespace && selects(svc));
      const byPort = new Map<number, Map<string, string[]>>();
      const byTarget = new Map<string, Map<number, string>>();
      for (const svc of matching) {
        const name = `${svc.namespace}/${svc.name}`;
        for (const p of asList(svc.object.spec?.ports)) {
          const protocols = byPort.get(p.port) ?? new Map<string, string[]>();
          byPort.set(p.port, protocols);
          const protocol = p.protocol || 'TCP';
          protocols.set(protocol, [...(protocols.get(protocol) ?? []), name]);
          const target = p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '' ? String(p.port) : String(p.targetPort);
          const ports = byTarget.get(target) ?? new Map<number, string>();
          byTarget.set(target, ports);
          ports.set(p.port, name);
        }
      }
      for (const [port, protocols] of byPort) {
        if (protocols.size > 1) report(MESSAGES.DeploymentAssociatedToMultipleServices, d, ['metadata', 'name'], d.name, port, [...protocols.values()].flat().sort());
      }
      for (const [target, ports] of byTarget) {
        if (ports.size > 1) report(MESSAGES.DeploymentConflictingPorts, d, ['metadata', 'name'], d.name, [...ports.values()].sort(), target, [...ports.keys()].sort((a, b) => a - b));
      }
    }
  },
};

export const WORKLOAD_ANALYZERS = [applicationUid, serviceAssociation];
