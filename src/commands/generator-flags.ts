/**
 * Flags and printing shared by the generator commands: -n, -o, --from.
 */
import { Command, Option } from 'commander';
import { checkDnsLabel } from '../generate/args.js';
import { MANIFEST_FORMATS, parseFormat, renderObjects, writeStdout, type ManifestFormat } from '../ui/output.js';
import type { K8sObject } from '../manifests/object.js';

export interface GeneratorFlags {
  namespace: string;
  output: string;
  from?: string;
}

/** Adds `-n/--namespace`, `-o/--output` and (for composable generators) `--from`. */
export function withGeneratorFlags(cmd: Command, opts: { from: boolean } = { from: true }): Command {
  cmd.option('-n, --namespace <ns>', 'namespace of the generated resources', 'default');
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
  const namespace = checkDnsLabel('namespace', flags.namespace);
  const format: ManifestFormat = parseFormat(flags.output, MANIFEST_FORMATS);
  let existing: K8sObject[] = [];
  if (flags.from) {
    const { loadObjects } = await import('../manifests/read.js');
    existing = await loadObjects(flags.from);
  }
  await writeStdout(await renderObjects(build(existing, namespace), format));
}

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
