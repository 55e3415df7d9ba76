/**
 * Whether istiod's webhooks answer the apiserver: istiod is asked for its version through the apiserver's service
 * proxy (is it reachable at all?), then a Gateway without servers is sent as a server-side dry run: istiod's
 * validating webhook refuses it once the apiserver can call it (istiod has patched in its CA and switched the
 * webhook to fail-closed); before that the apiserver lets it through. Nothing is written.
 */
import type { Reporter } from '../../ui/progress.js';
import { CheckFailedError } from '../../ui/errors.js';
import { askIstiod, type ApiRequests } from './status.js';
import { ISTIO_NAMESPACE } from '../../manifests/istio.js';

export type WebhookState = 'answers' | 'not-yet' | 'unreachable' | 'silent';

/** One look. `revision` picks istiod-REV and labels the probe for that revision's validator. */
export async function webhookState(kube: ApiRequests, revision?: string): Promise<WebhookState> {
  const service = revision && revision !== 'default' ? `istiod-${revision}` : 'istiod';
  const istiod = await askIstiod(kube, service);
  if (istiod.answer === 'refused') return 'not-yet';
  if (istiod.answer !== 'version') return istiod.answer;
  const probe = {
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway',
    metadata: { name: 'meshctl-webhook-probe', namespace: ISTIO_NAMESPACE, ...(revision ? { labels: { 'istio.io/rev': revision } } : {}) },
    spec: { selector: { istio: 'ingressgateway' } },
  };
  const res = await kube.request('POST', `/apis/networking.istio.io/v1/namespaces/${ISTIO_NAMESPACE}/gateways?dryRun=All`, { body: probe, timeoutMs: 10_000 })
    .catch(() => ({ status: 0, body: undefined }));
  return res.status >= 400 && /admission webhook "[^"]*" denied the request/.test(String((res.body as { message?: string } | undefined)?.message)) ? 'answers' : 'not-yet';
}

/** How long istiod may stay silent (no answer that says why) before the wait gives up on checking. */
export const SILENT_GRACE_MS = 20_000;

/**
 * Waits until the webhooks answer. When the apiserver says it cannot reach istiod at all (no route from the apiserver
 * to pods, or a stand-in cluster without an istiod process), or istiod stays silent for `silentGraceMs`, that is
 * said, and not waited for; a moment of silence (a busy istiod or apiserver) is waited through.
 */
export async function waitWebhooksAnswer(
  kube: ApiRequests, revision: string | undefined, timeoutMs: number, reporter: Reporter,
  { silentGraceMs = SILENT_GRACE_MS, pollMs = 500 }: { silentGraceMs?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const grace = Math.min(silentGraceMs, timeoutMs);
  let silentSince: number | undefined;
  reporter.start('webhooks: waiting until istiod answers the apiserver\'s validation calls');
  for (;;) {
    const state = await webhookState(kube, revision);
    if (state === 'answers') {
      reporter.succeed('webhooks: istiod answers the apiserver (its validation refused a probe, nothing written)');
      return;
    }
    if (state === 'unreachable') {
      reporter.warn('webhooks: not checked: the apiserver cannot reach istiod through its service proxy (it may not reach pods)');
      return;
    }
    silentSince = state === 'silent' ? silentSince ?? Date.now() : undefined;
    if (silentSince !== undefined && Date.now() - silentSince >= grace) {
      reporter.warn(`webhooks: not checked: istiod did not answer through the apiserver's service proxy for ${Math.round(grace / 1000)}s (it may not reach pods)`);
      return;
    }
    if (Date.now() > deadline) throw new CheckFailedError(`istiod runs but the apiserver's calls to its validating webhook do not reach it after ${Math.round(timeoutMs / 1000)}s (check the webhook's caBundle and the istiod Service)`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
