/**
 * The one owner of colour: on only when the stream is a TTY and NO_COLOR is unset (and not forced off).
 */
import type { Out } from './io.js';

/** Whether output written to `stream` may carry colour. */
export function colourEnabled(stream: Out, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Small palette that degrades to plain text when colour is off. */
export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const plain: Palette = { red: (s) => s, green: (s) => s, yellow: (s) => s, bold: (s) => s, dim: (s) => s };

/** A palette for `stream`: chalk's when colour is enabled, identity functions otherwise. */
export async function paletteFor(stream: Out, env: NodeJS.ProcessEnv): Promise<Palette> {
  if (!colourEnabled(stream, env)) return plain;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { red: c.red, green: c.green, yellow: c.yellow, bold: c.bold, dim: c.dim };
}
