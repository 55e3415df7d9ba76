import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { parseTimeout } from './flag-values.js';
import { connectKube, withKubeFlags, type KubeFlags } from './kube-flags.js';
import { outputOption } from '../ui/output.js';

interface AddonFlags extends KubeFlags {
  version?: string;
  timeout: string;
  output?: string;
}

export function command(io: Io): Command {
  const cmd = new Command('addons')
    .summary('install, list and remove the telemetry addons (prometheus, grafana, jaeger, kiali)')
    .description('The addons of the Istio release in meshctl\'s cache (samples/addons), in istio-system, recorded like the install.');
  const install = withKubeFlags(new Command('install')
    .description('Apply addons (all four when none is named) and wait for them.')
    .argument('[names...]', 'prometheus, grafana, jaeger, kiali')
    .option('--version <version>', 'take the addons from this cached Istio release (default: the installed one, else the newest cached)')
    .option('--timeout <duration>', 'how long to wait for each addon', '5m'))
    .addHelpText('after', '\nExamples:\n  meshctl addons install\n  meshctl addons install prometheus kiali')
    .action(async (names: string[], flags: AddonFlags) => {
      const samples = await import('../mesh/samples.js');
      const wanted = names.length > 0 ? [...new Set(names)].map(samples.checkAddon) : [...samples.ADDONS];
      const timeoutMs = parseTimeout(flags.timeout);
      const kube = await connectKube(flags);
      const { reporterFor } = await import('../ui/progress.js');
      const reporter = await reporterFor(io);
      await samples.installAddons(kube, { names: wanted, version: flags.version, timeoutMs, reporter });
      reporter.info(`open one: meshctl dashboard ${wanted.includes('kiali') ? 'kiali' : wanted[0]}`);
    });
  const remove = withKubeFlags(new Command('remove')
    .description('Delete what install created for the addons (all installed ones when none is named).')
    .argument('[names...]', 'prometheus, grafana, jaeger, kiali')
    .option('--timeout <duration>', 'how long to wait for the objects to go', '2m'))
    .addHelpText('after', '\nExamples:\n  meshctl addons remove\n  meshctl addons remove jaeger')
    .action(async (names: string[], flags: AddonFlags) => {
      const samples = await import('../mesh/samples.js');
      names.forEach(samples.checkAddon);
      const timeoutMs = parseTimeout(flags.timeout);
      const kube = await connectKube(flags);
      const { deleteRecorded, listRecords } = await import('../cluster/recorded.js');
      const installed = (await listRecords(kube, 'addon')).map((r) => r.name);
      const targets = names.length > 0 ? names : installed;
      if (targets.length === 0) {
        io.stderr.write('no addons installed\n');
        return;
      }
      for (const name of targets) {
        const deleted = await deleteRecorded(kube, 'addon', name, samples.ADDON_NAMESPACE, timeoutMs);
        io.stderr.write(deleted === undefined ? `addon ${name} is not installed\n` : `✔ addon ${name}: ${deleted} object(s) deleted\n`);
      }
    });
  const list = withKubeFlags(new Command('list')
    .description('List the addons and whether each is installed.')
    .addOption(outputOption(['table', 'json'])))
    .addHelpText('after', '\nExamples:\n  meshctl addons list -o json')
    .action(async (flags: AddonFlags) => {
      const samples = await import('../mesh/samples.js');
      const kube = await connectKube(flags);
      const { listRecords } = await import('../cluster/recorded.js');
      const installed = await listRecords(kube, 'addon');
      const rows = samples.ADDONS.map((name) => {
        const r = installed.find((x) => x.name === name);
        return { name, installed: Boolean(r), from: r?.data.from ?? '', objects: r?.objects ?? 0 };
      });
      const { printResult } = await import('../ui/output.js');
      await printResult(io, flags.output, rows, () => rows.map((r) => `${r.name.padEnd(10)}  ${r.installed ? `installed (${r.objects} objects, from ${r.from})` : 'not installed'}`).join('\n') + '\n');
    });
  return cmd.addCommand(install).addCommand(remove).addCommand(list);
}
