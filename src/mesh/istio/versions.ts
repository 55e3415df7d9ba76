/** Istio versions meshctl knows about. */

/** The release used when --version is not given: $MESHCTL_ISTIO_VERSION, else the newest stable release. */
export function defaultIstioVersion(env = process.env): string {
  return env.MESHCTL_ISTIO_VERSION || 'latest';
}

/**
 * Minimum Kubernetes minor version per Istio minor (Istio's support matrix); versions after the last
 * entry need what the last entry needs.
 */
const MIN_KUBERNETES: [istioMinor: number, k8sMinor: number][] = [
  [24, 28], [25, 29], [26, 29], [27, 30], [28, 30], [29, 30], [30, 32],
];

/** The oldest Kubernetes minor (1.x) that an Istio version supports. */
export function minKubernetesMinor(istioVersion: string): number {
  const minor = Number(/^1\.(\d+)/.exec(istioVersion)?.[1] ?? NaN);
  if (Number.isNaN(minor)) return MIN_KUBERNETES[MIN_KUBERNETES.length - 1][1];
  let need = MIN_KUBERNETES[0][1];
  for (const [im, km] of MIN_KUBERNETES) if (minor >= im) need = km;
  return need;
}
