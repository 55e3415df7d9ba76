/**
 * Flags and printing shared by the generator commands: -n, -o, --from.
 */
import { Command, Option } from 'commander';
import { checkDnsLabel } from '../generate/args.js';
import { CheckFailedError, ExitCode, MeshctlError, UsageError } from '../ui/errors.js';
import { MANIFEST_FORMATS, parseFormat, renderObjects, writeStdout, type ManifestFormat, outputOption } from '../ui/output.js';
import type { Io } from '../ui/io.js';
import { objectRef, type K8sObject } from '../manifests/object.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import type { KubeClient } from '../cluster/client.js';

export interface GeneratorFlags extends KubeFlags {
  namespace?: string;
  output: string;
  from?: string;
  apply?: boolean;
  dryRun?: string;
  diff?: boolean;
  force?: boolean;
  wait?: string;
  waitTimeout: string;
}

/** Adds `-n/--namespace`, `-o/--output` and (for composable generators) `--from`. */
export function withGeneratorFlags(cmd: Command, opts: { from: boolean } = { from: true }): Command {
  cmd.option('-n, --namespace <ns>', opts.from
    ? 'namespace of the generated resources (default: the namespace of the --from resources, else "default")'
    : 'namespace of the generated resources (default: "default")');
  cmd.addOption(outputOption([...MANIFEST_FORMATS]));
  if (opts.from) {
    cmd.option('--from <file>', 'existing resources to merge the change into (a file, or - for stdin); all of them are printed back');
  }
  cmd.option('--apply', opts.from
    ? 'merge the change into the live resources and apply it (server-side apply, field manager meshctl)'
    : 'apply the resources to the cluster (server-side apply, field manager meshctl)');
  cmd.addOption(new Option('--dry-run <mode>', 'server: let the apiserver check and default the change, changing nothing').choices(['none', 'server']));
  cmd.option('--diff', 'print a unified diff of the live resources and the result (without --apply: change nothing)');
  cmd.option('--force', 'with --apply: take over fields another field manager owns, and apply even when the analyzers find errors the change would bring');
  cmd.option('--wait <condition>', 'with --apply: "pushed" waits until istiod serves the change to a pod of the namespace (asked as that pod\'s sidecar)');
  cmd.option('--wait-timeout <duration>', 'how long --wait waits', '1m');
  return withKubeFlags(cmd);
}

/**
 * The service a generator is about: named, or (when `service` is undefined) inferred from the `--from` resources,
 * else from the cluster's namespace: the one Service whose pods carry every one of `versions` in `labelKey`.
 */
export interface ServiceChoice {
  service?: string;
  /**
   * The versions the command names (split's weights, route's --to): the Service whose pods carry them all is
   * meant. None (retry, timeout, fault, circuit-break): the one service the namespace's routing resources route.
   */
  versions: string[];
  labelKey: string;
  /** The command with the service named, for the error when none or several could be meant. */
  example: string;
}

type Build = (existing: K8sObject[], namespace: string, service: string) => K8sObject[];

/** Checks the common flags, loads `--from`, builds the resources and prints them. */
export async function generateAndPrint(io: Io, flags: GeneratorFlags, build: Build, choice?: ServiceChoice): Promise<void> {
  if (flags.namespace !== undefined) checkDnsLabel('namespace', flags.namespace);
  const format: ManifestFormat = parseFormat(flags.output, MANIFEST_FORMATS);
  if (flags.wait !== undefined) {
    // checked before the cluster is touched (and the xDS client loaded only when asked for)
    if (!flags.apply) throw new UsageError('--wait waits for what --apply writes: add --apply');
    (await import('../mesh/xds/pushed.js')).parseWait(flags.wait);
  }
  const live = flags.apply || flags.diff || flags.dryRun === 'server';
  if (live) return applyLive(io, flags, format, build, choice);
  if (flags.force) throw new UsageError('--force only means something with --apply');
  let existing: K8sObject[] = [];
  if (flags.from) {
    const { loadObjects } = await import('../generate/read.js');
    existing = await loadObjects(flags.from, io.stdin);
  }
  let namespace = flags.namespace ?? namespaceOf(existing, flags.from ?? '');
  let service = choice ? choice.service : '';
  if (choice && service === undefined) {
    const { servicesRouted, theOne } = await import('../generate/infer.js');
    if (flags.from) {
      service = theOne(servicesRouted(existing, namespace), `--from ${flags.from === '-' ? '<stdin>' : flags.from}`, choice.example);
    } else {
      const { clusterConfigured } = await import('../cluster/kube.js');
      if (!clusterConfigured(flags.kubeconfig)) throw new UsageError(`name the service (${choice.example}): there is no --from and no cluster to infer it from`);
      const kube = await connectKube(flags);
      namespace = flags.namespace ?? kube.namespace;
      await requireNamespace(kube, namespace);
      service = await serviceInCluster(kube, namespace, choice);
    }
  }
  await writeStdout(io, await renderObjects(build(existing, namespace, service!), format));
}

/** A namespace the cluster does not have is said as such (exit 2), before anything is looked up or written in it. */
async function requireNamespace(kube: KubeClient, namespace: string): Promise<void> {
  if (!(await kube.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }))) {
    throw new CheckFailedError(`namespace ${namespace} does not exist in context ${kube.context} (create it, or pass -n)`);
  }
}

/**
 * The service meant, from the namespace (which the caller has found to exist): the one Service whose pods carry
 * every named version, or with no version named, the one service the namespace's routing resources route
 * (`composable`: those resources, when the caller has read them already).
 */
async function serviceInCluster(
  kube: KubeClient, namespace: string, choice: ServiceChoice, composable?: K8sObject[],
): Promise<string> {
  const { servicesRouted, servicesWithVersions, theOne } = await import('../generate/infer.js');
  if (choice.versions.length === 0) {
    const { liveComposable } = await import('../cluster/live-apply.js');
    const routed = servicesRouted(composable ?? await liveComposable(kube, namespace), namespace);
    return theOne(routed, `namespace ${namespace} (services its VirtualServices, DestinationRules and HTTPRoutes route)`, choice.example);
  }
  const [services, pods] = await Promise.all([kube.list('v1', 'Service', { namespace }), kube.list('v1', 'Pod', { namespace })]);
  const versions = choice.versions.map((v) => `${choice.labelKey}=${v}`).join(', ');
  return theOne(servicesWithVersions(services, pods, choice.versions, choice.labelKey), `namespace ${namespace} (Services whose pods carry ${versions})`, choice.example);
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

/**
 * `--wait=pushed`: the configuration istiod serves a pod of the namespace before the write, and the wait after it
 * (undefined when there is nothing to wait for). The wait says on stderr how long istiod took.
 */
async function beforePushWait(
  io: Io, kube: KubeClient, namespace: string, flags: GeneratorFlags, dryRun: boolean,
): Promise<((changed: boolean) => Promise<void>) | undefined> {
  if (flags.wait === undefined) return undefined;
  if (dryRun) throw new UsageError('--wait=pushed waits for what --apply writes: add --apply');
  const { parseTimeout } = await import('./flag-values.js');
  const waitMs = parseTimeout(flags.waitTimeout);
  const { baseline, podToWatch, waitPushed } = await import('../mesh/xds/pushed.js');
  const { notice } = await import('../ui/output.js');
  const pod = await podToWatch(kube, namespace);
  if (!pod) {
    notice(io, `--wait=pushed: no running pod in namespace ${namespace} to ask istiod about; not waiting`);
    return undefined;
  }
  const opts = { timeoutMs: Math.min(waitMs, 30_000) };
  const before = await baseline(kube, pod, opts);
  return async (changed) => {
    if (!changed) { notice(io, '--wait=pushed: nothing changed, so istiod has nothing to push'); return; }
    const { ms, version } = await waitPushed(kube, pod, before, { ...opts, waitMs });
    notice(io, `pushed: istiod serves the change to pod ${namespace}/${pod.metadata.name} after ${(ms / 1000).toFixed(1)}s (config version ${version})`);
  };
}

/**
 * --apply, --diff and --dry-run=server: the generator composes with the live resources of the namespace
 * (the same pure composition --from uses), and the result is applied (or dry-run), kubectl-style lines or
 * JSON saying what changed, with a unified diff per changed object under --diff.
 */
async function applyLive(io: Io, flags: GeneratorFlags, format: ManifestFormat, build: Build, choice?: ServiceChoice): Promise<void> {
  if (flags.from) throw new UsageError('--from and --apply/--diff/--dry-run=server do not mix: the live resources are what the change is merged into');
  const kube = await connectKube(flags);
  const namespace = flags.namespace ?? kube.namespace;
  await requireNamespace(kube, namespace);
  const { applyChanges, applied, liveComposable } = await import('../cluster/live-apply.js');
  const live = await liveComposable(kube, namespace);
  const service = !choice ? '' : choice.service ?? await serviceInCluster(kube, namespace, choice, live);
  // the analyzers see the result over the live cluster before anything is written: an Error the change would
  // bring (a host or subset nothing serves, a conflicting gateway) stops --apply unless --force; the rest is said
  const { planLiveChange } = await import('../mesh/live-change.js');
  const { touched, findings } = await planLiveChange(kube, namespace, live, build, service);
  const dryRun = !flags.apply || flags.dryRun === 'server';
  const pushed = await beforePushWait(io, kube, namespace, flags, dryRun);
  const errors = findings.filter((m) => m.level === 'Error');
  if (findings.length > 0) {
    const { formatLog } = await import('../analyze/report.js');
    io.stderr.write(`meshctl analyze: this change would bring ${findings.length} message(s):\n${formatLog(findings)}`);
  }
  if (errors.length > 0 && flags.apply && !flags.force) {
    throw new MeshctlError(`nothing applied: the change would bring ${errors.length} error(s) (fix them, or --force to apply anyway)`, ExitCode.AnalysisIssues);
  }
  if (errors.length > 0 && !flags.apply) io.exitCode = ExitCode.AnalysisIssues;
  // --diff alone only shows the result: another manager's fields are no reason not to show it
  const force = Boolean(flags.force) || (!flags.apply && flags.dryRun !== 'server');
  const changes = await applyChanges(kube, touched, live, { dryRun, force });
  // --wait=pushed waits after what was written is said
  const waitForPush = async () => { if (pushed) await pushed(changes.some((c) => c.action !== 'unchanged')); };
  if (format === 'json') {
    await writeStdout(io, JSON.stringify(changes.map((c) => ({
      kind: c.object.kind, namespace: c.object.metadata.namespace, name: c.object.metadata.name, action: c.action, dryRun,
    })), null, 2) + '\n');
    await waitForPush();
    return;
  }
  const { stringify } = await import('yaml');
  const { unifiedDiff } = await import('../ui/diff.js');
  const out: string[] = [];
  for (const c of changes) {
    const ref = objectRef(c.object);
    if (flags.diff && c.action !== 'unchanged') {
      const yaml = (o: K8sObject | undefined) => (o ? stringify(applied(o), { lineWidth: 0 }) : '');
      out.push(unifiedDiff(yaml(c.before), yaml(c.after), `live/${ref}`, `result/${ref}`).trimEnd());
    }
    const group = c.object.apiVersion.includes('/') ? `.${c.object.apiVersion.split('/')[0]}` : '';
    if (flags.apply || !flags.diff) out.push(`${c.object.kind.toLowerCase()}${group}/${c.object.metadata.name} ${c.action}${dryRun ? ' (server dry run)' : ''}`);
  }
  if (flags.diff && changes.every((c) => c.action === 'unchanged')) io.stderr.write('no changes: the live resources already hold the result\n');
  await writeStdout(io, out.length > 0 ? out.join('\n') + '\n' : '');
  await waitForPush();
}
