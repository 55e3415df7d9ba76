/**
 * Getting a mesh release onto this machine: resolve the version, download the archive, verify it against
 * its published SHA-256, extract it safely into a temp dir and rename it into the cache atomically, so a
 * half-downloaded or half-extracted release is never used. A cached release needs no network.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CheckFailedError, InputError, MeshctlError } from '../ui/errors.js';
import { silentReporter, type Reporter } from '../ui/progress.js';
import {
  archiveName, archiveUrl, checkVersion, hostPlatform, newestStable, parseChecksumFile, releaseSource, type ReleaseSource,
} from './source.js';
import { safeExtract } from './extract.js';

export interface ReleaseRequest {
  version: string;
  os?: string;
  arch?: string;
  /** Mirror base URL (default: $MESHCTL_MIRROR, else Istio's GitHub releases). */
  mirror?: string;
  /** Accept an archive without a published checksum (loudly). */
  insecureSkipVerify?: boolean;
  /** meshctl's cache root (default: $MESHCTL_CACHE_DIR, else ~/.cache/meshctl). */
  cacheDir?: string;
  reporter?: Reporter;
}

export interface Release {
  mesh: 'istio';
  version: string;
  os: string;
  arch: string;
  /** The extracted release directory (bin/, manifests/, samples/). */
  dir: string;
  istioctl: string;
  /** SHA-256 of the archive it came from. */
  sha256: string;
  /** Whether this call downloaded it (false: it was cached). */
  downloaded: boolean;
}

const MARKER = '.meshctl-release.json';

export function cacheRoot(env = process.env): string {
  return env.MESHCTL_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'meshctl');
}

/** Directory of a cached release: `releases/istio-<v>` for this machine's platform, with a suffix otherwise. */
export function releaseDir(root: string, version: string, os: string, arch: string): string {
  const host = hostPlatform();
  const suffix = os === host.os && arch === host.arch ? '' : `-${os}-${arch}`;
  return join(root, 'releases', `istio-${version}${suffix}`);
}

/** A cached release, or undefined. Only complete releases (with the marker written last) count. */
export async function cachedRelease(root: string, version: string, os: string, arch: string): Promise<Release | undefined> {
  const dir = releaseDir(root, version, os, arch);
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8'));
    return { mesh: 'istio', version, os, arch, dir, istioctl: join(dir, 'bin', 'istioctl'), sha256: marker.sha256, downloaded: false };
  } catch {
    return undefined;
  }
}

async function fetchOrFail(url: string, what: string): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(600_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CheckFailedError(`cannot download ${what} from ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message} (offline? use --mirror or MESHCTL_MIRROR, or a cached --version)`, { cause: err });
  }
}

/** Resolves `latest` to the newest stable version listed by the source. */
export async function resolveLatest(source: ReleaseSource): Promise<string> {
  const res = await fetchOrFail(source.index, 'the list of releases');
  if (!res.ok) throw new CheckFailedError(`cannot list releases at ${source.index}: HTTP ${res.status}`);
  let index: unknown;
  try {
    index = await res.json();
  } catch {
    throw new InputError(`the releases list at ${source.index} is not JSON`);
  }
  const list = Array.isArray(index) ? index : [];
  const latest = newestStable(list);
  if (!latest) {
    const seen = list.map((r: any) => r.tag_name).filter(Boolean).slice(0, 5).join(', ');
    throw new CheckFailedError(`no stable release listed at ${source.index}${seen ? ` (it lists: ${seen}); pass --version` : ''}`);
  }
  return latest;
}

/** Downloads `url` to `file`, hashing as it goes; a short body (truncated transfer) is an error. */
async function download(url: string, file: string, reporter: Reporter, label: string): Promise<string> {
  const res = await fetchOrFail(url, label);
  if (res.status === 404) throw new CheckFailedError(`${label} not found at ${url} (is the version right? releases have no "v" prefix)`);
  if (!res.ok || !res.body) throw new CheckFailedError(`downloading ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  let received = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      if (total > 0) reporter.progress(received / total, `downloading ${label}`);
    }
  } catch (err) {
    throw new CheckFailedError(`the download of ${url} was interrupted: ${(err as Error).message}`, { cause: err });
  } finally {
    await new Promise<void>((r) => out.end(() => r()));
  }
  if (total > 0 && received !== total) throw new CheckFailedError(`the download of ${url} is truncated (${received} of ${total} bytes)`);
  return hash.digest('hex');
}

/** Ensures a release is in the cache, downloading and verifying it when needed. */
export async function ensureRelease(req: ReleaseRequest): Promise<Release> {
  const reporter = req.reporter ?? silentReporter;
  const host = hostPlatform();
  const os = req.os ?? host.os;
  const arch = req.arch ?? host.arch;
  const root = req.cacheDir ?? cacheRoot();
  let version = checkVersion(req.version);
  const name = () => archiveName(version, os, arch); // also checks os/arch
  name();
  if (version !== 'latest') {
    const cached = await cachedRelease(root, version, os, arch);
    if (cached) return cached;
  }
  const source = releaseSource(req.mirror ?? process.env.MESHCTL_MIRROR);
  if (version === 'latest') {
    reporter.start('resolving the latest stable release');
    version = await resolveLatest(source);
    reporter.succeed(`latest stable release: ${version}`);
    const cached = await cachedRelease(root, version, os, arch);
    if (cached) return cached;
  }
  const dest = releaseDir(root, version, os, arch);
  const tmp = join(root, 'releases', `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  try {
    const url = archiveUrl(source, version, os, arch);
    reporter.start(`downloading ${name()}`);
    const archive = join(tmp, name());
    const sha256 = await download(url, archive, reporter, name());
    reporter.succeed(`downloaded ${name()}`);
    const sumRes = await fetchOrFail(`${url}.sha256`, `${name()}.sha256`);
    const published = sumRes.ok ? parseChecksumFile(await sumRes.text()) : undefined;
    if (!published) {
      if (!req.insecureSkipVerify) {
        throw new InputError(`no usable checksum published for ${name()} (${url}.sha256: ${sumRes.ok ? 'not a SHA-256 line' : `HTTP ${sumRes.status}`}); refusing it (--insecure-skip-verify accepts it unverified)`);
      }
      reporter.warn(`NOT VERIFIED: ${name()} has no published checksum and --insecure-skip-verify was given (sha256 ${sha256})`);
    } else if (published !== sha256) {
      throw new InputError(`checksum mismatch for ${name()}: published ${published}, downloaded ${sha256}; refusing it`);
    } else {
      reporter.info(`verified sha256 ${sha256}`);
    }
    const top = `istio-${version}`;
    const extractTo = join(tmp, 'x');
    await mkdir(extractTo);
    await safeExtract(archive, extractTo, top);
    const istioctl = join(extractTo, top, 'bin', 'istioctl');
    if (!existsSync(istioctl)) throw new InputError(`the release archive has no ${top}/bin/istioctl`);
    await writeFile(join(extractTo, top, MARKER), JSON.stringify({ mesh: 'istio', version, os, arch, sha256, source: url, verified: Boolean(published) }, null, 2));
    await mkdir(join(root, 'releases'), { recursive: true });
    try {
      await rename(join(extractTo, top), dest);
    } catch (err) {
      // another meshctl finished the same release first: use that one
      const other = await cachedRelease(root, version, os, arch);
      if (!other) throw new MeshctlError(`cannot move the release into ${dest}: ${(err as Error).message}`, undefined, { cause: err });
      return other;
    }
    reporter.succeed(`release ${version} ready in ${dest}`);
    return { mesh: 'istio', version, os, arch, dir: dest, istioctl: join(dest, 'bin', 'istioctl'), sha256, downloaded: true };
  } catch (err) {
    reporter.fail(`release ${version}: ${(err as Error).message.split('\n')[0]}`);
    throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
