import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { ExitCode, InputError, UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { withKubeFlags, type KubeFlags } from './kube-flags.js';
import { outputOption } from '../ui/output.js';

interface ValidateFlags extends KubeFlags {
  filename?: string[];
  output: 'text' | 'json' | 'sarif';
  strict?: boolean;
  crds?: string[];
  useKube?: boolean;
  version?: string;
  gatewayApiChannel: 'standard' | 'experimental';
  mirror?: string;
  listCel?: boolean;
}

export function command(io: Io): Command {
  const cmd = new Command('validate')
    .summary('validate mesh manifests: schema, CEL rules and semantics, with file:line:column')
    .description('Validate manifests against the exact schemas the cluster will enforce (the CRDs of the mesh release,\n' +
      'of given files, or of the cluster), their CEL rules, and semantic rules the schemas cannot express.\n' +
      'Unknown fields are errors (the apiserver would drop them silently). Exit 0 valid, 65 invalid, 64 usage.')
    .argument('[paths...]', 'files or directories (recursive: .yaml, .yml, .json); - for stdin')
    .option('-f, --filename <path>', 'a file or directory (repeatable, like kubectl)', collect)
    .addOption(outputOption(['text', 'json', 'sarif']))
    .option('--strict', 'unknown kinds are errors, not warnings')
    .option('--crds <path>', 'validate against CRDs from these files, directories or URLs (repeatable)', collect)
    .option('--use-kube', 'validate against the CRDs installed in the cluster')
    .option('--version <version>', 'validate against the CRDs of this Istio release (downloaded and cached; default: the bundled schemas, no network)')
    .addOption(new Option('--gateway-api-channel <channel>', 'Gateway API CRDs of the bundled schemas').choices(['standard', 'experimental']).default('standard'))
    .option('--mirror <url>', 'release mirror for --version (default $MESHCTL_MIRROR)')
    .option('--list-cel', 'list the CEL rules of the schemas and whether meshctl evaluates them');
  withKubeFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl validate manifests/
  meshctl validate -f vs.yaml -f dr.yaml -o json
  meshctl validate --crds crds/ --strict deploy/ -o sarif > meshctl.sarif
  meshctl split reviews v1=90 v2=10 | meshctl validate -`)
    .action(async (paths: string[], flags: ValidateFlags) => {
      const all = [...paths, ...(flags.filename ?? [])];
      if (all.length === 0 && !flags.listCel) throw new UsageError('validate needs at least one path (a file, a directory, or - for stdin)');
      const { celCoverageText, schemasFor } = await import('../validate/sources.js');
      const kinds = await schemasFor({ ...flags, kube: flags });
      const { writeStdout } = await import('../ui/output.js');
      if (flags.listCel) return writeStdout(io, await celCoverageText(kinds));
      const { expandPaths, stdinIfNamed } = await import('../manifests/documents.js');
      const { files, unreadable } = await expandPaths(all);
      if (unreadable.length > 0) throw new UsageError(unreadable.join('; '));
      // reading, parsing and checking run in a worker thread, so Ctrl-C ends even a document that takes long;
      // stdin is this thread's, so it is read here
      const stdin = await stdinIfNamed(files, io.stdin);
      const { runCancellable } = await import('../worker/cancellable.js');
      const { findings, documents, problems, origin } = await runCancellable('validate', { files, kinds, options: { strict: flags.strict }, stdin });
      // empty input is never "no problems": nothing was checked (a failed generator before the pipe, an empty dir)
      if (documents === 0 && problems === 0) {
        throw new InputError(`no manifests found in ${all.map((p) => (p === '-' ? '<stdin>' : p)).join(', ')}${files.length === 0 ? ' (no .yaml, .yml or .json files)' : ''}`);
      }
      const report = await import('../validate/report.js');
      const summary = report.summarize(findings, files.length, documents, origin);
      const { VERSION } = await import('../version.js');
      const errors = summary.errors;
      // the verdict is set before the output: a reader that stops early (`| head -1`) must not turn 65 into 0
      if (errors > 0) io.exitCode = ExitCode.InvalidInput;
      await writeStdout(io, flags.output === 'json' ? report.formatJson(findings, summary) : flags.output === 'sarif' ? report.formatSarif(findings, VERSION) : report.formatText(findings));
      if (flags.output === 'text') io.stderr.write(report.verdictLine(summary));
    });
  return cmd;
}
