/** The one SARIF 2.1.0 writer (for code scanning), used by validate and analyze. Pure. */

export interface SarifResult {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  message: string;
  /** Where it is, when known (a column only when known). */
  file?: string;
  line?: number;
  column?: number;
}

export interface SarifRule {
  id: string;
  description?: string;
  helpUri?: string;
}

/**
 * A file path as a SARIF artifact URI (a URI reference): each segment percent-encoded, so a path with a space, `%`,
 * `#` or `?` still names the file (unencoded, `a#b.yaml` would be file `a` with a fragment).
 */
export function artifactUri(file: string): string {
  return file.replace(/\\/g, '/').split('/').map((segment) => encodeURIComponent(segment)).join('/');
}

/** A SARIF log with one run of `tool`: its rules (sorted by id) and results pointing at file, line and column. */
export function formatSarif(tool: { name: string; version: string }, rules: SarifRule[], results: SarifResult[]): string {
  const sorted = [...new Map(rules.map((r) => [r.id, r])).values()].sort((a, b) => a.id.localeCompare(b.id));
  const index = new Map(sorted.map((r, i) => [r.id, i]));
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: tool.name, version: tool.version,
          rules: sorted.map((r) => ({
            id: r.id, ...(r.description ? { shortDescription: { text: r.description } } : {}), ...(r.helpUri ? { helpUri: r.helpUri } : {}),
          })),
        },
      },
      results: results.map((r) => ({
        ruleId: r.ruleId,
        ruleIndex: index.get(r.ruleId),
        level: r.level,
        message: { text: r.message },
        ...(r.file ? {
          locations: [{
            physicalLocation: {
              artifactLocation: { uri: artifactUri(r.file) },
              region: { startLine: r.line, ...(r.column ? { startColumn: r.column } : {}) },
            },
          }],
        } : {}),
      })),
    }],
  }, null, 2) + '\n';
}
