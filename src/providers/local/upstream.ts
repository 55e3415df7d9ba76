/**
 * Where the upstream binaries built by scripts/build-upstream.sh live (a cache outside the repo, keyed by
 * version), read from scripts/upstream-versions.env so that the script, the local cluster and the tests agree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../assets.js';

/** meshctl's package (or checkout) directory, where scripts/ lives. */
export const REPO_ROOT = packageRoot();

export interface UpstreamVersions {
  K8S_VERSION: string;
  ETCD_VERSION: string;
  KWOK_VERSION: string;
  GATEWAY_API_VERSION: string;
  ISTIO_MODULE_VERSION: string;
  ISTIO_VERSION: string;
  ISTIO_COMMIT: string;
}

export function upstreamVersions(): UpstreamVersions {
  const text = readFileSync(join(REPO_ROOT, 'scripts', 'upstream-versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out as unknown as UpstreamVersions;
}

export function upstreamCacheDir(env = process.env): string {
  return env.MESHCTL_UPSTREAM_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'meshctl', 'upstream');
}

export interface UpstreamBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  kwokStages: string;
  /** kwok's CRDs (ClusterLogs, ClusterPortForward, ClusterExec, …), for serving logs, exec and port-forward. */
  kwokCrds: string;
  istioctl: string;
  /** istiod's binary, built from the same Istio module (`scripts/build-upstream.sh pilot-discovery`). */
  pilotDiscovery: string;
  /** Directory of the Gateway API standard-channel CRD files. */
  gatewayApiCrds: string;
  /** The istio module source directory (release samples and manifests), recorded at build time. */
  istioModuleDir: string;
}

/** Paths of the built binaries; throws naming the build command when one is missing. */
export function upstreamBinaries(): UpstreamBinaries {
  const v = upstreamVersions();
  const cache = upstreamCacheDir();
  const k8s = join(cache, `kubernetes-${v.K8S_VERSION}`, 'bin');
  const istio = join(cache, `istioctl-${v.ISTIO_VERSION}-${v.ISTIO_COMMIT}`);
  const bins: UpstreamBinaries = {
    etcd: join(cache, `etcd-${v.ETCD_VERSION}`, 'bin', 'etcd'),
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kwok: join(cache, `kwok-${v.KWOK_VERSION}`, 'bin', 'kwok'),
    kwokStages: join(cache, `kwok-${v.KWOK_VERSION}`, 'stage'),
    kwokCrds: join(cache, `kwok-${v.KWOK_VERSION}`, 'crd'),
    istioctl: join(istio, 'bin', 'istioctl'),
    pilotDiscovery: join(cache, `pilot-discovery-${v.ISTIO_VERSION}-${v.ISTIO_COMMIT}`, 'bin', 'pilot-discovery'),
    gatewayApiCrds: join(cache, `gateway-api-${v.GATEWAY_API_VERSION}`, 'standard'),
    istioModuleDir: existsSync(join(istio, 'module-dir')) ? readFileSync(join(istio, 'module-dir'), 'utf8').trim() : '',
  };
  for (const [name, path] of Object.entries(bins)) {
    // istioctl and pilot-discovery are checked where they are used (requireIstioctl, the control plane's istiod option)
    if (!['istioModuleDir', 'istioctl', 'pilotDiscovery', 'kwokCrds'].includes(name) && !existsSync(path)) {
      throw new Error(`${path} is missing: run scripts/build-upstream.sh first`);
    }
  }
  return bins;
}

/** The built istioctl; throws naming the build command when it is missing. */
export function requireIstioctl(bins: UpstreamBinaries = upstreamBinaries()): string {
  if (!existsSync(bins.istioctl)) throw new Error(`${bins.istioctl} is missing: run scripts/build-upstream.sh istioctl first`);
  return bins.istioctl;
}
