/** ServiceEntry analyzers: addresses for TCP ports, one host and port with two protocols. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import type { Resource } from '../snapshot.js';

export const protocolAddresses: Analyzer = {
  name: 'serviceentry.Analyzer',
  description: 'Checks ServiceEntries with TCP (or unset-protocol) ports have addresses, unless the mesh allocates them',
  reads: ['ServiceEntry', 'MeshConfig'],
  reports: [MESSAGES.ServiceEntryAddressesRequired],
  run(s, report) {
    const md = s.meshConfig.defaultConfig?.proxyMetadata ?? {};
    const autoAllocated = md.ISTIO_META_DNS_CAPTURE === 'true' && (md.ISTIO_META_DNS_AUTO_ALLOCATE === 'true' || md.PILOT_ENABLE_IP_AUTOALLOCATE === 'true');
    if (autoAllocated) return;
    for (const se of s.of('ServiceEntry')) {
      if (se.object.spec?.addresses !== undefined && se.object.spec?.addresses !== null) continue;
      if (asList(se.object.status?.addresses).length > 0) continue;
      asList(se.object.spec?.ports).forEach((p: any, i: number) => {
        if (!p?.protocol || String(p.protocol).toUpperCase() === 'TCP') report(MESSAGES.ServiceEntryAddressesRequired, se, ['spec', 'ports', i, 'name']); // the line Istio's analyzer gives
      });
    }
  },
};

export const conflictingProtocols: Analyzer = {
  name: 'serviceentry.ConflictingServiceEntryProtocolAnalyzer',
  description: 'Checks ServiceEntries visible to the same namespaces do not give one host and port different protocols',
  reads: ['ServiceEntry'],
  reports: [MESSAGES.ConflictingServiceEntryProtocol],
  run(s, report) {
    const index = new Map<string, { scope: string; host: string; port: number; entries: { protocol: string; se: Resource }[] }>();
    for (const se of s.of('ServiceEntry')) {
      const exportTo: string[] = asList(se.object.spec?.exportTo);
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map((e) => (e === '.' ? se.namespace : e)))];
      for (const scope of scopes) {
        for (const host of asList(se.object.spec?.hosts)) {
          for (const p of asList(se.object.spec?.ports)) {
            const key = `${scope}|${host}|${p?.number}`;
            const e = index.get(key) ?? { scope, host, port: Number(p?.number), entries: [] as { protocol: string; se: Resource }[] };
            index.set(key, e);
            e.entries.push({ protocol: String(p?.protocol ?? ''), se });
          }
        }
      }
    }
    const reported = new Set<Resource>();
    for (const { scope, host, port, entries: own } of index.values()) {
      const entries = scope === '*' ? own : [...own, ...(index.get(`*|${host}|${port}`)?.entries ?? [])];
      const protocols = [...new Set(entries.map((e) => e.protocol.toUpperCase()))].sort();
      if (protocols.length < 2) continue;
      const names = [...new Set(entries.map((e) => `${e.se.namespace}/${e.se.name}`))].sort().join(', ');
      for (const { se } of entries) {
        if (reported.has(se)) continue;
        reported.add(se);
        report(MESSAGES.ConflictingServiceEntryProtocol, se, ['metadata', 'name'], names, host, port, protocols.join(', '));
      }
    }
  },
};

export const SERVICE_ENTRY_ANALYZERS = [protocolAddresses, conflictingProtocols];
