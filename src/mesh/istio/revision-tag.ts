/**
 * The default revision tag, as `istioctl install` deploys it (Istio's operator/pkg/webhook: WebhooksToDeploy and
 * the tag package): a MutatingWebhookConfiguration `istio-revision-tag-default` that injects for the default
 * revision, the `istiod-default-validator` ValidatingWebhookConfiguration that sends every Istio resource (with or
 * without an `istio.io/rev` label) to istiod for validation, and the tag's Service. meshctl has the release's own
 * charts render them (`values.revisionTags`, `values.defaultRevision`) and, as istioctl does, turns the untagged
 * injector's webhooks off so that pods are not injected twice and limits the default validator to config without
 * a revision label. A differential test against `istioctl install` keeps this true. Pure.
 */
import type { KubeClient } from '../../cluster/client.js';
import type { K8sObject } from '../../manifests/object.js';

/** The selector Istio gives webhooks it turns off without deleting them. */
export const NEVER_MATCH = { matchLabels: { 'istio.io/deactivated': 'never-match' } };

/** The `--set` settings that make the charts render the default tag's objects. */
export const DEFAULT_TAG_SETS = ['values.revisionTags[0]=default', 'values.defaultRevision=default'];

/** The revision an install's settings name ("" for the default revision). */
export function revisionOf(sets: string[]): string {
  for (const s of [...sets].reverse()) {
    const m = /^(?:spec\.)?(?:values\.)?revision=(.*)$/.exec(s);
    if (m) return m[1] === 'default' ? '' : m[1];
  }
  return '';
}

/**
 * Whether the install deploys the default tag, as Istio decides it: unless the operator manages webhooks, a
 * default-revision install always does, and a revisioned one does only when no default tag exists yet.
 */
export function needsDefaultTag(opts: { revision: string; operatorManagesWebhooks: boolean; defaultTagExists: boolean }): boolean {
  return !opts.operatorManagesWebhooks && (!opts.defaultTagExists || opts.revision === '');
}

/**
 * Whether an install with these `--set` settings deploys the default tag on this cluster. Only a revisioned
 * install asks the cluster whether another install holds the tag already.
 */
export async function installsDefaultTag(kube: KubeClient, sets: string[]): Promise<boolean> {
  const revision = revisionOf(sets);
  const defaultTagExists = revision !== ''
    && (await kube.list('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', { labelSelector: 'app=sidecar-injector,istio.io/tag=default' })).length > 0;
  return needsDefaultTag({ revision, operatorManagesWebhooks: sets.includes('values.global.operatorManageWebhooks=true'), defaultTagExists });
}

/** The selector istioctl gives the default validator: config of a revision (istio.io/rev) goes to that revision's own. */
export const UNREVISIONED_ONLY = { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }] };

/**
 * The rendered objects made as `istioctl install` leaves them: the untagged default-revision injector's webhooks
 * turned off (the tag injects instead), and the default validator limited to config without an istio.io/rev label.
 */
export function asIstioctlLeavesThem(objects: K8sObject[]): K8sObject[] {
  return objects.map((o) => {
    if (o.kind === 'ValidatingWebhookConfiguration' && o.metadata?.name === 'istiod-default-validator') {
      const copy = structuredClone(o) as K8sObject & { webhooks?: any[] };
      copy.webhooks = (copy.webhooks ?? []).map((w) => ({ ...w, objectSelector: structuredClone(UNREVISIONED_ONLY) }));
      return copy;
    }
    const labels = o.metadata?.labels ?? {};
    const untagged = o.kind === 'MutatingWebhookConfiguration' && labels.app === 'sidecar-injector' && labels['istio.io/tag'] === undefined
      && (labels['istio.io/rev'] ?? 'default') === 'default';
    if (!untagged) return o;
    const copy = structuredClone(o) as K8sObject & { webhooks?: any[] };
    copy.webhooks = (copy.webhooks ?? []).map((w) => ({ ...w, namespaceSelector: structuredClone(NEVER_MATCH), objectSelector: structuredClone(NEVER_MATCH) }));
    return copy;
  });
}
