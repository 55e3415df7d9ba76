import { Command, Option } from 'commander';
import type { Io } from '../ui/io.js';
import { defaultIstioVersion } from '../mesh/istio/versions.js';
import { outputOption } from '../ui/output.js';

interface DownloadFlags {
  version: string;
  mesh: string;
  os?: string;
  arch?: string;
  mirror?: string;
  insecureSkipVerify?: boolean;
  output: 'path' | 'json';
}

export function command(io: Io): Command {
  return new Command('download')
    .summary('download and verify a mesh release into the cache')
    .description('Download a mesh release archive, verify it against its published SHA-256, and extract it safely into\n' +
      'meshctl\'s cache (~/.cache/meshctl/releases/istio-<version>/). A cached release needs no network.\n' +
      'Prints the release directory (or JSON with -o json).')
    .option('--version <version>', 'release version (1.30.3, or latest for the newest stable); default $MESHCTL_ISTIO_VERSION or latest', defaultIstioVersion())
    .addOption(new Option('--mesh <mesh>', 'which mesh').choices(['istio']).default('istio'))
    .option('--os <os>', 'target OS (linux, osx); default: this machine\'s')
    .option('--arch <arch>', 'target CPU (amd64, arm64); default: this machine\'s')
    .option('--mirror <url>', 'download from this mirror instead (default $MESHCTL_MIRROR); http only on loopback')
    .option('--insecure-skip-verify', 'accept a release without a published checksum (not recommended)')
    .addOption(outputOption(['path', 'json']))
    .addHelpText('after', `
Examples:
  meshctl download                                  # newest stable Istio
  meshctl download --version 1.30.3
  meshctl download --version 1.30.3 --mirror https://mirror.example.com/istio
  ISTIOCTL="$(meshctl download)/bin/istioctl"`)
    .action(async (flags: DownloadFlags) => {
      const { ensureRelease } = await import('../release/download.js');
      const { reporterFor } = await import('../ui/progress.js');
      const { printResult } = await import('../ui/output.js');
      const reporter = await reporterFor(io);
      const release = await ensureRelease({
        version: flags.version, os: flags.os, arch: flags.arch, mirror: flags.mirror, insecureSkipVerify: flags.insecureSkipVerify, reporter,
      });
      if (!release.downloaded) reporter.info(`release ${release.version} is cached in ${release.dir}`);
      await printResult(io, flags.output, release, () => release.dir + '\n');
    });
}
