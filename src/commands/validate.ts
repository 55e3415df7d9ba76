import { Command, Option } from 'commander';
import { defaultIstioVersion } from '../mesh/istio/versions.js';
import { ExitCode, UsageError } from '../ui/errors.js';
import { collect } from './generator-flags.js';
import { withKubeFlags, type KubeFlags } from './kube-flags.js';

interface ValidateFlags extends KubeFlags {
  filename?: string[];
  output: 'text' | 'json' | 'sarif';
  strict?: boolean;
  crds?: string[];
  useKube?: boolean;
  version: string;
  mirror?: string;
  listCel?: boolean;
}

export function command(): Command {
  const cmd = new Command('validate')
    .summary('validate mesh manifests: schema, CEL rules and semantics, with file:line:column')
    .description('Validate manifests against the exact schemas the cluster will enforce (the CRDs of the mesh release,\n' +
      'of given files, or of the cluster), their CEL rules, and semantic rules the schemas cannot express.\n' +
      'Unknown fields are errors (the apiserver would drop them silently). Exit 0 valid, 65 invalid, 64 usage.')
    .argument('[paths...]', 'files or directories (recursive: .yaml, .yml, .json); - for stdin')
    .option('-f, --filename <path>', 'a file or directory (repeatable, like kubectl)', collect)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--strict', 'unknown kinds are errors, not warnings')
    .option('--crds <path>', 'validate against CRDs from these files, directories or URLs (repeatable)', collect)
    .option('--use-kube', 'validate against the CRDs installed in the cluster')
    .option('--version <version>', 'Istio release whose CRDs to use (default $MESHCTL_ISTIO_VERSION or latest)', defaultIstioVersion())
    .option('--mirror <url>', 'release mirror (default $MESHCTL_MIRROR)')
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
      if (flags.crds && flags.useKube) throw new UsageError('--crds and --use-kube do not mix: pick one source of schemas');
      const sources = await import('../validate/sources.js');
      const kinds = flags.crds ? await sources.crdsFromFiles(flags.crds) : flags.useKube ? await sources.crdsFromCluster(flags) : await sources.crdsFromRelease(flags.version, { mirror: flags.mirror });
      const { SchemaSet } = await import('../validate/schema.js');
      const schemas = new SchemaSet(kinds);
      const { writeStdout } = await import('../ui/output.js');
      if (flags.listCel) {
        const rules = await schemas.celCoverage();
        const lines = rules.map(({ kind, version, rule }) => `${rule.covered ? 'evaluated' : 'not covered'}\t${kind} ${version}\t${rule.rule.rule.replace(/\s+/g, ' ')}${rule.covered ? '' : `\t(${rule.why})`}`);
        const covered = rules.filter((r) => r.rule.covered).length;
        await writeStdout(lines.join('\n') + `\n${covered} of ${rules.length} CEL rules evaluated\n`);
        return;
      }
      const { expandPaths, loadSources } = await import('../manifests/documents.js');
      const { files, missing } = await expandPaths(all);
      if (missing.length > 0) throw new UsageError(`no such file or directory: ${missing.join(', ')}`);
      const { validateSources } = await import('../validate/run.js');
      const findings = await validateSources(await loadSources(files), schemas, { strict: flags.strict });
      const report = await import('../validate/report.js');
      const { VERSION } = await import('../version.js');
      await writeStdout(flags.output === 'json' ? report.formatJson(findings) : flags.output === 'sarif' ? report.formatSarif(findings, VERSION) : report.formatText(findings));
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (flags.output === 'text') {
        process.stderr.write(`${files.length} file(s), ${findings.length === 0 ? 'no problems' : `${errors} error(s), ${findings.length - errors} warning(s)`} (schemas: ${kinds[0]?.origin ?? 'none'})\n`);
      }
      if (errors > 0) process.exitCode = ExitCode.InvalidInput;
    });
  return cmd;
}
