import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { outputOption } from '../ui/output.js';

export function command(io: Io): Command {
  const cmd = new Command('profile').summary('list, show and compare meshctl\'s install profiles').description('List, show and compare meshctl\'s install profiles.')
    .addHelpText('after', `
Examples:
  meshctl profile list
  meshctl profile show demo
  meshctl profile diff default demo`);
  cmd.addCommand(new Command('list').description('List the profiles.')
    .addOption(outputOption(['table', 'json']))
    .addHelpText('after', '\nExamples:\n  meshctl profile list\n  meshctl profile list -o json')
    .action(async (flags: { output: string }) => {
      const { listProfiles } = await import('../mesh/istio/profiles.js');
      const { printResult } = await import('../ui/output.js');
      const all = await listProfiles();
      const width = Math.max(...all.map((p) => p.name.length));
      await printResult(io, flags.output, all.map(({ name, description }) => ({ name, description })),
        () => all.map((p) => `${p.name.padEnd(width)}  ${p.description}`).join('\n') + '\n');
    }));
  cmd.addCommand(new Command('show').description('Print a profile (an IstioOperator overlay).').argument('<name>')
    .addOption(outputOption(['yaml', 'json'], 'output format: the profile file as it is (yaml), or as JSON'))
    .addHelpText('after', '\nExamples:\n  meshctl profile show demo\n  meshctl profile show demo -o json | jq .spec.components')
    .action(async (name: string, flags: { output: string }) => {
      const { getProfile } = await import('../mesh/istio/profiles.js');
      const { printResult } = await import('../ui/output.js');
      const profile = await getProfile(name);
      const { parse } = await import('yaml');
      // yaml: the profile file as it is, comments included
      await printResult(io, flags.output === 'json' ? 'json' : 'text', flags.output === 'json' ? parse(profile.text) : undefined, () => profile.text);
    }));
  cmd.addCommand(new Command('diff')
    .description('Compare what two profiles would install: both are rendered with the release\'s istioctl and compared object by\n' +
      'object (only in one, changed with the changed lines, the same). --overlay compares the profile files instead (offline).')
    .argument('<a>').argument('<b>')
    .option('--version <version>', 'Istio release to render with (default: $MESHCTL_ISTIO_VERSION, else the current local cluster\'s,\n' +
      'else the newest cached, else the newest stable)')
    .option('--mirror <url>', 'download releases from this mirror (default $MESHCTL_MIRROR)')
    .option('--overlay', 'compare meshctl\'s profile files, not what they install (no release needed)')
    .addOption(outputOption(['text', 'json']))
    .addHelpText('after', '\nExamples:\n  meshctl profile diff default demo\n  meshctl profile diff demo minimal -o json | jq .onlyInA\n  meshctl profile diff default demo --overlay')
    .action(async (a: string, b: string, flags: { version?: string; mirror?: string; overlay?: boolean; output: string }) => {
      const { getProfile } = await import('../mesh/istio/profiles.js');
      const { lineDiff, changedLines } = await import('../ui/diff.js');
      const { printResult, writeStdout } = await import('../ui/output.js');
      const [pa, pb] = await Promise.all([getProfile(a), getProfile(b)]);
      if (flags.overlay) return writeStdout(io, lineDiff(pa.text, pb.text, `profiles/${a}.yaml`, `profiles/${b}.yaml`));
      const { reporterFor } = await import('../ui/progress.js');
      const { releaseToRender } = await import('../mesh/release-choice.js');
      const release = await releaseToRender({ version: flags.version, mirror: flags.mirror, reporter: await reporterFor(io) });
      const { renderIstio } = await import('../mesh/istio/render.js');
      const [ra, rb] = await Promise.all([pa, pb].map((profile) => renderIstio(release, { profile, overlays: [], sets: [], defaultRevisionTag: true })));
      const { diffRendered } = await import('../mesh/istio/profile-diff.js');
      const d = diffRendered(ra, rb);
      if (flags.output === 'json') {
        const json = { a, b, version: release.version, onlyInA: d.onlyInA, onlyInB: d.onlyInB, changed: d.changed.map((c) => c.ref), same: d.same };
        return printResult(io, 'json', json, () => '');
      }
      const { stringify } = await import('yaml');
      const out = [`# Istio ${release.version}: ${a} renders ${ra.length} objects, ${b} renders ${rb.length}; ${d.same} the same`];
      for (const r of d.onlyInA) out.push(`only in ${a}: ${r}`);
      for (const r of d.onlyInB) out.push(`only in ${b}: ${r}`);
      for (const c of d.changed) {
        out.push(`changed: ${c.ref}`);
        out.push(...changedLines(stringify(c.a, { lineWidth: 0 }), stringify(c.b, { lineWidth: 0 })).map((l) => `    ${l}`));
      }
      await writeStdout(io, out.join('\n') + '\n');
    }));
  return cmd;
}
