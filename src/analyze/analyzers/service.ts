/** Service analyzers: port naming for protocol selection. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { isIstioControlPlane } from './workload.js';

/** Services of gateways Istio deploys itself (waypoints, Gateway API gateways). */
const GATEWAY_MANAGED = ['istio.io-gateway-controller', 'istio.io-mesh-controller', 'istio.io-eastwest-controller'];

/** Protocols Istio recognises (case-insensitive), from a port's appProtocol or the prefix of its name. */
const PROTOCOLS = ['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql', 'doublehbone'];
const K8S_APP_PROTOCOLS = ['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'];
/** Ports that default to TCP when no protocol is given (SMTP, DNS, MySQL, MongoDB). */
const WELL_KNOWN_PORTS = [25, 53, 3306, 27017];

/** Whether Istio can tell the protocol of a Service port (Istio's ConvertProtocol is not Unsupported). */
export function portProtocolKnown(port: { name?: unknown; port?: unknown; protocol?: unknown; appProtocol?: unknown }): boolean {
  if (String(port.protocol).toUpperCase() === 'UDP') return true;
  const name = typeof port.appProtocol === 'string' ? port.appProtocol : typeof port.name === 'string' ? port.name : '';
  if (K8S_APP_PROTOCOLS.includes(name) || name.toLowerCase().startsWith('grpc-web')) return true;
  const prefix = name.includes('-') ? name.slice(0, name.indexOf('-')) : name;
  return PROTOCOLS.includes(prefix.toLowerCase()) || WELL_KNOWN_PORTS.includes(Number(port.port));
}

/** The `<protocol>[-<suffix>]` convention of a port name alone. */
export function portNameFollowsConvention(name: string): boolean {
  return portProtocolKnown({ name });
}

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
