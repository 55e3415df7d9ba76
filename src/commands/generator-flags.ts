/**
 * Flags and printing shared by the generator commands: -n, -o, --from.
 */
import { Command, Option } from 'commander';
import { checkDnsLabel } from '../generate/args.js';
import { UsageError } from '../ui/errors.js';
import { MANIFEST_FORMATS, parseFormat, renderObjects, writeStdout, type ManifestFormat } from '../ui/output.js';
import type { K8sObject } from '../manifests/object.js';

export interface GeneratorFlags {
  namespace?: string;
  output: string;
  from?: string;
}

/** Adds `-n/--namespace`, `-o/--output` and (for composable generators) `--from`. */
export function withGeneratorFlags(cmd: Command, opts: { from: boolean } = { from: true }): Command {
  cmd.option('-n, --namespace <ns>', opts.from
    ? 'namespace of the generated resources (default: the namespace of the --from resources, else "default")'
    : 'namespace of the generated resources (default: "default")');
  cmd.addOption(new Option('-o, --output <format>', 'output format').choices([...MANIFEST_FORMATS]).default('yaml'));
  if (opts.from) {
    cmd.option('--from <file>', 'existing resources to merge the change into (a file, or - for stdin); all of them are printed back');
  }
  return cmd;
}

/** Checks the common flags, loads `--from`, builds the resources and prints them. */
export async function generateAndPrint(
  flags: GeneratorFlags,
  build: (existing: K8sObject[], namespace: string) => K8sObject[],
): Promise<void> {
  if (flags.namespace !== undefined) checkDnsLabel('namespace', flags.namespace);
  const format: ManifestFormat = parseFormat(flags.output, MANIFEST_FORMATS);
  let existing: K8sObject[] = [];
  if (flags.from) {
    const { loadObjects } = await import('../manifests/read.js');
    existing = await loadObjects(flags.from);
  }
  const namespace = flags.namespace ?? namespaceOf(existing, flags.from ?? '');
  await writeStdout(await renderObjects(build(existing, namespace), format));
}

/**
 * The namespace the `--from` resources are in, when `-n` is not given: the one namespace they name, else
 * "default". Resources in several namespaces need `-n` to say which service is meant.
 */
export function namespaceOf(existing: K8sObject[], from: string): string {
  const named = new Set(existing.map((o) => o.metadata?.namespace).filter((n): n is string => typeof n === 'string' && n !== ''));
  if (named.size > 1) {
    throw new UsageError(`--from ${from === '-' ? '<stdin>' : from} holds resources in namespaces ${[...named].sort().join(', ')}: pass -n to say which one`);
  }
  return named.size === 1 ? [...named][0] : 'default';
}
