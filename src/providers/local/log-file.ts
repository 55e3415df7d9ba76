/**
 * The local cluster's component logs: one file per component, its owner's alone (0600), with what a credential could
 * be built from taken out of every line before it is written. The apiserver logs a service account's real UID when a
 * token names an old one ("service account UID (…) does not match claim (…)"), and with the signing key or a
 * replayed token that is what a forged token needs; bearer tokens (JWTs) can appear in request logs.
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

const UID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** One log line with UIDs and bearer tokens replaced by markers. */
export function redactLogLine(line: string): string {
  return line.replace(JWT, '<token>').replace(UID, '<uid>');
}

/**
 * Appends each source's lines, redacted, to `path` (created 0600); a line split across chunks is joined first.
 * Resolves once every source has ended and the file is closed.
 */
export function logToFile(path: string, sources: Readable[]): Promise<void> {
  const out = createWriteStream(path, { flags: 'a', mode: 0o600 });
  const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
  let open = sources.length;
  for (const source of sources) {
    let partial = '';
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (lines.length > 0) out.write(lines.map(redactLogLine).join('\n') + '\n');
      // a line without an end that grows past 64 KiB is written as it is (redacted) rather than held forever
      if (partial.length > 65_536) {
        out.write(redactLogLine(partial) + '\n');
        partial = '';
      }
    });
    source.once('end', () => {
      if (partial) out.write(redactLogLine(partial) + '\n');
      if (--open === 0) out.end();
    });
  }
  return closed;
}
