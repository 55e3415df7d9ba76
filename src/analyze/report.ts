/** Output of analysis messages: istioctl's log lines, JSON, YAML, or SARIF. */
import type { Message } from './runner.js';

/** `Error [IST0101] (VirtualService default/reviews vs.yaml:11) Referenced host not found: "reviews2"` */
export function formatLog(messages: Message[]): string {
  return messages.map((m) => `${m.level} [${m.code}] (${m.origin}${m.reference ? ` ${m.reference}` : ''}) ${m.message}`).join('\n') + (messages.length ? '\n' : '');
}

function plain(messages: Message[]): object[] {
  return messages.map((m) => ({
    code: m.code, documentationUrl: m.documentationUrl, level: m.level, message: m.message, origin: m.origin,
    ...(m.reference ? { reference: m.reference } : {}),
  }));
}

export function formatJson(messages: Message[]): string {
  return JSON.stringify(plain(messages), null, 2) + '\n';
}

export async function formatYaml(messages: Message[]): Promise<string> {
  const { stringify } = await import('yaml');
  return messages.length === 0 ? '[]\n' : stringify(plain(messages));
}

export function formatSarif(messages: Message[], version: string): string {
  const codes = [...new Set(messages.map((m) => m.code))].sort();
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'meshctl analyze', version, rules: codes.map((id) => ({ id, helpUri: messages.find((m) => m.code === id)!.documentationUrl || undefined })) } },
      results: messages.map((m) => {
        const [file, line] = m.reference ? [m.reference.slice(0, m.reference.lastIndexOf(':')), Number(m.reference.slice(m.reference.lastIndexOf(':') + 1))] : [undefined, undefined];
        return {
          ruleId: m.code,
          ruleIndex: codes.indexOf(m.code),
          level: m.level === 'Error' ? 'error' : m.level === 'Warning' ? 'warning' : 'note',
          message: { text: `${m.origin}: ${m.message}` },
          ...(file ? { locations: [{ physicalLocation: { artifactLocation: { uri: file }, region: { startLine: line } } }] } : {}),
        };
      }),
    }],
  }, null, 2) + '\n';
}
