/**
 * The Istio release of the local cluster and the tests, with its loopback mirror: assembles an Istio release archive from
 * the istioctl built by scripts/build-upstream.sh, the manifests of the same Istio module and meshctl's own
 * samples, with its .sha256 and a releases.json, and serves a directory over HTTP on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import * as tar from 'tar';
import { REPO_ROOT, requireIstioctl, upstreamBinaries, upstreamVersions } from './upstream.js';

export const MIRROR_OS = 'linux';
/** The directories of an Istio release's samples/ whose manifests meshctl deploys. */
const RELEASE_SAMPLE_DIRS = ['addons', 'bookinfo/platform/kube', 'bookinfo/networking', 'httpbin', 'curl', 'sleep', 'helloworld'];
export const MIRROR_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The version of the release assembled from the built istioctl (1.31-dev for the pinned commit). */
export function mirrorVersion(): string {
  return upstreamVersions().ISTIO_VERSION;
}

/**
 * Writes `<root>/<version>/istio-<version>-linux-<arch>.tar.gz` (+ .sha256) and `<root>/releases.json`.
 * Returns the archive path.
 */
export async function assembleRelease(root: string, version = mirrorVersion()): Promise<string> {
  const bins = upstreamBinaries();
  const stage = mkdtempSync(join(tmpdir(), 'meshctl-release-'));
  const name = `istio-${version}-${MIRROR_OS}-${MIRROR_ARCH}.tar.gz`;
  const archive = join(root, version, name);
  // the stage goes whether the archive is written or not (a full disk fails a copy half-way)
  try {
    const top = join(stage, `istio-${version}`);
    mkdirSync(join(top, 'bin'), { recursive: true });
    cpSync(requireIstioctl(bins), join(top, 'bin', 'istioctl'));
    if (bins.istioModuleDir && existsSync(join(bins.istioModuleDir, 'manifests'))) {
      cpSync(join(bins.istioModuleDir, 'manifests'), join(top, 'manifests'), { recursive: true });
    }
    // the samples a release carries (addons, bookinfo, httpbin, curl, sleep, helloworld), from the same Istio
    // module, where a real release has them; meshctl's own samples on top
    if (bins.istioModuleDir && existsSync(join(bins.istioModuleDir, 'samples'))) {
      for (const dir of RELEASE_SAMPLE_DIRS) {
        const from = join(bins.istioModuleDir, 'samples', dir);
        if (!existsSync(from)) continue;
        mkdirSync(join(top, 'samples', dir), { recursive: true });
        for (const f of readdirSync(from).filter((n) => n.endsWith('.yaml'))) cpSync(join(from, f), join(top, 'samples', dir, f));
      }
    }
    cpSync(join(REPO_ROOT, 'samples'), join(top, 'samples'), { recursive: true });
    writeFileSync(join(top, 'manifest.yaml'), `version: ${version}\n`);
    mkdirSync(join(root, version), { recursive: true });
    await tar.c({ gzip: true, file: archive, cwd: stage, portable: true }, [`istio-${version}`]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  writeFileSync(`${archive}.sha256`, `${sha256(archive)}  ${name}\n`);
  writeReleasesIndex(root, [version]);
  return archive;
}

/** Writes releases.json in GitHub's API shape; dev/rc versions are marked prerelease. */
export function writeReleasesIndex(root: string, versions: string[]): void {
  const index = versions.map((v) => ({ tag_name: v, prerelease: !/^\d+\.\d+\.\d+$/.test(v), draft: false }));
  writeFileSync(join(root, 'releases.json'), JSON.stringify(index, null, 2));
}

export interface Mirror {
  url: string;
  /** Number of requests served, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** The file's stat, or undefined for any path that names no file (missing, too long, not a directory on the way, NUL). */
function statOrNothing(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Serves `root` read-only over HTTP on 127.0.0.1 (a free port unless given). */
export function serveMirror(root: string, port = 0): Promise<Mirror> {
  const hits = new Map<string, number>();
  // Any local user can reach it, so no request may end it: a path that does not decode, names something outside
  // `root` or vanishes while it is read is answered (400/404), never thrown.
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    } catch {
      res.writeHead(400).end('bad request\n');
      return;
    }
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = join(root, path);
    const st = path.includes('..') ? undefined : statOrNothing(file);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!st?.isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${p}`, hits, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
