/** EnvoyFilter analyzers: patch operations that Envoy ignores, relative operations without a priority. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';

const ROUTE_LEVEL = ['ROUTE_CONFIGURATION', 'HTTP_ROUTE'];
const REPLACEABLE = ['NETWORK_FILTER', 'HTTP_FILTER', 'VIRTUAL_HOST'];

export const envoyFilterPatches: Analyzer = {
  name: 'envoyfilter.EnvoyPatchAnalyzer',
  description: 'Checks EnvoyFilter patches: ADD and REMOVE on routes are ignored, REPLACE only applies to filters, relative operations need a priority',
  reads: ['EnvoyFilter'],
  reports: [MESSAGES.EnvoyFilterUsesRelativeOperation, MESSAGES.EnvoyFilterUsesReplaceOperationIncorrectly, MESSAGES.EnvoyFilterUsesAddOperationIncorrectly,
    MESSAGES.EnvoyFilterUsesRemoveOperationIncorrectly, MESSAGES.EnvoyFilterUsesRelativeOperationWithProxyVersion],
  run(s, report) {
    // names of patched filters that an earlier patch limited to a proxy version (over all EnvoyFilters, as Istio)
    const versioned = new Set<string>();
    for (const ef of s.of('EnvoyFilter')) {
      const priority = ef.object.spec?.priority ?? 0;
      // one message of each kind per EnvoyFilter, at its first patch that has the problem (Istio gives them no line and dedupes)
      const reported = new Set<string>();
      const once: typeof report = (type, r, path, ...args) => {
        if (reported.has(type.code)) return;
        reported.add(type.code);
        report(type, r, path, ...args);
      };
      const patches = asList(ef.object.spec?.configPatches);
      for (let i = 0; i < patches.length; i++) {
        const cp: any = patches[i];
        if (!cp?.patch) break;
        const path = ['spec', 'configPatches', i];
        const value = cp.patch.value;
        const name = value && typeof value === 'object' ? (value.name !== undefined ? `value:${JSON.stringify(value.name)}` : String(cp.match?.listener?.filterChain?.filter?.name ?? '')) : '';
        const relative = () => {
          if (priority !== 0) return;
          once(versioned.has(name) ? MESSAGES.EnvoyFilterUsesRelativeOperationWithProxyVersion : MESSAGES.EnvoyFilterUsesRelativeOperation, ef, path);
        };
        const op = cp.patch.operation;
        if (op === 'ADD') {
          if (ROUTE_LEVEL.includes(cp.applyTo)) once(MESSAGES.EnvoyFilterUsesAddOperationIncorrectly, ef, path);
        } else if (op === 'REMOVE') {
          if (ROUTE_LEVEL.includes(cp.applyTo)) once(MESSAGES.EnvoyFilterUsesRemoveOperationIncorrectly, ef, path);
          else relative();
        } else if (op === 'REPLACE') {
          if (!REPLACEABLE.includes(cp.applyTo)) once(MESSAGES.EnvoyFilterUsesReplaceOperationIncorrectly, ef, path);
          else relative();
        } else if (op === 'INSERT_BEFORE' || op === 'INSERT_AFTER') {
          relative();
        }
        if (cp.match?.proxy?.proxyVersion) versioned.add(name);
      }
    }
  },
};

export const ENVOY_FILTER_ANALYZERS = [envoyFilterPatches];
