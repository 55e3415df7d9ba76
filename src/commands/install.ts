import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { ExitCode, UsageError } from '../ui/errors.js';
import type { IngressChoice } from '../mesh/istio/install-profile.js';
import { collect, parseTimeout } from './flag-values.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import { outputOption } from '../ui/output.js';

/** Fails with a usage error unless `path` is a readable file. */
async function checkReadableFile(flag: string, path: string): Promise<void> {
  const { access, stat } = await import('node:fs/promises');
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new UsageError(`${flag} ${path}: no such file`);
  if (!st.isFile()) throw new UsageError(`${flag} ${path}: not a file`);
  await access(path, 4).catch(() => { throw new UsageError(`${flag} ${path}: not readable`); });
}

interface InstallFlags extends KubeFlags {
  wait?: string;
  profile: string;
  version?: string;
  filename?: string[];
  set?: string[];
  dryRun?: boolean | string;
  timeout: string;
  yes?: boolean;
  force?: boolean;
  purge?: boolean;
  mirror?: string;
  ingress: IngressChoice;
  output: 'text' | 'json';
}

export function command(io: Io): Command {
  const cmd = new Command('install')
    .summary('install Istio with a profile onto the current cluster')
    .description('Install Istio: ensure the release (downloaded and verified), render it with the release\'s own istioctl,\n' +
      'plan (create / update / unchanged per object), confirm, then server-side apply in phases (namespace, CRDs, config,\n' +
      'istiod, gateways), waiting for each; record an inventory in the cluster and prune what a previous install had and\n' +
      'this one does not (never CRDs unless --purge). Re-running the same install changes nothing.')
    .option('-p, --profile <name>', 'profile (see `meshctl profile list`)', 'default')
    .option('--version <version>', 'Istio release (default: $MESHCTL_ISTIO_VERSION, else the cluster\'s (a local cluster\'s own, the installed one),\n' +
      'else the newest cached, else the newest stable)')
    .option('-f, --filename <file>', 'IstioOperator overlay (repeatable)', collect)
    .option('--set <path=value>', 'IstioOperator setting, e.g. values.global.logging.level=debug (repeatable)', collect)
    .addOption(new Option('--dry-run [mode]', 'plan only (client), or also server-side dry-run every change (server)').preset('client'))
    .option('--timeout <duration>', 'how long to wait for each phase to become ready', '5m')
    .option('--wait <condition>', '"pushed": then wait until istiod serves proxy configuration (asked as a pod\'s sidecar), for --timeout at most')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'take over fields that another field manager owns')
    .option('--purge', 'also delete CRDs that a previous install had and this one does not')
    .option('--mirror <url>', 'download releases from this mirror (default $MESHCTL_MIRROR)')
    .addOption(new Option('--ingress <service>', 'the ingress gateway\'s Service: NodePort with fixed node ports on Kind and local clusters, else LoadBalancer (auto)')
      .choices(['auto', 'nodeport', 'loadbalancer']).default('auto'))
    .addOption(outputOption(['text', 'json'], 'text progress on stderr, or JSON-lines events on stdout'));
  withKubeFlags(cmd)
    .addHelpText('after', `
Examples:
  meshctl install --profile demo -y
  meshctl install --profile default --ingress loadbalancer -y     # a cloud cluster that meshctl mistakes for Kind
  meshctl install --profile minimal --version 1.30.3 --dry-run=server
  meshctl install --profile default --set values.global.logging.level=debug -f my-overlay.yaml -y
  meshctl install --profile demo -y -o json | jq -c 'select(.event=="succeed")'`)
    .action(async (flags: InstallFlags) => {
      const dryRun = flags.dryRun === undefined || flags.dryRun === false ? false : flags.dryRun === true ? 'client' : flags.dryRun;
      if (dryRun !== false && dryRun !== 'client' && dryRun !== 'server') throw new UsageError(`--dry-run "${dryRun}": use client or server`);
      const timeoutMs = parseTimeout(flags.timeout);
      // the xDS client is loaded only when a wait is asked for
      const wait = flags.wait !== undefined && (await import('../mesh/xds/pushed.js')).parseWait(flags.wait);
      if (wait && dryRun !== false) throw new UsageError('--wait=pushed waits for what an install writes: it does not mix with --dry-run');
      // every flag is checked before the network or the cluster is touched
      const { checkSets } = await import('../mesh/istio/render.js');
      checkSets(flags.set ?? []);
      for (const f of flags.filename ?? []) await checkReadableFile('-f', f);
      const { getProfile } = await import('../mesh/istio/profiles.js');
      const profile = await getProfile(flags.profile);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io, { json: flags.output === 'json' });
      const kube = await connectKube(flags);
      const { chooseRelease } = await import('../mesh/release-choice.js');
      const { readInventory } = await import('../mesh/istio/install.js');
      const installed = async () => (await readInventory(kube))?.version;
      const release = await chooseRelease({ version: flags.version, mirror: flags.mirror, context: kube.context, installed });
      if (release.from) reporter.info(`release: Istio ${release.version}, ${release.from} (--version chooses another)`);
      const { installProfile } = await import('../mesh/istio/install-profile.js');
      const { confirmOnTty } = await import('../ui/confirm.js');
      const result = await installProfile(kube, {
        profile, version: release.version, mirror: release.mirror, overlays: flags.filename ?? [], sets: flags.set ?? [], ingress: flags.ingress,
        dryRun, timeoutMs, confirm: flags.yes ? undefined : (question) => confirmOnTty(io, question), force: flags.force, purge: flags.purge, reporter,
      });
      if (result.cancelled) {
        reporter.info('cancelled: nothing was changed');
        io.exitCode = ExitCode.Unexpected;
        return;
      }
      reporter.info(`${dryRun ? 'dry run: nothing changed' : `done: ${result.applied} applied, ${result.pruned} pruned`} (${kube.requests} API requests, ${kube.writes} writes)`, {
        applied: result.applied, pruned: result.pruned, requests: kube.requests, writes: kube.writes,
      });
      if (wait && !dryRun) {
        const { waitIstiodServes } = await import('../mesh/xds/pushed.js');
        const said = await waitIstiodServes(kube, undefined, { waitMs: timeoutMs, istioNamespace: ISTIO_NAMESPACE });
        reporter.info(said ?? '--wait=pushed: no running pod to ask istiod about; not waiting');
      }
    });
  return cmd;
}
