/** Service analyzers: port naming for protocol selection. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';

/** Protocol prefixes Istio recognises in port names (`http`, `http-web`, `grpc-api`, …). */
const PROTOCOLS = ['http', 'http2', 'https', 'http-proxy', 'grpc', 'grpc-web', 'tcp', 'tls', 'mongo', 'mysql', 'redis', 'udp'];

export function portNameFollowsConvention(name: string): boolean {
  const lower = name.toLowerCase();
  return PROTOCOLS.some((p) => lower === p || lower.startsWith(`${p}-`));
}

export const portNames: Analyzer = {
  name: 'service.PortNameAnalyzer',
  description: 'Checks Service port names follow Istio\'s <protocol>[-<suffix>] convention, or set appProtocol',
  inputs: ['Service'],
  run(s, report) {
    for (const svc of s.of('Service')) {
      if (svc.namespace === 'istio-system') continue;
      asList(svc.object.spec?.ports).forEach((p: any, i: number) => {
        if (p?.appProtocol) return;
        const name = typeof p?.name === 'string' ? p.name : '';
        if (!portNameFollowsConvention(name)) report(MESSAGES.PortNameIsNotUnderNamingConvention, svc, ['spec', 'ports', i], name || '""', p?.port, p?.targetPort ?? p?.port);
      });
    }
  },
};

export const SERVICE_ANALYZERS = [portNames];
