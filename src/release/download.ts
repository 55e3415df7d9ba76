/**
 * Getting a mesh release onto this machine: resolve the version, download the archive, verify it against
 * its published SHA-256, extract it safely into a temp dir and rename it into the cache atomically, so a
 * half-downloaded or half-extracted release is never used. A cached release needs no network.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CheckFailedError, InputError, MeshctlError, noRoomReason, UsageError } from '../ui/errors.js';
import { cleanupOnSignal } from '../ui/interrupt.js';
import { silentReporter, type Reporter } from '../ui/progress.js';
import {
  archiveName, archiveUrl, checkVersion, hostPlatform, isTagged, newestStable, parseChecksumFile, releaseSource, sourceUrlProblem, type ReleaseSource,
} from './source.js';
import { safeExtract } from './extract.js';
import { redactCredentials } from '../ui/redact.js';

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

const MAX_REDIRECTS = 5;

/** Every release in the cache for this machine's platform, newest version first. */
export async function cachedReleases(root: string): Promise<Release[]> {
  const host = hostPlatform();
  const names = await readdir(join(root, 'releases')).catch(() => [] as string[]);
  const found: Release[] = [];
  for (const n of names) {
    const m = /^istio-(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?)$/.exec(n);
    const r = m ? await cachedRelease(root, m[1], host.os, host.arch) : undefined;
    if (r) found.push(r);
  }
  const key = (v: string) => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? p.padStart(6, '0') : p)).join('.');
  return found.sort((a, b) => key(b.version).localeCompare(key(a.version)));
}

const OFFLINE_HINT = 'offline? use --mirror or MESHCTL_MIRROR, or a cached --version';

/**
 * GETs `url`, following redirects by hand so that every hop is held to the source rules (https, or http on
 * loopback): a mirror cannot send meshctl to a plain-http host elsewhere.
 */
export async function fetchOrFail(url: string, what: string, hint = OFFLINE_HINT, timeoutMs = 600_000): Promise<Response> {
  const signal = AbortSignal.timeout(timeoutMs);
  let current = url;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(current, { redirect: 'manual', signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CheckFailedError(`cannot download ${what} from ${current}: ${cause?.code ?? cause?.message ?? (err as Error).message} (${hint})`, { cause: err });
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (location === null) return res;
    await res.body?.cancel();
    if (hop === MAX_REDIRECTS) throw new CheckFailedError(`cannot download ${what}: more than ${MAX_REDIRECTS} redirects from ${url}`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new CheckFailedError(`cannot download ${what}: ${current} redirects to "${location}", which is not a URL`);
    }
    const problem = sourceUrlProblem(next);
    if (problem) throw new CheckFailedError(`refusing to download ${what}: ${current} redirects to ${next.href} (${problem})`);
    current = next.href;
  }
}

/** The most meshctl reads of each answer: a list of releases, a checksum file, a release archive. */
export const READ_LIMITS = { index: 8 * 1024 * 1024, checksum: 4096, archive: 1024 * 1024 * 1024 } as const;

/**
 * The body of an answer, read up to `limit` bytes: a larger one (announced or not) is refused as soon as it passes
 * the limit, and the rest is not read.
 */
export async function readCapped(res: Response, limit: number, what: string): Promise<Buffer> {
  const announced = Number(res.headers.get('content-length') ?? NaN);
  const over = () => new CheckFailedError(`${what} is larger than ${limit} bytes: refused (not a ${what} meshctl can use)`);
  if (announced > limit) {
    await res.body?.cancel();
    throw over();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw over();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/** Resolves `latest` to the newest stable version listed by the source. */
export async function resolveLatest(source: ReleaseSource): Promise<string> {
  const res = await fetchOrFail(source.index, 'the list of releases');
  if (!res.ok) throw new CheckFailedError(`cannot list releases at ${source.index}: HTTP ${res.status}`);
  const body = await readCapped(res, READ_LIMITS.index, 'the list of releases');
  let index: unknown;
  try {
    index = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InputError(`the releases list at ${source.index} is not JSON`);
  }
  const list = Array.isArray(index) ? index : [];
  const latest = newestStable(list);
  if (!latest) {
    const seen = list.filter(isTagged).map((r) => r.tag_name).slice(0, 5).join(', ');
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
  if (total > READ_LIMITS.archive) {
    await res.body.cancel();
    throw new CheckFailedError(`${label} at ${url} is ${total} bytes, over the ${READ_LIMITS.archive}-byte limit of a release archive: refused`);
  }
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  // a write that fails (a full disk) is an error of this download, not an unhandled event that ends the process
  let writeError: NodeJS.ErrnoException | undefined;
  out.on('error', (err) => (writeError ??= err));
  let received = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
      if (received > READ_LIMITS.archive) throw new Error(`more than the ${READ_LIMITS.archive}-byte limit of a release archive`);
      if (!out.write(chunk)) await new Promise<void>((r) => { out.once('drain', () => r()); out.once('error', () => r()); });
      if (writeError) break;
      if (total > 0) reporter.progress(received / total, `downloading ${label}`);
    }
  } catch (err) {
    throw new CheckFailedError(`the download of ${url} was interrupted: ${(err as Error).message}`, { cause: err });
  } finally {
    await new Promise<void>((r) => (out.destroyed ? r() : out.end(() => r())));
  }
  if (writeError) throw writeFailure(writeError, file);
  if (total > 0 && received !== total) throw new CheckFailedError(`the download of ${url} is truncated (${received} of ${total} bytes)`);
  return hash.digest('hex');
}

/** A write to the cache that failed, said as what to do (a full disk is the usual one). */
function writeFailure(err: NodeJS.ErrnoException, file: string): CheckFailedError {
  const why = noRoomReason(err) ?? err.message;
  return new CheckFailedError(`cannot write ${file}: ${why} (free some space, or set MESHCTL_CACHE_DIR to a disk with room); nothing was kept`, { cause: err });
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
  const tmp = join(root, 'releases', `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot use the cache directory ${root}: ${(err as NodeJS.ErrnoException).code === 'EEXIST' || (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'a file is in the way' : (err as Error).message} (set MESHCTL_CACHE_DIR to a writable directory)`, { cause: err });
  }
  await removeStaleTemps(join(root, 'releases'));
  const forgetCleanup = cleanupOnSignal(() => rmSync(tmp, { recursive: true, force: true }));
  try {
    const url = archiveUrl(source, version, os, arch);
    reporter.start(`downloading ${name()}`);
    const archive = join(tmp, name());
    const sha256 = await download(url, archive, reporter, name());
    reporter.succeed(`downloaded ${name()}`);
    const sumRes = await fetchOrFail(`${url}.sha256`, `${name()}.sha256`);
    const published = sumRes.ok ? parseChecksumFile((await readCapped(sumRes, READ_LIMITS.checksum, 'checksum file')).toString('utf8')) : undefined;
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
    await writeFile(join(extractTo, top, MARKER), JSON.stringify({ mesh: 'istio', version, os, arch, sha256, source: redactCredentials(url), verified: Boolean(published) }, null, 2));
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
  } catch (caught) {
    // extracting onto a full disk fails the same way as downloading onto one
    const err = noRoomReason(caught) ? writeFailure(caught as NodeJS.ErrnoException, tmp) : caught;
    reporter.fail(`release ${version}: ${(err as Error).message.split('\n')[0]}`);
    throw err;
  } finally {
    forgetCleanup();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Whether process `pid` is running (on this machine). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp dirs that a meshctl killed mid-download left behind: those of processes no longer running
 * (`.tmp-<pid>-…`), and older-style ones (`.tmp-<hex>`) more than a day old.
 */
async function removeStaleTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = /^\.tmp-(?:(\d+)-)?[0-9a-f]+$/.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    const stale = m[1] !== undefined ? !alive(Number(m[1])) : Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > 86_400_000;
    if (stale) await rm(path, { recursive: true, force: true });
  }
}
