/**
 * The kind provider: checks for `kind` and a container engine, writes the Kind cluster config meshctl wants
 * (the control-plane node labelled `ingress-ready=true` and mapping host ports 80, 443 and 15021 to the node
 * ports of meshctl's NodePort ingress, optional workers, a pinned node image), and runs kind. The config and
 * the image choice are pure functions; running kind goes through execa.
 */
import { UsageError, MeshctlError } from '../ui/errors.js';
import type { Reporter } from '../ui/progress.js';
import type { ClusterProvider } from './provider.js';

export const KIND_CONTEXT_PREFIX = 'kind-';

/** Host port → node port of the ingress gateway (profiles/overlays/nodeport-ingress.yaml). */
export const INGRESS_PORT_MAPPINGS: [host: number, node: number][] = [[80, 30080], [443, 30443], [15021, 30021]];

/**
 * Each kind release's default node image, pinned by digest, as that release's source states it
 * (sigs.k8s.io/kind, pkg/apis/config/defaults/image.go, read from the Go module of each version).
 */
export const KIND_DEFAULT_IMAGES: Record<string, string> = {
  'v0.30.0': 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a',
  'v0.32.0': 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5',
  'v0.33.0': 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
};

/** `kind version` output → `v0.32.0`. */
export function parseKindVersion(out: string): string | undefined {
  return /\bkind (v\d+\.\d+\.\d+)/.exec(out)?.[1];
}

export interface NodeImage {
  /** The image for the config; undefined leaves kind's own default. */
  image?: string;
  /** Whether the image is pinned by digest. */
  pinned: boolean;
  /** What to tell the user about the choice. */
  note: string;
}

/**
 * The node image for `--kubernetes-version` with the kind found: the digest-pinned default when the versions
 * match, a tag otherwise (kind builds node images per release; a tag from another release may not work).
 */
export function nodeImage(kindVersion: string, kubernetesVersion?: string): NodeImage {
  const known = KIND_DEFAULT_IMAGES[kindVersion];
  const knownK8s = known ? /:(v[\d.]+)@/.exec(known)![1] : undefined;
  if (!kubernetesVersion) {
    if (known) return { image: known, pinned: true, note: `node image ${known.split('@')[0]} (kind ${kindVersion}'s default, pinned by digest)` };
    return { pinned: false, note: `kind ${kindVersion}'s default node image (meshctl knows no digest for this kind version)` };
  }
  const v = kubernetesVersion.startsWith('v') ? kubernetesVersion : `v${kubernetesVersion}`;
  if (!/^v1\.\d+\.\d+$/.test(v)) throw new UsageError(`--kubernetes-version "${kubernetesVersion}": expected a release such as 1.36.1`);
  if (known && v === knownK8s) return { image: known, pinned: true, note: `node image ${known.split('@')[0]} (kind ${kindVersion}'s default, pinned by digest)` };
  return {
    image: `kindest/node:${v}`, pinned: false,
    note: `node image kindest/node:${v} by tag, not pinned: kind ${kindVersion}'s own image is ${knownK8s ?? 'unknown to meshctl'}; check kind's release notes for images built for it`,
  };
}

export interface KindConfigOptions {
  name: string;
  workers: number;
  image?: string;
}

/** The Kind cluster config (kind.x-k8s.io/v1alpha4) as YAML. */
export function kindConfig(opts: KindConfigOptions): string {
  const image = opts.image ? `    image: ${opts.image}\n` : '';
  const mappings = INGRESS_PORT_MAPPINGS.map(([host, node]) => `      - containerPort: ${node}\n        hostPort: ${host}\n        protocol: TCP\n`).join('');
  const workers = Array.from({ length: opts.workers }, () => `  - role: worker\n${image}`).join('');
  return [
    '# written by meshctl cluster create: host ports 80, 443 and 15021 reach the ingress gateway\'s node ports',
    'kind: Cluster',
    'apiVersion: kind.x-k8s.io/v1alpha4',
    `name: ${opts.name}`,
    'nodes:',
    '  - role: control-plane',
    `${image}    kubeadmConfigPatches:`,
    '      - |',
    '        kind: InitConfiguration',
    '        nodeRegistration:',
    '          kubeletExtraArgs:',
    '            node-labels: "ingress-ready=true"',
    '    extraPortMappings:',
    `${mappings}${workers}`,
  ].join('\n');
}

export interface KindTools {
  kindVersion: string;
  engine: 'docker' | 'podman';
}

/** `kind` and a running container engine; each missing one is a usage error with how to get it. */
export async function kindPrerequisites(): Promise<KindTools> {
  const { execa } = await import('execa');
  const run = (cmd: string, args: string[]) => execa(cmd, args, { reject: false, timeout: 30_000 });
  const kind = await run('kind', ['version']);
  if ((kind as { code?: string }).code === 'ENOENT' || kind.failed && kind.exitCode === undefined) {
    throw new UsageError('kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation (or `go install sigs.k8s.io/kind@latest`); without Docker, use --provider local');
  }
  const kindVersion = parseKindVersion(kind.stdout);
  if (kind.exitCode !== 0 || !kindVersion) throw new MeshctlError(`kind version failed: ${(kind.stderr || kind.stdout).split('\n')[0] || `exit ${kind.exitCode}`}`);
  const docker = await run('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (docker.exitCode === 0) return { kindVersion, engine: 'docker' };
  const podman = await run('podman', ['info']);
  if (podman.exitCode === 0) return { kindVersion, engine: 'podman' };
  const dockerMissing = (docker as { code?: string }).code === 'ENOENT';
  const podmanMissing = (podman as { code?: string }).code === 'ENOENT';
  if (dockerMissing && podmanMissing) {
    throw new UsageError('kind needs a container engine and neither docker nor podman is installed: see https://docs.docker.com/engine/install/ (or use --provider local)');
  }
  const why = (dockerMissing ? podman.stderr : docker.stderr).split('\n').find((l) => l.trim()) ?? 'no answer';
  throw new UsageError(`${dockerMissing ? 'podman' : 'docker'} is installed but not running (${dockerMissing ? 'podman' : 'docker'} info: ${why.trim()}): start it, or use --provider local`);
}

/** kind's environment for the engine found (podman is still experimental in kind). */
function kindEnv(tools: KindTools): Record<string, string> {
  return tools.engine === 'podman' ? { KIND_EXPERIMENTAL_PROVIDER: 'podman' } : {};
}

/** Runs kind, turning its progress lines into steps; its last error line becomes the error. */
async function runKind(args: string[], tools: KindTools, reporter: Reporter): Promise<void> {
  const { execa } = await import('execa');
  const child = execa('kind', args, { reject: false, env: kindEnv(tools), stdout: 'pipe', stderr: 'pipe', buffer: true });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      const step = line.replace(/^\s*[✓✗•]\s*/u, '').trim();
      if (step && !/^ERROR|^Set kubectl context|^You can now|^Have a|^Thanks|^kubectl cluster-info/.test(step)) reporter.start(`kind: ${step}`);
    }
  });
  const res = await child;
  if (res.exitCode !== 0) {
    const error = String(res.stderr).split('\n').find((l) => l.startsWith('ERROR:')) ?? String(res.stderr).trim().split('\n').pop() ?? '';
    throw new MeshctlError(`kind ${args.slice(0, 2).join(' ')} failed: ${error.replace(/^ERROR:\s*/, '') || `exit ${res.exitCode}`}`);
  }
}

/** The kind clusters (`kind get clusters`); empty when kind is not installed. */
export async function kindClusters(): Promise<string[]> {
  const { execa } = await import('execa');
  const res = await execa('kind', ['get', 'clusters'], { reject: false, timeout: 30_000 });
  if (res.exitCode !== 0) return [];
  return res.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^No kind clusters found/.test(l));
}

export interface CreateKindOptions {
  name: string;
  workers: number;
  kubernetesVersion?: string;
  kubeconfig?: string;
  reporter: Reporter;
  /** kind and the engine, when the caller has checked them already. */
  tools?: KindTools;
}

/** Creates the cluster with meshctl's config; kind writes the context `kind-NAME` and makes it current. */
export async function createKindCluster(opts: CreateKindOptions): Promise<{ context: string; image: NodeImage }> {
  const tools = opts.tools ?? await kindPrerequisites();
  const image = nodeImage(tools.kindVersion, opts.kubernetesVersion);
  if (!image.pinned) opts.reporter.warn(image.note);
  if ((await kindClusters()).includes(opts.name)) throw new UsageError(`kind cluster ${opts.name} already exists (meshctl cluster delete ${opts.name})`);
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-kind-'));
  const config = join(dir, 'kind-config.yaml');
  writeFileSync(config, kindConfig({ name: opts.name, workers: opts.workers, image: image.image }));
  opts.reporter.start(`creating kind cluster ${opts.name} with ${tools.engine} (${image.note}; ${opts.workers} worker(s); host ports 80, 443, 15021 to the ingress gateway)`);
  try {
    await runKind(['create', 'cluster', '--name', opts.name, '--config', config, ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : [])], tools, opts.reporter);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const context = KIND_CONTEXT_PREFIX + opts.name;
  opts.reporter.succeed(`kind cluster ${opts.name} is up: context ${context}`);
  return { context, image };
}

/** Deletes the cluster (kind removes its context); false when kind has no such cluster. */
export async function deleteKindCluster(name: string, reporter: Reporter, kubeconfig?: string): Promise<boolean> {
  const tools = await kindPrerequisites();
  if (!(await kindClusters()).includes(name)) return false;
  reporter.start(`deleting kind cluster ${name}`);
  await runKind(['delete', 'cluster', '--name', name, ...(kubeconfig ? ['--kubeconfig', kubeconfig] : [])], tools, reporter);
  return true;
}

/** kind as a provider, for one command: the tools are checked once (up checks them before it looks for the cluster). */
export function kindProvider(): ClusterProvider {
  let tools: Promise<KindTools> | undefined;
  const prerequisites = () => (tools ??= kindPrerequisites());
  return {
    name: 'kind',
    async running(name) {
      await prerequisites();
      return (await kindClusters()).includes(name) ? { context: KIND_CONTEXT_PREFIX + name } : undefined;
    },
    has: async (name) => (await kindClusters()).includes(name),
    async create(opts) {
      const { context } = await createKindCluster({ ...opts, tools: await prerequisites() });
      return { context };
    },
    delete: (name, reporter, kubeconfig) => deleteKindCluster(name, reporter, kubeconfig),
    list: async () => (await kindClusters()).map((n) => ({ name: n, provider: 'kind', status: 'running', context: KIND_CONTEXT_PREFIX + n })),
  };
}
