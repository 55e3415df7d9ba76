/**
 * Module hooks that append every resolved module URL to the file named by MESHCTL_IMPORT_LOG, so tests
 * can assert which modules a command loads. Registered with `--import` of import-log-register.js.
 */
import { appendFileSync } from 'node:fs';

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const result = await next(specifier, context);
  if (process.env.MESHCTL_IMPORT_LOG) appendFileSync(process.env.MESHCTL_IMPORT_LOG, result.url + '\n');
  return result;
}
