/**
 * IST0106 and IST0133: fields of the wrong type (such resources are analyzed no further), the schema errors and
 * the semantic validation rules of `meshctl validate` (its errors and its warnings), as analysis messages.
 */
import type { Analyzer } from '../analyzer.js';
import { MESSAGES } from '../messages.js';
import { formatPath } from '../../manifests/documents.js';
import { metadataFindings, semanticFindings } from '../../validate/semantic.js';

export const schemaValidation: Analyzer = {
  name: 'schema.ValidationAnalyzer',
  description: 'Reports fields of the wrong type and runs meshctl validate\'s semantic rules (weights, durations, hosts, regexes, ports, policies …) on every resource',
  reads: ['*'],
  reports: [MESSAGES.SchemaValidationError, MESSAGES.SchemaWarning],
  run(s, report) {
    for (const r of s.illTyped) {
      for (const e of r.typeErrors ?? []) report(MESSAGES.SchemaValidationError, r, e.path, `${formatPath(e.path)}: ${e.message}`);
    }
    for (const r of s.resources) {
      for (const e of r.schemaErrors ?? []) report(MESSAGES.SchemaValidationError, r, e.path, `${formatPath(e.path)}: ${e.message}`);
      // as validate: a semantic error on a field the schema already reported is not said twice
      const reported = new Set((r.schemaErrors ?? []).map((e) => formatPath(e.path)));
      for (const f of [...metadataFindings(r.object), ...semanticFindings(r.object)]) {
        if (f.severity === 'error' && reported.has(formatPath(f.path))) continue;
        // a port whose protocol Istio cannot tell is the port name analyzer's (IST0118), the same rule
        if (f.rule === 'port-protocol') continue;
        const text = f.path.length > 0 ? `${formatPath(f.path)}: ${f.message}` : f.message;
        if (f.severity === 'error') report(MESSAGES.SchemaValidationError, r, f.path, text);
        else if (f.severity === 'warning') report(MESSAGES.SchemaWarning, r, f.path, text);
      }
    }
  },
};
