import { Command, Option } from 'commander';

export function command(): Command {
  const cmd = new Command('profile').description('List, show and compare meshctl\'s install profiles.')
    .addHelpText('after', `
Examples:
  meshctl profile list
  meshctl profile show demo
  meshctl profile diff default demo`);
  cmd.addCommand(new Command('list').description('List the profiles.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExamples:\n  meshctl profile list\n  meshctl profile list -o json')
    .action(async (flags: { output: string }) => {
      const { listProfiles } = await import('../mesh/istio/profiles.js');
      const { writeStdout } = await import('../ui/output.js');
      const all = await listProfiles();
      if (flags.output === 'json') return writeStdout(JSON.stringify(all.map(({ name, description }) => ({ name, description })), null, 2) + '\n');
      const width = Math.max(...all.map((p) => p.name.length));
      await writeStdout(all.map((p) => `${p.name.padEnd(width)}  ${p.description}`).join('\n') + '\n');
    }));
  cmd.addCommand(new Command('show').description('Print a profile (an IstioOperator overlay).').argument('<name>')
    .addHelpText('after', '\nExamples:\n  meshctl profile show demo')
    .action(async (name: string) => {
      const { getProfile } = await import('../mesh/istio/profiles.js');
      const { writeStdout } = await import('../ui/output.js');
      await writeStdout((await getProfile(name)).text);
    }));
  cmd.addCommand(new Command('diff').description('Show the lines that differ between two profiles.').argument('<a>').argument('<b>')
    .addHelpText('after', '\nExamples:\n  meshctl profile diff default demo')
    .action(async (a: string, b: string) => {
      const { getProfile } = await import('../mesh/istio/profiles.js');
      const { lineDiff } = await import('../ui/diff.js');
      const { writeStdout } = await import('../ui/output.js');
      const [pa, pb] = await Promise.all([getProfile(a), getProfile(b)]);
      await writeStdout(lineDiff(pa.text, pb.text, `profiles/${a}.yaml`, `profiles/${b}.yaml`));
    }));
  return cmd;
}
