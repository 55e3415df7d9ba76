/** Output of analysis messages: istioctl's log lines, JSON, YAML, or SARIF. */
import { printable } from '../ui/output.js';
import { formatSarif as sarif } from '../ui/sarif.js';
import type { Message } from './runner.js';

/** `Error [IST0101] (VirtualService default/reviews vs.yaml:11) Referenced host not found: "reviews2"` */
export function formatLog(messages: Message[]): string {
  return messages.map((m) => printable(`${m.level} [${m.code}] (${m.origin}${m.reference ? ` ${m.reference}` : ''}) ${m.message}`)).join('\n') + (messages.length ? '\n' : '');
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
  return sarif({ name: 'meshctl analyze', version }, messages.map((m) => ({ id: m.code, helpUri: m.documentationUrl || undefined })), messages.map((m) => {
    const at = m.reference ? m.reference.lastIndexOf(':') : -1;
    return {
      ruleId: m.code, level: m.level === 'Error' ? 'error' : m.level === 'Warning' ? 'warning' : 'note', message: `${m.origin}: ${m.message}`,
      ...(m.reference && at > 0 ? { file: m.reference.slice(0, at), line: Number(m.reference.slice(at + 1)) } : {}),
    };
  }));
}
