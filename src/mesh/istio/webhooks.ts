/**
 * Whether istiod's webhooks answer the apiserver: istiod is asked for its version through the apiserver's service
 * proxy (is it reachable at all?), then a Gateway without servers is sent as a server-side dry run: istiod's
 * validating webhook refuses it once the apiserver can call it (istiod has patched in its CA and switched the
 * webhook to fail-closed); before that the apiserver lets it through. Nothing is written.
 */
import type { Kube } from '../../cluster/kube.js';
import type { Reporter } from '../../ui/progress.js';
import { CheckFailedError } from '../../ui/errors.js';
import { ISTIO_NAMESPACE } from './plan.js';
import { askIstiod } from './status.js';

export type WebhookState = 'answers' | 'not-yet' | 'unreachable';

/** One look. `revision` picks istiod-REV and labels the probe for that revision's validator. */
export async function webhookState(kube: Pick<Kube, 'request'>, revision?: string): Promise<WebhookState> {
  const service = revision && revision !== 'default' ? `istiod-${revision}` : 'istiod';
  const istiod = await askIstiod(kube, service);
  // refused: the apiserver reaches the pod's address, and istiod is not listening yet
  if (!istiod.version) return istiod.refused ? 'not-yet' : 'unreachable';
  const probe = {
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway',
    metadata: { name: 'meshctl-webhook-probe', namespace: ISTIO_NAMESPACE, ...(revision ? { labels: { 'istio.io/rev': revision } } : {}) },
    spec: { selector: { istio: 'ingressgateway' } },
  };
  const res = await kube.request('POST', `/apis/networking.istio.io/v1/namespaces/${ISTIO_NAMESPACE}/gateways?dryRun=All`, { body: probe, timeoutMs: 10_000 })
    .catch(() => ({ status: 0, body: undefined }));
  return res.status >= 400 && /admission webhook "[^"]*" denied the request/.test(String((res.body as { message?: string } | undefined)?.message)) ? 'answers' : 'not-yet';
}

/**
 * Waits until the webhooks answer. When istiod cannot be reached through the apiserver at all (no route from the
 * apiserver to pods, or a stand-in cluster without an istiod process) that is said, and not waited for.
 */
export async function waitWebhooksAnswer(kube: Pick<Kube, 'request'>, revision: string | undefined, timeoutMs: number, reporter: Reporter): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  reporter.start('webhooks: waiting until istiod answers the apiserver\'s validation calls');
  for (;;) {
    const state = await webhookState(kube, revision);
    if (state === 'answers') {
      reporter.succeed('webhooks: istiod answers the apiserver (its validation refused a probe, nothing written)');
      return;
    }
    if (state === 'unreachable') {
      reporter.warn('webhooks: not checked: istiod does not answer through the apiserver\'s service proxy (it may not reach pods)');
      return;
    }
    if (Date.now() > deadline) throw new CheckFailedError(`istiod runs but the apiserver's calls to its validating webhook do not reach it after ${Math.round(timeoutMs / 1000)}s (check the webhook's caBundle and the istiod Service)`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
