/**
 * Where mesh releases come from: Istio's GitHub releases, or a mirror with the same layout
 * (`<mirror>/<version>/istio-<version>-<os>-<arch>.tar.gz` and `.sha256`, plus `<mirror>/releases.json`
 * in the shape of GitHub's releases API, for `latest`). Pure functions, no I/O.
 */
import { UsageError } from '../ui/errors.js';

export const GITHUB_DOWNLOADS = 'https://github.com/istio/istio/releases/download';
export const GITHUB_RELEASES_API = 'https://api.github.com/repos/istio/istio/releases?per_page=100';

export interface ReleaseSource {
  /** Base URL that version directories hang off. */
  base: string;
  /** URL of the releases index (GitHub API shape: [{ tag_name, prerelease, draft }]). */
  index: string;
  mirror: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/**
 * Why a release may not come from `url`, or undefined: https anywhere, plain http only on a loopback
 * address. Every redirect hop is held to the same rule.
 */
export function sourceUrlProblem(url: URL): string | undefined {
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) return 'plain http is only allowed for loopback mirrors; use https';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'only https (or http on loopback) is supported';
  return undefined;
}

/** The source for an optional mirror URL: https, or http only on a loopback address. */
export function releaseSource(mirror?: string): ReleaseSource {
  if (!mirror) return { base: GITHUB_DOWNLOADS, index: GITHUB_RELEASES_API, mirror: false };
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw new UsageError(`--mirror "${mirror}" is not a URL`);
  }
  const problem = sourceUrlProblem(url);
  if (problem) throw new UsageError(`--mirror "${mirror}": ${problem}`);
  const base = url.href.replace(/\/$/, '');
  return { base, index: `${base}/releases.json`, mirror: true };
}

/** Istio's archive platform suffix: linux-amd64, linux-arm64, osx, osx-arm64. */
export function platformSuffix(os: string, arch: string): string {
  if (os !== 'linux' && os !== 'osx') throw new UsageError(`--os "${os}" is not supported (linux or osx; Windows releases are zip files)`);
  if (arch !== 'amd64' && arch !== 'arm64' && arch !== 'armv7') throw new UsageError(`--arch "${arch}" is not supported (amd64, arm64)`);
  return os === 'osx' && arch === 'amd64' ? 'osx' : `${os}-${arch}`;
}

/** This machine's os and arch, in Istio's names. */
export function hostPlatform(): { os: string; arch: string } {
  const os = process.platform === 'darwin' ? 'osx' : process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm' ? 'armv7' : process.arch;
  return { os, arch };
}

export function archiveName(version: string, os: string, arch: string): string {
  return `istio-${version}-${platformSuffix(os, arch)}.tar.gz`;
}

export function archiveUrl(source: ReleaseSource, version: string, os: string, arch: string): string {
  return `${source.base}/${version}/${archiveName(version, os, arch)}`;
}

const VERSION = /^\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?$/;

export function checkVersion(version: string): string {
  if (version !== 'latest' && !VERSION.test(version)) {
    throw new UsageError(`--version "${version}" is not a release version (like 1.30.3, or latest); Istio tags have no "v" prefix`);
  }
  return version;
}

/** Whether a version is a stable release (no alpha, beta, rc or dev suffix). */
export function isStable(version: string): boolean {
  return /^\d+\.\d+\.\d+$/.test(version);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number(p));
  const pb = b.split(/[.-]/).map((p) => Number(p));
  for (let i = 0; i < 3; i++) if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) - (pb[i] || 0);
  return 0;
}

/** Whether an item of a releases index (any JSON) is an object with a string tag_name. */
export function isTagged(r: unknown): r is { tag_name: string; prerelease?: unknown; draft?: unknown } {
  return typeof r === 'object' && r !== null && typeof (r as { tag_name?: unknown }).tag_name === 'string';
}

/** The newest stable version in a releases index, or undefined. */
export function newestStable(index: unknown[]): string | undefined {
  return index
    .filter((r): r is { tag_name: string; prerelease?: unknown; draft?: unknown } => isTagged(r) && !r.prerelease && !r.draft && isStable(r.tag_name))
    .map((r) => r.tag_name as string)
    .sort(compareVersions)
    .pop();
}

/** Parses a `.sha256` file (`<hex>  <name>` or just `<hex>`). */
export function parseChecksumFile(text: string): string | undefined {
  const m = /^([0-9a-fA-F]{64})\b/.exec(text.trim());
  return m ? m[1].toLowerCase() : undefined;
}
