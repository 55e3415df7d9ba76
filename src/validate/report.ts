/** Output of validation findings: compiler-style text, JSON, or SARIF 2.1.0 (for code scanning). */
import type { Finding } from './run.js';

function objectName(f: Finding): string {
  if (!f.kind) return '';
  return `${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}: `;
}

/** `file:line:col: error: Kind ns/name: field: message`, one line per finding. */
export function formatText(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity}: ${objectName(f)}${f.field ? `${f.field}: ` : ''}${f.message}`).join('\n') + (findings.length ? '\n' : '');
}

export function formatJson(findings: Finding[]): string {
  return JSON.stringify(findings.map(({ file, line, column, kind, namespace, name, field, message, severity, rule }) => ({ file, line, column, kind, namespace, name, field, message, severity, rule })), null, 2) + '\n';
}

/** SARIF 2.1.0 with one rule per check id, results pointing at file, line and column. */
export function formatSarif(findings: Finding[], toolVersion: string): string {
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'meshctl', version: toolVersion, rules: ruleIds.map((id) => ({ id, shortDescription: { text: `meshctl validate: ${id}` } })) } },
      results: findings.map((f) => ({
        ruleId: f.rule,
        ruleIndex: ruleIds.indexOf(f.rule),
        level: f.severity === 'error' ? 'error' : 'warning',
        message: { text: `${objectName(f)}${f.field ? `${f.field}: ` : ''}${f.message}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: f.file.replace(/\\/g, '/') }, region: { startLine: f.line, startColumn: f.column } } }],
      })),
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
