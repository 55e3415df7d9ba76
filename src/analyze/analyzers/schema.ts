/**
 * IST0106 and IST0133: fields of the wrong type (such resources are analyzed no further), and the semantic
 * validation rules of `meshctl validate` (its errors and its warnings), as analysis messages.
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
      for (const f of [...metadataFindings(r.object), ...semanticFindings(r.object)]) {
        const text = f.path.length > 0 ? `${formatPath(f.path)}: ${f.message}` : f.message;
        if (f.severity === 'error') report(MESSAGES.SchemaValidationError, r, f.path, text);
        else if (f.severity === 'warning') report(MESSAGES.SchemaWarning, r, f.path, text);
      }
    }
  },
};
