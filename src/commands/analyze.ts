import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { CheckFailedError, ExitCode, MeshctlError, UsageError } from '../ui/errors.js';
import { collect } from './flag-values.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import type { KubeClient } from '../cluster/client.js';
import { outputOption } from '../ui/output.js';

interface AnalyzeFlags extends KubeFlags {
  useKube: boolean;
  namespace?: string;
  allNamespaces?: boolean;
  output: 'log' | 'json' | 'yaml' | 'sarif';
  failureThreshold: string;
  outputThreshold: string;
  suppress?: string[];
  analyzer?: string[];
  listAnalyzers?: boolean;
  verbose?: boolean;
  meshConfigFile?: string;
  meshNetworksFile?: string;
  istioNamespace?: string;
}

function parseBool(value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new UsageError(`--use-kube "${value}": use true or false`);
}

export function command(io: Io): Command {
  const cmd = new Command('analyze')
    .summary('analyze mesh configuration in files and the live cluster (IST codes, plus meshctl\'s MSH checks)')
    .description('Analyze Istio configuration for problems, with istioctl\'s message codes (IST0xxx) and meshctl\'s own (MSH0xxx):\n' +
      'mTLS conflicts, split subsets without ready pods, policies that select nothing, and more. Files overlay the live\n' +
      'cluster (a file wins over the live object with the same identity). Exit 0 clean, 79 issues at or above\n' +
      '--failure-threshold, 65 unparseable input, 64 usage — the same in every output format.')
    .argument('[paths...]', 'files or directories (recursive: .yaml, .yml, .json); - for stdin')
    .addOption(new Option('-k, --use-kube [bool]', 'also analyze the live cluster').argParser(parseBool).default(true))
    .option('-n, --namespace <ns>', 'only report on this namespace (default: the context\'s namespace, else "default")')
    .option('-A, --all-namespaces', 'report on every namespace')
    .addOption(outputOption(['log', 'json', 'yaml', 'sarif']))
    .option('--failure-threshold <level>', 'lowest level that fails the run: Info, Warning, Error', 'Error')
    .option('--output-threshold <level>', 'lowest level printed: Info, Warning, Error', 'Info')
    .option('-S, --suppress <CODE=Kind ns/name>', 'suppress a message (globs allowed; repeatable), e.g. "IST0102=Namespace frod"', collect)
    .option('--analyzer <name>', 'run only this analyzer (globs allowed; repeatable)', collect)
    .option('-L, --list-analyzers', 'list the analyzers and exit')
    .option('--meshConfigFile <file>', 'mesh config (MeshConfig YAML) to analyze with, instead of the cluster\'s or Istio\'s defaults')
    .option('--meshNetworksFile <file>', 'mesh networks (MeshNetworks YAML) to analyze with, instead of the cluster\'s (the istio ConfigMap\'s meshNetworks)')
    .option('-i, --istioNamespace <ns>', 'the namespace of the control plane and its istio ConfigMap', ISTIO_NAMESPACE)
    .option('-v, --verbose', 'list the analyzers run on stderr');
  withKubeFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl analyze                                   # the live cluster, current namespace
  meshctl analyze -A                                # every namespace
  meshctl analyze --use-kube=false manifests/       # files only (CI without a cluster)
  meshctl analyze deploy/ -o json --failure-threshold Warning
  meshctl analyze -S "IST0102=Namespace *" -S "IST0118=Service bookinfo/*"`)
    .action(async (paths: string[], flags: AnalyzeFlags) => {
      const { parseLevel, levelRank } = await import('../analyze/messages.js');
      const failure = parseLevel(flags.failureThreshold);
      const output = parseLevel(flags.outputThreshold);
      if (!failure) throw new UsageError(`--failure-threshold "${flags.failureThreshold}": use Info, Warning or Error`);
      if (!output) throw new UsageError(`--output-threshold "${flags.outputThreshold}": use Info, Warning or Error`);
      const runner = await import('../analyze/runner.js');
      const { writeStdout } = await import('../ui/output.js');
      if (flags.listAnalyzers) {
        await writeStdout(io, runner.ALL_ANALYZERS.map((a) => `${a.name}\n    ${a.description}\n    reads: ${a.reads.join(', ')}; reports: ${a.reports.map((t) => t.code).join(', ')}`).join('\n') + '\n');
        return;
      }
      const suppress = (flags.suppress ?? []).map((s) => {
        const parsed = runner.parseSuppression(s);
        if (!parsed) throw new UsageError(`--suppress "${s}": expected CODE=Kind namespace/name, e.g. "IST0102=Namespace frod"`);
        return parsed;
      });
      if (flags.analyzer?.length && runner.selectAnalyzers(flags.analyzer).length === 0) {
        throw new UsageError(`--analyzer ${flags.analyzer.join(', ')}: no such analyzer (see meshctl analyze -L)`);
      }
      const { clusterView, AnalyzeInputError } = await import('../analyze/index.js');
      let kube: KubeClient | undefined;
      if (flags.useKube) {
        const { NoClusterConfiguredError } = await import('../cluster/kube.js');
        kube = await connectKube(flags).catch((err) => {
          // no kubeconfig at all: analyze the files alone, as a CI job without a cluster expects
          if (paths.length > 0 && err instanceof NoClusterConfiguredError) {
            io.stderr.write(`meshctl: ${err.message}; analyzing the files only\n`);
            return undefined;
          }
          throw err;
        });
      }
      const { meshConfigFile, meshNetworksFile, istioNamespace } = flags;
      const options = { analyzers: flags.analyzer, suppress, allNamespaces: flags.allNamespaces, namespace: flags.namespace };
      // the cluster is read here; the files are read and everything analyzed in a worker thread, so Ctrl-C ends even
      // a document that takes long to read or analyze; stdin is this thread's, so it is read here too
      const cluster = kube ? await clusterView(kube, options, istioNamespace) : undefined;
      const { stdinIfNamed } = await import('../manifests/documents.js');
      const stdin = await stdinIfNamed(paths, io.stdin);
      const { runCancellable } = await import('../worker/cancellable.js');
      const result = await runCancellable('analyze', { sources: { paths, meshConfigFile, meshNetworksFile, istioNamespace, stdin, cluster }, options }).catch((err) => {
        // errors come back from the worker with their names (their classes stay there)
        if (err instanceof AnalyzeInputError || (err as Error).name === 'AnalyzeInputError') throw new UsageError(err.message);
        if ((err as Error).name === 'CheckFailedError') throw new CheckFailedError(err.message);
        throw err;
      });
      const { namespace, problems } = result;
      for (const f of result.skippedFiles) io.stderr.write(`Skipping file ${f}: analyze reads .yaml, .yml and .json files (as istioctl)\n`);
      // files alone that hold nothing: nothing was analyzed, which is not "no issues" (validate says the same)
      if (!kube && result.fromFiles === 0 && problems.length === 0) {
        if (paths.length === 0) throw new UsageError('nothing to analyze: name files or directories, or analyze the cluster (--use-kube=true)');
        throw new MeshctlError(`no resources found in ${paths.join(', ') || 'the input'}: nothing was analyzed`, ExitCode.InvalidInput);
      }
      for (const p of problems) io.stderr.write(`Error: ${p.source}:${p.line}:${p.column}: ${p.message}\n`);
      if (flags.verbose) io.stderr.write(`Executed analyzers:\n${result.executed.map((n) => `  ${n}`).join('\n')}\n`);
      if (result.redefined.length > 0) {
        const first = result.redefined.slice(0, 3).map((d) => `${d.origin} (${d.sources.length} times: ${d.sources.join(', ')})`);
        const more = result.redefined.length > 3 ? `, and ${result.redefined.length - 3} more` : '';
        io.stderr.write(`Note: ${result.redefined.length} object(s) defined more than once; the last definition of each is analyzed: ${first.join('; ')}${more}.\n`);
      }
      if (result.skipped.length > 0) {
        // files alone: what was not checked is said, never summed up as "no issues"
        const kinds = [...new Set(result.skipped.flatMap((s) => s.kinds))].sort();
        io.stderr.write(`Note: ${result.skipped.length} analyzer(s) not run: the files hold no ${kinds.join(', ')} for them to check against ` +
          `(files only; istioctl's file mode skips them too)${flags.verbose ? '' : '; -v lists them'}.\n`);
        if (flags.verbose) io.stderr.write(`Skipped analyzers:\n${result.skipped.map((s) => `  ${s.name} (no ${s.kinds.join(', ')})`).join('\n')}\n`);
      }
      if (result.otherNamespaces > 0) {
        // as istioctl: the exit code follows what is shown; what is not shown is counted, never silently dropped
        io.stderr.write(`${result.otherNamespaces} message(s) about resources in other namespaces than ${namespace} were not shown (-A shows every namespace).\n`);
      }
      const failed = result.messages.some((m) => levelRank(m.level) >= levelRank(failure));
      const shown = result.messages.filter((m) => levelRank(m.level) >= levelRank(output));
      const report = await import('../analyze/report.js');
      const { VERSION } = await import('../version.js');
      let text: string;
      switch (flags.output) {
        case 'json': text = report.formatJson(shown); break;
        case 'yaml': text = await report.formatYaml(shown); break;
        case 'sarif': text = report.formatSarif(shown, VERSION); break;
        default:
          text = shown.length > 0 ? report.formatLog(shown) : '';
          if (shown.length === 0 && problems.length === 0) {
            io.stderr.write(`✔ No validation issues found when analyzing ${namespace ? `namespace: ${namespace}` : 'all namespaces'}.\n`);
          } else if (problems.length > 0) {
            const bad = new Set(problems.map((p) => p.source)).size;
            io.stderr.write(`✘ ${bad} file(s) could not be parsed; what they hold was not analyzed.\n`);
          }
      }
      // the verdict is set before the output: a reader that stops early (`| head -1`) must not turn 79 into 0
      if (problems.length > 0) io.exitCode = ExitCode.InvalidInput;
      else if (failed) io.exitCode = ExitCode.AnalysisIssues;
      await writeStdout(io, text);
    });
  return cmd;
}
