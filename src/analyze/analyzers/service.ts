/** Service analyzers: port naming for protocol selection. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { portProtocolKnown } from '../../manifests/syntax.js';
import { MESSAGES } from '../messages.js';
import { isIstioControlPlane } from './shared.js';

/** Services of gateways Istio deploys itself (waypoints, Gateway API gateways). */
const GATEWAY_MANAGED = ['istio.io-gateway-controller', 'istio.io-mesh-controller', 'istio.io-eastwest-controller'];

export const portNames: Analyzer = {
  name: 'service.PortNameAnalyzer',
  description: 'Checks Service port names follow Istio\'s <protocol>[-<suffix>] convention, or set appProtocol',
  reads: ['Service'],
  reports: [MESSAGES.PortNameIsNotUnderNamingConvention, MESSAGES.ExternalNameServiceTypeInvalidPortName],
  run(s, report) {
    for (const svc of s.of('Service')) {
      if (isIstioControlPlane(svc) || GATEWAY_MANAGED.includes(svc.object.metadata.labels?.['gateway.istio.io/managed'] ?? '')) continue;
      const externalName = svc.object.spec?.type === 'ExternalName';
      asList(svc.object.spec?.ports).forEach((p: any, i: number) => {
        const name = typeof p?.name === 'string' ? p.name : '';
        // an ExternalName Service's port named plainly "tcp" keeps its traffic from being forwarded
        if (portProtocolKnown(p ?? {}) && !(externalName && name === 'tcp')) return;
        if (externalName) report(MESSAGES.ExternalNameServiceTypeInvalidPortName, svc, ['spec', 'ports', i]);
        else report(MESSAGES.PortNameIsNotUnderNamingConvention, svc, ['spec', 'ports', i], name, Number(p?.port), String(p?.targetPort ?? p?.port ?? ''));
      });
    }
  },
};

export const SERVICE_ANALYZERS = [portNames];
